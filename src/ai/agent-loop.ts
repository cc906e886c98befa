/**
 * The AI node: a prompt, a model, and a tool loop that Flowgate runs itself, durably.
 *
 * Every step is committed before the next begins: each try of a model call is a row (the completed one holds the
 * answer), each tool call's result is a row. The rows are keyed by run, node, conversation (`loop_key`: `run:N` for
 * the node's Nth run in the workflow) and step (`model:N`, `tool:N:<toolCallId>`). A node that runs again (its worker
 * died, or a tool failed and the node is retried) reads its rows back and replays them: a committed answer is not
 * asked again, a committed tool result is not run again. At most the one step in flight is redone, and a tool gets
 * the same idempotency key each time (run, node and tool-call id).
 *
 * A gated tool call (`approveTools`) waits for a person: the calls of that step that need nobody run and are
 * committed, then the node parks (`ApprovalsNeeded`) and the engine raises one request per gated call. Each decision
 * is journaled (`approval:N:<toolCallId>`) when the request closes; the node then runs again, replays its journal to
 * the same step and runs (or not) each call as decided. A call identical to one already rejected in the conversation
 * is rejected again without asking.
 */
import { jsonSchema, tool, type ModelMessage, type ToolSet } from 'ai';

import {
  evaluateCondition,
  hasTemplates,
  renderTemplates,
  type ExpressionScope,
  type NodeDefinition,
} from '../definition/index.js';
import { readAiSpec, type AiNodeSpec } from '../definition/ai-spec.js';
import {
  ApprovalsNeeded,
  type PromptAgentCall,
  type PromptAgents,
  type ToolApprovalAsk,
} from '../engine/prompt-agents.js';
import type { Registry, RegisteredStep, StepContext } from '../engine/registry.js';
import { runStep } from '../engine/run-step.js';
import { inputJsonSchema, inputProblem } from '../engine/step-schemas.js';
import type { Store } from '../store/port.js';
import {
  countNodeCompletions,
  insertAiCall,
  listAiCalls,
  loadAiJournal,
  type NewAiCall,
} from '../store/repositories/ai-calls.js';
import { insertEvents } from '../store/repositories/events.js';
import { toIso, type Clock } from '../shared/clock.js';
import { coerceError, FlowgateError, serializeError } from '../shared/errors.js';
import { fromJson } from '../shared/json.js';
import type { ModelAnswer, ModelAttempt, ModelGateway, RequestedToolCall } from './gateway.js';
import { attemptColumns } from './attempt-row.js';
import { budgetSpent, spentRunBudget } from './run-budget.js';
import {
  approvalKey,
  budgetKey,
  callSignature,
  type ToolApprovalDecision,
} from '../hitl/tool-approval.js';

export interface AiNodeDeps {
  readonly store: Store;
  readonly registry: Registry;
  readonly gateway: ModelGateway;
  readonly clock: Clock;
  readonly newId: () => string;
}

/** What an AI node's run spent, as its output reports it. */
export interface AiUsageSummary {
  /** Model calls tried, retries included. */
  readonly calls: number;
  readonly toolCalls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens: number;
  readonly reasoningTokens: number;
  /** Over the priced calls; null when none was priced. */
  readonly costUsd: number | null;
  readonly unpricedCalls: number;
}

/** A tool's answer as stored and as the model reads it. */
type ToolOutcome =
  | {
      ok: true;
      value: unknown;
      /** Who changed the arguments before approving, and how: the model is told. */
      edited?: { by: string; input: unknown; changes: readonly unknown[] };
    }
  | { ok: false; error: string }
  /** Not run: a person rejected the call (or it was a repeat of a rejected one); the reason goes to the model. */
  | { ok: false; denied: string }
  /** Not run: a person answered in words instead. */
  | { ok: false; answered: string };

/** What a run of the node knows of its gated calls and its budget: the decisions in its journal. */
interface Approvals {
  readonly decisions: ReadonlyMap<string, ToolApprovalDecision>;
  /** A person let this run of the node spend past the run's budget. */
  budgetAllowed: boolean;
  /** Rejected calls by signature (tool and arguments), to reject a repeat without asking. */
  readonly rejected: Map<string, ToolApprovalDecision>;
  /** Requests raised so far (repeats rejected without asking are not counted). */
  asked: number;
}

