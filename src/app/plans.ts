/**
 * Plans: a request in plain words becomes a DAG that a person approves before it runs (seed 001's plans and
 * planner_conversations). Drafting calls the model outside any transaction; what comes back is stored, valid
 * (pending_approval) or not (invalid, with its problems). An edit is a new version, judged again. Approving claims the
 * plan by compare-and-set (approved), stores its DAG, starts the run pinned to that version and records it
 * (executed); a failure on the way gives the plan back. Approving a plan approves nothing inside it: its human nodes
 * and gated tool calls still ask their people.
 *
 * A plan is its author's: they and admins see and decide it; viewers may not plan.
 */
import { randomUUID } from 'node:crypto';

import { attemptColumns } from '../ai/attempt-row.js';
import { estimateDagCost, type CostEstimate, type EstimateOptions } from '../ai/cost-estimate.js';
import type { ModelAttempt, ModelGateway } from '../ai/gateway.js';
import type { PriceBook } from '../ai/pricing.js';
import { readPlannerModel, SETTINGS } from '../config/settings.js';
import { AI_PROVIDERS, type AiProvider } from '../definition/ai-spec.js';
import { parseDag, type DagProblem } from '../definition/index.js';
import type { Registry } from '../engine/registry.js';
import { declaredInputJsonSchema } from '../engine/step-schemas.js';
import { judge, Planner, unusableAnswer, type Draft } from '../planner/planner.js';
import type { PlannerMessage, StepDescription } from '../planner/prompt.js';
import type { Actor } from '../shared/actor.js';
import type { Clock } from '../shared/clock.js';
import { toIso } from '../shared/clock.js';
import { FlowgateError } from '../shared/errors.js';
import { fromJson } from '../shared/json.js';
import type { Store, Tx } from '../store/port.js';
import {
  decidePlan,
  getPlan,
  insertPlan,
  insertPlannerTurn,
  listPlans,
  listPlannerTurns,
  listPlanVersions,
  replacePlanVersion,
  updatePlanStatus,
  type PlanRecord,
} from '../store/repositories/plans.js';
import {
  insertPlannerCall,
  plannerCallsByPlan,
  type PlanCallTotals,
} from '../store/repositories/planner-calls.js';
import { cursorPair, pageLimit } from './paging.js';
import { encodeCursor } from './views.js';

export const PlanStatus = {
  pendingApproval: 'pending_approval',
  invalid: 'invalid',
  approved: 'approved',
  rejected: 'rejected',
  executed: 'executed',
} as const;

/** `provider:model`, as FLOWGATE_PLANNER_MODEL names it. */
export interface PlannerModel {
  readonly provider: AiProvider;
  readonly model: string;
}

export const PLANNER_MODEL_ENV = SETTINGS.plannerModel.env;

/** The planner's model, or undefined when none is set; a malformed one stops the start. */
export function resolvePlannerModel(text: string | undefined): PlannerModel | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const model = readPlannerModel(text.trim());
  if (!model) {
    throw new FlowgateError(
      'CONFIG_INVALID',
      `${PLANNER_MODEL_ENV}: "${text}" is not provider:model (providers: ${AI_PROVIDERS.join(', ')})`,
    );
  }
  return model;
}

export interface PlanView {
  readonly planId: string;
  readonly conversationId: string | null;
  readonly status: string;
  readonly version: number;
  readonly request: string | null;
  readonly plan: unknown;
  readonly problems: readonly DagProblem[];
  /** Nodes that will wait for a person when the plan runs. */
  readonly gates: readonly string[];
  readonly model: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string | null;
  readonly approvedAt: string | null;
  readonly rejectedAt: string | null;
  readonly rejectionReason: string | null;
  readonly executedAt: string | null;
  readonly decidedBy: string | null;
  readonly dagId: string | null;
  readonly dagVersion: number | null;
  readonly workflowId: string | null;
  /**
   * What the plan's AI nodes may cost when it runs, priced like the calls will be (assumptions in `basis`); null when
   * the plan is not a DAG that parses.
   */
  readonly estimate: CostEstimate | null;
  /** What drafting the plan cost: the planner's own model calls, every round and try; null before any. */
  readonly plannerUsage: PlanCallTotals | null;
}

export interface DraftedPlanView extends PlanView {
  /** What the planner said of the plan, for its reviewer. */
  readonly summary: string | null;
  /** Mechanical repairs made to the model's answer. */
  readonly fixes: readonly string[];
  /** Model calls the draft took (1, plus one per repair round). */
  readonly rounds: number;
}

export interface PlanTurnView {
  readonly turn: number;
  readonly message: string | null;
  readonly response: unknown;
  readonly planId: string | null;
  readonly createdAt: string;
}

