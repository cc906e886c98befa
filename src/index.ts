/**
 * @module flowgate
 *
 * Durable DAG workflows for AI agents and tools, with people in the loop. `createFlowgate` opens a database
 * (SQLite by default, PostgreSQL for scale-out), registers agents and tools, and runs workflows whose every state
 * change is committed before it is acted on.
 */
export { createFlowgate, Flowgate } from './app/flowgate.js';
export type { ActorLike, FlowgateOptions, Page, StartOptions, StoredDag } from './app/flowgate.js';
export type { EventView, HitlRequestView, NodeView, VoteView, WorkflowView } from './app/views.js';
export type {
  CompensationView,
  PlannedCompensation,
  RollbackTarget,
  SnapshotView,
  StartedRollback,
} from './app/rollbacks.js';
export type {
  Catchup,
  FiredOccurrence,
  Overlap,
  ScheduleCaller,
  ScheduleFireView,
  Schedules,
  ScheduleSpec,
  ScheduleUpdate,
  ScheduleView,
} from './app/schedules.js';
export type { CreatedTrigger, TriggerAuth, Triggers, TriggerView } from './app/triggers.js';
export type { DecisionLinks, LinkCaller, LinkForm, LinkPage } from './app/decision-links.js';
export type { MailOptions } from './app/mail-setup.js';
export type { AiOptions } from './app/ai-setup.js';
export type { AiUsage, AiUsageQuery, AiUsageTotals } from './app/ai-usage.js';
export type { DecisionInput, DecisionResult, HumanOutput } from './engine/decisions.js';
export type { WorkerOptions } from './engine/worker.js';
export type {
  Plugin,
  StepContext,
  StepDefinition,
  StepEntry,
  StepFunction,
} from './engine/registry.js';
export { parseDag, parseDagText, readDagFile } from './definition/index.js';
export type { DagDefinition, DagProblem, NodeDefinition } from './definition/index.js';
export type { Actor } from './shared/actor.js';
export { FlowgateError, NonRetriableError, RetryAfterError } from './shared/errors.js';
export type { ErrorCode, SerializedError } from './shared/errors.js';