export class AiNodeRunner implements PromptAgents {
  readonly #deps: AiNodeDeps;

  constructor(deps: AiNodeDeps) {
    this.#deps = deps;
  }

  async run({ node, input, scope, ctx }: PromptAgentCall): Promise<unknown> {
    const spec = specOf(node);
    const tools = this.#tools(spec);
    const prompt = await promptText(spec, node, input, scope);
    const system =
      spec.system !== undefined ? textOf(await renderTemplates(spec.system, scope)) : undefined;
    // One conversation per run of the node: attempts of one run share it (that is how a restart resumes), and a run
    // after the node completed (a rollback made it run again) starts a new one. Not a hash of the prompt: a prompt
    // that renders differently on a restart (a clock in a template) must not lose what was committed.
    const { loopKey, journal } = await this.#deps.store.read(async (db) => {
      const runs = await countNodeCompletions(db, ctx);
      const loopKey = `run:${runs + 1}`;
      const entries = await loadAiJournal(db, {
        workflowId: ctx.workflowId,
        nodeId: ctx.nodeId,
        loopKey,
      });
      return { loopKey, journal: new Map(entries.map((entry) => [entry.stepKey, entry.output])) };
    });
    const key = { workflowId: ctx.workflowId, nodeId: ctx.nodeId, loopKey };
    const approvals = approvalsOf(journal);

    const messages: ModelMessage[] = [{ role: 'user', content: prompt }];
    let sent: ModelMessage[] = [...messages];
    for (let step = 0; step < spec.maxSteps; step++) {
      ctx.signal.throwIfAborted();
      const stepKey = `model:${step}`;
      const recorded = journal.get(stepKey);
      if (recorded === undefined) await this.#withinBudget(node, step, approvals, loopKey, ctx);
      const answer =
        recorded !== undefined
          ? (fromJson<ModelAnswer>(recorded) as ModelAnswer)
          : await this.#ask(spec, system, messages, tools.set, sent, { ...key, stepKey }, ctx);
      const assistant = answer.responseMessages.filter((m) => m.role !== 'tool');
      // The SDK answers tool calls it could not parse (an unknown tool, bad JSON) with error results.
      const sdkResults = answer.responseMessages.flatMap((m) =>
        m.role === 'tool' ? m.content : [],
      );
      messages.push(...assistant);
      if (answer.toolCalls.length === 0 && sdkResults.length === 0) {
        return this.#finish(answer, spec, ctx);
      }
      // Every call settles (and is recorded) before a failure ends this attempt, so no tool is still running when the
      // next attempt replays the journal. A gated call nobody decided yet settles as undefined: the others still run.
      const reasoning = reasoningOf(messages);
      const asks: ToolApprovalAsk[] = [];
      const settled = await Promise.allSettled(
        answer.toolCalls.map(async (call) => {
          const decided = await this.#gate(spec, call, step, tools.steps, approvals, key, ctx);
          if (decided === 'ask') {
            asks.push(askFor(call, step, tools.steps, reasoning, loopKey));
            return undefined;
          }
          return this.#toolCall(call, step, tools.steps, journal, key, ctx, decided);
        }),
      );
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw coerceError(failed.reason);
      if (asks.length > 0) {
        approvals.asked += asks.length;
        if (approvals.asked > spec.maxToolApprovals) {
          throw Object.assign(
            new FlowgateError(
              'NODE_FAILED',
              `AI node ${node.id} asked for more than ${spec.maxToolApprovals} tool-call approvals (maxToolApprovals)`,
            ),
            { retriable: false },
          );
        }
        throw new ApprovalsNeeded(asks);
      }
      const outcomes = settled.map((r) => (r as PromiseFulfilledResult<ToolOutcome>).value);
      const results: ModelMessage = {
        role: 'tool',
        content: [
          ...sdkResults,
          ...answer.toolCalls.map((call, index) => ({
            type: 'tool-result' as const,
            toolCallId: call.toolCallId,
            toolName: call.toolName,
            output: toolOutput(outcomes[index]!),
          })),
        ],
      };
      messages.push(results);
      sent = [results];
    }
    throw Object.assign(
      new FlowgateError(
        'NODE_FAILED',
        `AI node ${node.id} made ${spec.maxSteps} model calls without a final answer (maxSteps)`,
      ),
      { retriable: false },
    );
  }

  /** The registered tools the node names, as the model sees them (schemas, no `execute`: the loop runs them). */
  #tools(spec: AiNodeSpec): { set: ToolSet; steps: Map<string, RegisteredStep> } {
    const set: ToolSet = {};
    const steps = new Map<string, RegisteredStep>();
    for (const name of spec.tools) {
      const step = this.#deps.registry.tool(name);
      if (!step) {
        throw Object.assign(
          new FlowgateError(
            'NODE_FAILED',
            `The AI node names tool "${name}", which is not registered`,
          ),
          { retriable: false },
        );
      }
      steps.set(name, step);
      set[name] = tool({
        ...(step.description !== undefined ? { description: step.description } : {}),
        inputSchema: jsonSchema(
          inputJsonSchema(step.inputSchema) as Parameters<typeof jsonSchema>[0],
        ),
      });
    }
    return { set, steps };
  }

  async #ask(
    spec: AiNodeSpec,
    system: string | undefined,
    messages: readonly ModelMessage[],
    tools: ToolSet,
    sent: readonly ModelMessage[],
    key: { workflowId: string; nodeId: string; loopKey: string; stepKey: string },
    ctx: StepContext,
  ): Promise<ModelAnswer> {
    return this.#deps.gateway.call(
      {
        provider: spec.provider,
        model: spec.model,
        ...(system !== undefined ? { system } : {}),
        messages,
        tools,
        ...(spec.output ? { output: spec.output } : {}),
        ...(spec.temperature !== undefined ? { temperature: spec.temperature } : {}),
        ...(spec.maxOutputTokens !== undefined ? { maxOutputTokens: spec.maxOutputTokens } : {}),
        signal: ctx.signal,
      },
      (attempt) => this.#record(modelRow(attempt, spec, sent, key, this.#deps.newId())),
    );
  }

  /**
   * The run's AI budget (settings.aiBudget), before a model call: once it is spent the node fails, or with
   * `onExceed: "ask"` waits for a person. One who lets it go on lets this run of the node go on to its end.
   */
  async #withinBudget(
    node: NodeDefinition,
    step: number,
    approvals: Approvals,
    loopKey: string,
    ctx: StepContext,
  ): Promise<void> {
    if (approvals.budgetAllowed) return;
    const spent = await spentRunBudget(this.#deps.store, ctx);
    if (!spent) return;
    if (spent.budget.onExceed === 'fail') throw budgetSpent(spent);
    const stepKey = budgetKey(step);
    const decision = approvals.decisions.get(stepKey);
    if (!decision) {
      throw new ApprovalsNeeded([
        {
          kind: 'budget',
          budgetUsd: spent.budget.usd,
          spentUsd: spent.spend.costUsd,
          loopKey,
          stepKey,
        },
      ]);
    }
    if (decision.verdict === 'approved') {
      approvals.budgetAllowed = true;
      return;
    }
    throw budgetSpent(
      spent,
      decision.verdict === 'expired'
        ? `nobody allowed ${node.id} to go on in time`
        : `${decision.by} did not let ${node.id} go on${decision.reason ? `: ${decision.reason}` : ''}`,
    );
  }

  /**
   * Whether a call may run: `run` (not gated, or approved: with the arguments the person approved), a decision that
   * keeps it from running, or `ask` when it waits for a person. A call identical to one rejected earlier in the
   * conversation is rejected again on the spot, and that is journaled like any decision.
   */
  async #gate(
    spec: AiNodeSpec,
    call: RequestedToolCall,
    step: number,
    steps: ReadonlyMap<string, RegisteredStep>,
    approvals: Approvals,
    key: { workflowId: string; nodeId: string; loopKey: string },
    ctx: StepContext,
  ): Promise<ToolApprovalDecision | 'ask' | undefined> {
    const stepKey = approvalKey(step, call.toolCallId);
    const decided = approvals.decisions.get(stepKey);
    if (decided) return decided;
    // An unknown tool or arguments that do not fit its schema are told to the model; nobody is asked to approve them.
    const registered = steps.get(call.toolName);
    if (!registered || inputProblem(registered.inputSchema, call.input) !== undefined)
      return undefined;
    if (!(await isGated(spec, call))) return undefined;
    const repeat = approvals.rejected.get(callSignature(call.toolName, call.input));
    if (!repeat) return 'ask';
    const decision: ToolApprovalDecision = {
      toolName: call.toolName,
      verdict: 'rejected',
      requested: call.input ?? null,
      input: call.input ?? null,
      edits: [],
      by: repeat.by,
      reason: repeat.reason,
      repeatOf: repeat.requestId ?? null,
      requestId: null,
    };
    const now = toIso(this.#deps.clock.now());
    await this.#record({
      executionId: this.#deps.newId(),
      kind: 'tool_approval',
      agentId: call.toolName,
      ...key,
      stepKey,
      attempt: ctx.attempt,
      status: 'completed',
      input: JSON.stringify(call.input ?? null),
      output: JSON.stringify(decision),
      error: null,
      startedAt: now,
      completedAt: now,
      durationMs: 0,
      toolCallId: call.toolCallId,
    });
    return decision;
  }

  async #toolCall(
    call: RequestedToolCall,
    step: number,
    steps: ReadonlyMap<string, RegisteredStep>,
    journal: ReadonlyMap<string, string | null>,
    key: { workflowId: string; nodeId: string; loopKey: string },
    ctx: StepContext,
    decision: ToolApprovalDecision | undefined,
  ): Promise<ToolOutcome> {
    const stepKey = `tool:${step}:${call.toolCallId}`;
    if (journal.has(stepKey)) return fromJson<ToolOutcome>(journal.get(stepKey)) as ToolOutcome;
    if (decision && decision.verdict !== 'approved') return refusedOutcome(decision);
    // An approved call runs with the arguments the person approved (edited, perhaps; checked when they decided).
    const input = decision ? decision.input : call.input;
    const startedAt = this.#deps.clock.now();
    const registered = steps.get(call.toolName);
    let outcome: ToolOutcome;
    let failure: Error | undefined;
    const problem = registered ? inputProblem(registered.inputSchema, input) : 'unknown tool';
    if (!registered || problem !== undefined) {
      // Told to the model, which may call again with better arguments.
      outcome = { ok: false, error: `invalid input for ${call.toolName}: ${problem}` };
    } else {
      try {
        const toolCtx: StepContext = {
          ...ctx,
          // Stable across re-runs of this one call, distinct from the node's other calls.
          idempotencyKey: `${ctx.workflowId}:${ctx.nodeId}:${call.toolCallId}`,
        };
        const value = await runStep(registered, input, toolCtx);
        outcome =
          decision && decision.edits.length > 0
            ? { ok: true, value, edited: { by: decision.by, input, changes: decision.edits } }
            : { ok: true, value };
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        const serialized = serializeError(error);
        if (serialized.retriable !== false) failure = coerceError(error);
        // A tool that says retrying is useless (NonRetriableError) gets its error read by the model instead.
        outcome = { ok: false, error: serialized.message };
      }
    }
    const finishedAt = this.#deps.clock.now();
    await this.#record({
      executionId: this.#deps.newId(),
      kind: 'tool_call',
      agentId: call.toolName,
      ...key,
      stepKey,
      attempt: ctx.attempt,
      status: failure === undefined ? 'completed' : 'failed',
      input: JSON.stringify(input ?? null),
      output: failure === undefined ? JSON.stringify(outcome) : null,
      error: outcome.ok ? null : 'error' in outcome ? outcome.error : null,
      startedAt: toIso(startedAt),
      completedAt: toIso(finishedAt),
      durationMs: finishedAt - startedAt,
      toolCallId: call.toolCallId,
    });
    // A retryable failure fails this attempt of the node; its next attempt replays the journal and tries this call again.
    if (failure !== undefined) throw failure;
    return outcome;
  }

  /** Commits the call's row and its event (`ai_call` or `ai_tool_call`, seed 004's event log) together. */
  #record(row: NewAiCall): Promise<void> {
    return this.#deps.store.transaction(async (tx) => {
      await insertAiCall(tx, row);
      await insertEvents(tx, [
        {
          workflowId: row.workflowId,
          type: eventTypeOf(row),
          data: JSON.stringify(eventOf(row)),
          createdAt: row.completedAt,
        },
      ]);
    });
  }

  async #finish(answer: ModelAnswer, spec: AiNodeSpec, ctx: StepContext): Promise<unknown> {
    const calls = await this.#deps.store.read((db) =>
      listAiCalls(db, { workflowId: ctx.workflowId, nodeId: ctx.nodeId }),
    );
    const models = calls.filter((c) => c.kind === 'model_call');
    const priced = models.filter((c) => c.costUsd !== null);
    const sum = (pick: (c: (typeof models)[number]) => number | null) =>
      models.reduce((total, c) => total + (pick(c) ?? 0), 0);
    const usage: AiUsageSummary = {
      calls: models.length,
      toolCalls: calls.filter((c) => c.kind === 'tool_call' && c.status === 'completed').length,
      inputTokens: sum((c) => c.inputTokens),
      outputTokens: sum((c) => c.outputTokens),
      cachedInputTokens: sum((c) => c.cachedInputTokens),
      reasoningTokens: sum((c) => c.reasoningTokens),
      costUsd: priced.length === 0 ? null : sum((c) => c.costUsd),
      unpricedCalls: models.filter((c) => c.status === 'completed' && c.costUsd === null).length,
    };
    return {
      text: answer.text,
      ...(spec.output ? { object: answer.object ?? null } : {}),
      provider: spec.provider,
      model: spec.model,
      ...(answer.responseModel !== undefined ? { responseModel: answer.responseModel } : {}),
      finishReason: answer.finishReason,
      usage,
    };
  }
}