export interface PlansDeps {
  readonly store: Store;
  readonly registry: Registry;
  readonly clock: Clock;
  /** The model gateway, made when first needed. */
  readonly gateway: () => Promise<ModelGateway>;
  /** The price book the gateway prices calls by (for estimates), made when first needed. */
  readonly prices: () => Promise<PriceBook>;
  readonly model: PlannerModel | undefined;
  readonly maxRepairs?: number;
  /** Tells other systems (webhooks `plan.*`) inside the transaction that records the change. */
  readonly announce: (
    tx: Tx,
    type: 'plan.created' | 'plan.approved' | 'plan.rejected',
    data: Readonly<Record<string, unknown>>,
    now: string,
  ) => Promise<void>;
  /** Stores the plan's DAG and starts its run (the facade's `putDag` and `start`). */
  readonly run: (
    document: unknown,
    actor: Actor,
    input: unknown,
  ) => Promise<{ dagId: string; dagVersion: number; workflowId: string }>;
}

/** A model call may not take longer than this; the planner's repairs each get as long. */
const PLANNER_CALL_TIMEOUT_MS = 120_000;

export class Plans {
  readonly #deps: PlansDeps;

  constructor(deps: PlansDeps) {
    this.#deps = deps;
  }

  /** Drafts a plan for `request` (a follow-up in `conversationId` revises the conversation's plan). */
  async create(
    input: { request: string; conversationId?: string },
    actor: Actor,
  ): Promise<DraftedPlanView> {
    mayPlan(actor);
    const request = input.request.trim();
    if (request === '') throw new FlowgateError('BAD_REQUEST', 'The request is empty');
    const model = this.#deps.model;
    if (!model) {
      throw new FlowgateError(
        'CONFIG_INVALID',
        'No planner model: set FLOWGATE_PLANNER_MODEL to provider:model (e.g. openai:gpt-4o-mini)',
      );
    }
    const { store } = this.#deps;
    const earlier = input.conversationId
      ? await store.read((db) => listPlannerTurns(db, input.conversationId!))
      : [];
    if (input.conversationId && (earlier.length === 0 || !owns(actor, earlier[0]!.userId))) {
      throw new FlowgateError('NOT_FOUND', 'No such conversation');
    }
    const planId = randomUUID();
    const conversationId = input.conversationId ?? randomUUID();
    const draft = await this.#draft(model, request, historyOf(earlier), planId, conversationId);
    const problems = draft.problems;
    const status = problems.length === 0 ? PlanStatus.pendingApproval : PlanStatus.invalid;
    const now = toIso(this.#deps.clock.now());
    const planJson = JSON.stringify(draft.document);
    await store.transaction(async (tx) => {
      await insertPlan(tx, {
        planId,
        userId: actor.userId,
        request,
        planJson,
        status,
        conversationId,
        problems: JSON.stringify(problems),
        model: `${model.provider}:${model.model}`,
        now,
      });
      await insertPlannerTurn(tx, {
        turnId: randomUUID(),
        conversationId,
        userId: actor.userId,
        turn: (earlier.at(-1)?.turn ?? 0) + 1,
        message: request,
        response: JSON.stringify({
          planId,
          status,
          summary: draft.summary ?? null,
          plan: draft.document,
          problems,
        }),
        planId,
        now,
      });
      await this.#deps.announce(
        tx,
        'plan.created',
        { planId, conversationId, status, createdBy: actor.userId, problems: problems.length },
        now,
      );
    });
    const stored = await this.#load(planId, actor);
    return {
      ...(await this.#view(stored)),
      summary: draft.summary ?? null,
      fixes: draft.fixes,
      rounds: draft.rounds,
    };
  }

  async get(planId: string, actor: Actor): Promise<PlanView & { versions: PlanVersionView[] }> {
    const plan = await this.#load(planId, actor);
    const versions = await this.#deps.store.read((db) => listPlanVersions(db, planId));
    return {
      ...(await this.#view(plan)),
      versions: versions.map((v) => ({
        version: v.version,
        createdBy: v.createdBy,
        createdAt: v.createdAt,
        problemCount: (fromJson<unknown[]>(v.problems) ?? []).length,
      })),
    };
  }

  async list(
    actor: Actor,
    query: { status?: string; limit?: number; cursor?: string },
  ): Promise<{ items: PlanView[]; nextCursor: string | null }> {
    const limit = pageLimit(query.limit);
    const after = query.cursor ? cursorPair(query.cursor) : undefined;
    const rows = await this.#deps.store.read((db) =>
      listPlans(db, {
        ...(isAdmin(actor) ? {} : { userId: actor.userId }),
        ...(query.status ? { status: query.status } : {}),
        limit: limit + 1,
        ...(after ? { after: { createdAt: after[0], planId: after[1] } } : {}),
      }),
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: await this.#views(page),
      nextCursor: rows.length > limit && last ? encodeCursor([last.createdAt, last.planId]) : null,
    };
  }

  /** A new version of a plan not yet decided, judged again; `version` guards against a concurrent edit. */
  async update(
    planId: string,
    input: { plan: unknown; version?: number },
    actor: Actor,
  ): Promise<PlanView> {
    mayPlan(actor);
    const current = await this.#load(planId, actor);
    if (current.status !== PlanStatus.pendingApproval && current.status !== PlanStatus.invalid) {
      throw notOpen(current);
    }
    if (input.version !== undefined && input.version !== current.version)
      throw staleVersion(current);
    if (typeof input.plan !== 'object' || input.plan === null || Array.isArray(input.plan)) {
      throw new FlowgateError('BAD_REQUEST', 'plan must be a DAG document (an object)');
    }
    const dagId = dagIdOf(planId);
    // The DAG's id stays the planner's, whatever the edit says.
    const document = { ...(input.plan as Record<string, unknown>), dag_id: dagId };
    const problems = judge(document, this.#deps.registry);
    const replaced = await this.#deps.store.transaction((tx) =>
      replacePlanVersion(tx, planId, {
        version: current.version + 1,
        planJson: JSON.stringify(document),
        problems: JSON.stringify(problems),
        status: problems.length === 0 ? PlanStatus.pendingApproval : PlanStatus.invalid,
        editedBy: actor.userId,
        now: toIso(this.#deps.clock.now()),
      }),
    );
    if (!replaced) throw staleVersion(current);
    return this.#view(await this.#load(planId, actor));
  }

  /**
   * Runs the plan: judged again against what is registered now (a plan naming a tool this process lacks never runs),
   * claimed by compare-and-set, its DAG stored and its run started pinned to that DAG version.
   */
  async approve(
    planId: string,
    input: { input?: unknown; version?: number },
    actor: Actor,
  ): Promise<PlanView> {
    mayPlan(actor);
    const current = await this.#load(planId, actor);
    if (current.status !== PlanStatus.pendingApproval) throw notOpen(current);
    if (input.version !== undefined && input.version !== current.version)
      throw staleVersion(current);
    const document = fromJson<Record<string, unknown>>(current.planJson) ?? {};
    const problems = judge(document, this.#deps.registry);
    if (problems.length > 0) {
      throw new FlowgateError('DAG_INVALID', 'The plan cannot run', { details: problems });
    }
    const { store, clock } = this.#deps;
    const claimed = await store.transaction((tx) =>
      updatePlanStatus(tx, planId, current.version, {
        from: PlanStatus.pendingApproval,
        to: PlanStatus.approved,
        decidedBy: actor.userId,
        now: toIso(clock.now()),
      }),
    );
    if (!claimed) throw staleVersion(current);
    let started: { dagId: string; dagVersion: number; workflowId: string };
    try {
      started = await this.#deps.run(document, actor, input.input ?? null);
    } catch (error) {
      // Nothing ran: the plan is pending again, for another try.
      await store.transaction((tx) =>
        updatePlanStatus(tx, planId, current.version, {
          from: PlanStatus.approved,
          to: PlanStatus.pendingApproval,
          decidedBy: null,
          now: toIso(clock.now()),
        }),
      );
      throw error;
    }
    await store.transaction(async (tx) => {
      const now = toIso(clock.now());
      await decidePlan(tx, planId, current.version, PlanStatus.approved, {
        status: PlanStatus.executed,
        decidedBy: actor.userId,
        now,
        ...started,
      });
      await this.#deps.announce(
        tx,
        'plan.approved',
        { planId, version: current.version, approvedBy: actor.userId, ...started },
        now,
      );
    });
    return this.#view(await this.#load(planId, actor));
  }

  async reject(planId: string, reason: string, actor: Actor): Promise<PlanView> {
    mayPlan(actor);
    const current = await this.#load(planId, actor);
    if (current.status !== PlanStatus.pendingApproval && current.status !== PlanStatus.invalid) {
      throw notOpen(current);
    }
    const rejected = await this.#deps.store.transaction(async (tx) => {
      const now = toIso(this.#deps.clock.now());
      const done = await decidePlan(tx, planId, current.version, current.status, {
        status: PlanStatus.rejected,
        decidedBy: actor.userId,
        now,
        rejectionReason: reason,
      });
      if (done) {
        await this.#deps.announce(
          tx,
          'plan.rejected',
          { planId, version: current.version, rejectedBy: actor.userId, reason },
          now,
        );
      }
      return done;
    });
    if (!rejected) throw staleVersion(current);
    return this.#view(await this.#load(planId, actor));
  }

