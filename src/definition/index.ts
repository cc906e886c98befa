/**
 * @module definition
 *
 * DAG definitions: reading documents in every accepted format (seed 000/001 plans, seed 004 graphs,
 * seed 003 stages; JSON or YAML) into one normalized model, validating them with every problem reported
 * at its JSON path, and the JSONata expressions and `{{ }}` templates that conditions, node inputs and
 * human messages are written in. Pure apart from reading files: no database, no clock.
 */
export * from './model.js';
export { parseDag, type ParseDagOptions, type ParseResult } from './parse-dag.js';
export { parseDagText } from './parse-dag-text.js';
export { readDagFile } from './read-dag-file.js';
export { parseDuration } from './parse-duration.js';
export {
  evaluateCondition,
  evaluateExpression,
  expressionProblem,
  type ExpressionScope,
} from './expressions.js';
export { hasTemplates, renderTemplates } from './templates.js';
export {
  HUMAN_TIMEOUT_OUTCOMES,
  QUORUM_MODES,
  REJECT_ACTIONS,
  humanNodeSpec,
  type Approver,
  type HumanNodeSpec,
  type HumanOption,
  type HumanTimeoutOutcome,
  type QuorumMode,
  type RejectAction,
} from './human-spec.js';
export {
  ESCALATION_MODES,
  type EscalationLevel,
  type EscalationMode,
  type ReminderSpec,
} from './human-timers.js';
export { approvalGateId } from './import-stages.js';
export { AI_BUDGET_ON_EXCEED, readAiBudget, type AiBudget } from './read-ai-budget.js';