function specOf(node: NodeDefinition): AiNodeSpec {
  const { spec, problems } = readAiSpec(node.config);
  if (spec) return spec;
  // Validation catches these when the DAG is stored; a DAG stored by an older version may still carry them.
  throw Object.assign(
    new FlowgateError(
      'NODE_FAILED',
      `AI node ${node.id} is misconfigured: ${problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; ')}`,
    ),
    { retriable: false },
  );
}

/**
 * The user message: the rendered prompt. A prompt without templates at a node with dependencies is followed by the
 * node's input (its dependencies' outputs), so seed 004's "Summarise the findings" sees the findings.
 */
async function promptText(
  spec: AiNodeSpec,
  node: NodeDefinition,
  input: unknown,
  scope: ExpressionScope,
): Promise<string> {
  const prompt = textOf(await renderTemplates(spec.prompt, scope));
  const explicitInput = node.config.input !== undefined;
  if (hasTemplates(spec.prompt) || (node.dependencies.length === 0 && !explicitInput))
    return prompt;
  if (input === null || input === undefined) return prompt;
  return `${prompt}\n\nInput:\n${JSON.stringify(input, null, 2)}`;
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return JSON.stringify(value);
}

function toolOutput(outcome: ToolOutcome) {
  if (outcome.ok) {
    if (!outcome.edited) return { type: 'json' as const, value: (outcome.value ?? null) as never };
    // The model must know its call did not run as written, or it reasons from arguments that were not used.
    return {
      type: 'json' as const,
      value: {
        result: outcome.value ?? null,
        note: `${outcome.edited.by} changed the arguments before approving; the tool ran with these arguments`,
        arguments: outcome.edited.input ?? null,
        changes: outcome.edited.changes,
      } as never,
    };
  }
  if ('denied' in outcome) return { type: 'execution-denied' as const, reason: outcome.denied };
  if ('answered' in outcome) return { type: 'text' as const, value: outcome.answered };
  return { type: 'error-text' as const, value: outcome.error };
}