  async conversation(
    conversationId: string,
    actor: Actor,
  ): Promise<{ conversationId: string; turns: PlanTurnView[] }> {
    const turns = await this.#deps.store.read((db) => listPlannerTurns(db, conversationId));
    if (turns.length === 0 || !owns(actor, turns[0]!.userId)) {
      throw new FlowgateError('NOT_FOUND', 'No such conversation');
    }
    return {
      conversationId,
      turns: turns.map((turn) => ({
        turn: turn.turn,
        message: turn.message,
        response: fromJson(turn.response),
        planId: turn.planId,
        createdAt: turn.createdAt,
      })),
    };
  }

  #view(plan: PlanRecord): Promise<PlanView> {
    return this.#views([plan]).then((views) => views[0]!);
  }

  /** Plans as the API shows them: with their cost estimate and what drafting them cost (one query for the page). */
  async #views(plans: readonly PlanRecord[]): Promise<PlanView[]> {
    if (plans.length === 0) return [];
    const prices = await this.#deps.prices();
    const usage = await this.#deps.store.read((db) =>
      plannerCallsByPlan(
        db,
        plans.map((p) => p.planId),
      ),
    );
    const estimating = {
      prices,
      toolDefinitionChars: (name: string) => toolChars(this.#deps.registry, name),
    };
    return plans.map((plan) => view(plan, estimating, usage.get(plan.planId) ?? null));
  }

  async #load(planId: string, actor: Actor): Promise<PlanRecord> {
    const plan = await this.#deps.store.read((db) => getPlan(db, planId));
    // Another person's plan is as absent as one that does not exist.
    if (!plan || !owns(actor, plan.userId)) throw new FlowgateError('NOT_FOUND', 'No such plan');
    return plan;
  }

  async #draft(
    model: PlannerModel,
    request: string,
    history: PlannerMessage[],
    planId: string,
    conversationId: string,
  ): Promise<Draft> {
    const gateway = await this.#deps.gateway();
    let round = 0;
    // Each round's row holds what it added to the conversation (the rows together are the transcript).
    let sentCount = 0;
    const planner = new Planner({
      registry: this.#deps.registry,
      steps: () => stepsOf(this.#deps.registry),
      ...(this.#deps.maxRepairs !== undefined ? { maxRepairs: this.#deps.maxRepairs } : {}),
      ask: async (question) => {
        round++;
        const added = question.messages.slice(sentCount);
        sentCount = question.messages.length;
        const record = (attempt: ModelAttempt) =>
          this.#recordCall(model, { planId, conversationId, round, added }, attempt);
        try {
          const answer = await gateway.call(
            {
              provider: model.provider,
              model: model.model,
              system: question.system,
              messages: question.messages.map((m) => ({ role: m.role, content: m.content })),
              output: question.output,
              signal: question.signal,
            },
            record,
          );
          return { object: answer.object, text: answer.text };
        } catch (error) {
          // The planner reads an unusable answer itself (it is sent back as a problem); anything else is the
          // provider's failure, not the caller's.
          if (unusableAnswer(error)) throw error;
          throw new FlowgateError(
            'UPSTREAM_FAILED',
            `The planner's model failed: ${(error as Error).message}`,
            { cause: error },
          );
        }
      },
    });
    return planner.draft({
      request,
      history,
      dagId: dagIdOf(planId),
      signal: AbortSignal.timeout(PLANNER_CALL_TIMEOUT_MS * ((this.#deps.maxRepairs ?? 3) + 1)),
    });
  }

  /** Records one try of a planner call, with its usage and cost, before the planner reads its answer. */
  #recordCall(
    model: PlannerModel,
    call: {
      planId: string;
      conversationId: string;
      round: number;
      added: readonly PlannerMessage[];
    },
    attempt: ModelAttempt,
  ): Promise<void> {
    return this.#deps.store.transaction((tx) =>
      insertPlannerCall(tx, {
        executionId: randomUUID(),
        planId: call.planId,
        conversationId: call.conversationId,
        round: call.round,
        input: JSON.stringify(call.added),
        ...attemptColumns(attempt, model),
      }),
    );
  }
}

export interface PlanVersionView {
  readonly version: number;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly problemCount: number;
}

/** The DAG a plan becomes: named after the plan, so it never versions someone else's DAG. */
export function dagIdOf(planId: string): string {
  return `generated_plan_${planId.replaceAll('-', '').slice(0, 12)}`;
}

function stepsOf(registry: Registry): StepDescription[] {
  return registry.list().map((step) => ({
    name: step.name,
    kind: step.kind,
    ...(step.description !== undefined ? { description: step.description } : {}),
    ...(step.inputSchema !== undefined
      ? { inputSchema: declaredInputJsonSchema(step.inputSchema) }
      : {}),
  }));
}

/** Earlier exchanges as the model sees them: each request, and the plan answered to it. */
function historyOf(
  turns: readonly { message: string | null; response: string | null }[],
): PlannerMessage[] {
  return turns.flatMap((turn): PlannerMessage[] => {
    const response = fromJson<{ plan?: unknown; summary?: unknown }>(turn.response);
    return [
      { role: 'user', content: turn.message ?? '' },
      {
        role: 'assistant',
        content: JSON.stringify({
          summary: response?.summary ?? undefined,
          ...asObject(response?.plan),
        }),
      },
    ];
  });
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** What the model is told of a tool with every call: its name, description and input schema. */
function toolChars(registry: Registry, name: string): number {
  const step = registry.tool(name);
  if (!step) return 0;
  const schema = declaredInputJsonSchema(step.inputSchema);
  return (
    name.length +
    (step.description?.length ?? 0) +
    (schema === undefined ? 0 : JSON.stringify(schema).length)
  );
}

interface Estimating extends EstimateOptions {
  readonly prices: PriceBook;
}

function view(plan: PlanRecord, estimating: Estimating, usage: PlanCallTotals | null): PlanView {
  const document = fromJson<Record<string, unknown>>(plan.planJson) ?? null;
  return {
    planId: plan.planId,
    conversationId: plan.conversationId,
    status: plan.status,
    version: plan.version,
    request: plan.request,
    plan: document,
    problems: fromJson<DagProblem[]>(plan.problems) ?? [],
    gates: gatesOf(document),
    model: plan.model,
    createdBy: plan.userId,
    createdAt: plan.createdAt,
    updatedAt: plan.updatedAt,
    approvedAt: plan.approvedAt,
    rejectedAt: plan.rejectedAt,
    rejectionReason: plan.rejectionReason,
    executedAt: plan.executedAt,
    decidedBy: plan.decidedBy,
    dagId: plan.dagId,
    dagVersion: plan.dagVersion,
    workflowId: plan.workflowId,
    estimate: estimateOf(document, estimating),
    plannerUsage: usage,
  };
}

/** The plan's AI cost estimate, when it parses as a DAG (unknown tools or agents do not stop an estimate). */
function estimateOf(
  document: Record<string, unknown> | null,
  { prices, ...options }: Estimating,
): CostEstimate | null {
  if (document === null) return null;
  const parsed = parseDag(document);
  return parsed.ok ? estimateDagCost(parsed.dag, prices, options) : null;
}

/** The nodes that will ask a person: human nodes, and AI nodes that gate their tool calls. */
function gatesOf(document: Record<string, unknown> | null): string[] {
  const nodes = Array.isArray(document?.nodes) ? (document.nodes as unknown[]) : [];
  return nodes.flatMap((raw) => {
    const node = asObject(raw);
    const id =
      typeof node.node_id === 'string'
        ? node.node_id
        : typeof node.id === 'string'
          ? node.id
          : undefined;
    if (id === undefined) return [];
    const type = node.node_type ?? node.type;
    const config = asObject(node.config ?? node.data);
    const gatesTools = config.approveTools !== undefined && config.approveTools !== false;
    return type === 'human_in_loop' || type === 'human' || gatesTools ? [id] : [];
  });
}

function isAdmin(actor: Actor): boolean {
  return (actor.roles ?? []).includes('admin');
}

function owns(actor: Actor, userId: string): boolean {
  return actor.userId === userId || isAdmin(actor);
}

function mayPlan(actor: Actor): void {
  const roles = actor.roles ?? [];
  if (roles.includes('viewer') && !roles.includes('admin')) {
    throw new FlowgateError('FORBIDDEN', 'Viewers cannot plan or decide plans');
  }
}

function notOpen(plan: PlanRecord): FlowgateError {
  return new FlowgateError('CONFLICT', `The plan is already ${plan.status}`, {
    details: { status: plan.status, decidedBy: plan.decidedBy },
  });
}

function staleVersion(plan: PlanRecord): FlowgateError {
  return new FlowgateError('CONFLICT', 'The plan changed meanwhile: review its latest version', {
    details: { version: plan.version, status: plan.status },
  });
}