/** What the model is told of a call a person did not let run. */
function refusedOutcome(decision: ToolApprovalDecision): ToolOutcome {
  if (decision.verdict === 'answered') {
    return {
      ok: false,
      answered: `Not run: ${decision.by} answered instead: ${decision.answer ?? ''}`,
    };
  }
  if (decision.verdict === 'expired') {
    return { ok: false, denied: 'Not run: nobody approved this call in time.' };
  }
  const reason = decision.reason ? `: ${decision.reason}` : '';
  return {
    ok: false,
    denied: decision.repeatOf
      ? `Not run: the same call was already rejected by ${decision.by}${reason}. Do not ask again.`
      : `Not run: rejected by ${decision.by}${reason}`,
  };
}

/** The decisions journaled so far, and the rejected calls by signature. */
function approvalsOf(journal: ReadonlyMap<string, string | null>): Approvals {
  const decisions = new Map<string, ToolApprovalDecision>();
  const rejected = new Map<string, ToolApprovalDecision>();
  let asked = 0;
  let budgetAllowed = false;
  for (const [stepKey, output] of journal) {
    const isBudget = stepKey.startsWith('budget:');
    if (!isBudget && !stepKey.startsWith('approval:')) continue;
    const decision = fromJson<ToolApprovalDecision>(output);
    if (!decision) continue;
    decisions.set(stepKey, decision);
    if (isBudget) {
      budgetAllowed ||= decision.verdict === 'approved';
      continue;
    }
    if (!decision.repeatOf) asked++;
    if (decision.verdict === 'rejected' && !decision.repeatOf) {
      rejected.set(callSignature(decision.toolName, decision.requested), decision);
    }
  }
  return { decisions, rejected, asked, budgetAllowed };
}

/** Whether the node's `approveTools` gates this call: always, or when the call's input meets its condition. */
async function isGated(spec: AiNodeSpec, call: RequestedToolCall): Promise<boolean> {
  const gate = spec.approveTools?.[call.toolName];
  if (gate === undefined) return false;
  if (gate === true) return true;
  try {
    return await evaluateCondition(gate, call.input ?? {});
  } catch {
    // A condition that cannot be judged gates the call: asking a person is the safe side.
    return true;
  }
}

function askFor(
  call: RequestedToolCall,
  step: number,
  steps: ReadonlyMap<string, RegisteredStep>,
  reasoning: string | null,
  loopKey: string,
): ToolApprovalAsk {
  return {
    kind: 'tool',
    toolName: call.toolName,
    toolCallId: call.toolCallId,
    input: call.input ?? null,
    inputSchema: inputJsonSchema(steps.get(call.toolName)?.inputSchema),
    reasoning,
    loopKey,
    stepKey: approvalKey(step, call.toolCallId),
  };
}

const MAX_REASONING_CHARS = 4_000;

/** What the model said so far (its text and reasoning), the latest part kept when it is long. */
function reasoningOf(messages: readonly ModelMessage[]): string | null {
  const parts: string[] = [];
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    if (typeof message.content === 'string') {
      if (message.content.trim() !== '') parts.push(message.content.trim());
      continue;
    }
    for (const part of message.content) {
      if ((part.type === 'text' || part.type === 'reasoning') && part.text.trim() !== '') {
        parts.push(part.text.trim());
      }
    }
  }
  if (parts.length === 0) return null;
  const text = parts.join('\n\n');
  return text.length > MAX_REASONING_CHARS ? `…${text.slice(-MAX_REASONING_CHARS)}` : text;
}

function modelRow(
  attempt: ModelAttempt,
  spec: AiNodeSpec,
  sent: readonly ModelMessage[],
  key: { workflowId: string; nodeId: string; loopKey: string; stepKey: string },
  executionId: string,
): NewAiCall {
  return {
    executionId,
    kind: 'model_call',
    agentId: `${spec.provider}:${spec.model}`,
    ...key,
    // What this call added to the conversation (the prompt, or the tool results): the rows together are the transcript.
    input: JSON.stringify(sent),
    ...attemptColumns(attempt, spec),
  };
}

function eventTypeOf(row: NewAiCall): string {
  return row.kind === 'model_call' ? 'ai_call' : 'ai_tool_call';
}

/** What the run's event log says of a call: enough to follow the loop and its cost, not the transcript. */
function eventOf(row: NewAiCall): Record<string, unknown> {
  const common = {
    node_id: row.nodeId,
    step: row.stepKey,
    status: row.status,
    duration_ms: Math.round(row.durationMs),
    ...(row.error ? { error: row.error } : {}),
  };
  if (row.kind === 'tool_call') {
    return { ...common, tool_name: row.agentId, tool_call_id: row.toolCallId ?? null };
  }
  if (row.kind === 'tool_approval') {
    // Only a repeat of a rejected call is journaled here; people's decisions have their hitl_* events.
    return {
      ...common,
      status: 'rejected',
      reason: 'repeat of a rejected call',
      tool_name: row.agentId,
      tool_call_id: row.toolCallId ?? null,
    };
  }
  return {
    ...common,
    attempt: row.attempt,
    provider: row.provider ?? null,
    model: row.model ?? null,
    response_model: row.responseModel ?? null,
    http_status: row.httpStatus ?? null,
    input_tokens: row.inputTokens ?? null,
    output_tokens: row.outputTokens ?? null,
    cost_usd: row.costUsd ?? null,
    // Priced or not is known only for an answered call.
    unpriced: row.status === 'completed' && (row.costUsd ?? null) === null,
  };
}
