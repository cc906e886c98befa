import type { ExpressionScope, NodeDefinition } from '../definition/index.js';
import type { StepContext } from './registry.js';

/** One run of an AI node (an agent node defined by a prompt), as the worker hands it over. */
export interface PromptAgentCall {
  readonly node: NodeDefinition;
  /** The node's input: its `config.input`, else its dependencies' outputs (or the run's input at a start node). */
  readonly input: unknown;
  /** What the prompt's templates see. */
  readonly scope: ExpressionScope;
  readonly ctx: StepContext;
}

/**
 * Runs AI nodes. The app wires one in (src/ai), so the engine carries no model code; without one an AI node fails
 * with a clear error.
 */
export interface PromptAgents {
  run(call: PromptAgentCall): Promise<unknown>;
}

/** A tool call an AI node may not run before a person decides on it. */
export interface ToolApprovalAsk {
  readonly kind: 'tool';
  readonly toolName: string;
  readonly toolCallId: string;
  /** The arguments as the model wrote them: what the person approves, edits or rejects. */
  readonly input: unknown;
  /** The tool's input JSON Schema: edits are checked against it. */
  readonly inputSchema: Readonly<Record<string, unknown>>;
  /** What the model said before the call (its text and reasoning so far), for the person to judge it by. */
  readonly reasoning: string | null;
  /** Where the decision is journaled in the node's conversation. */
  readonly loopKey: string;
  readonly stepKey: string;
}

/** A model call past the run's AI budget (`onExceed: "ask"`): a person lets the node go on, or stops it. */
export interface BudgetApprovalAsk {
  readonly kind: 'budget';
  readonly budgetUsd: number;
  readonly spentUsd: number;
  readonly loopKey: string;
  readonly stepKey: string;
}

export type ApprovalAsk = ToolApprovalAsk | BudgetApprovalAsk;

/**
 * Thrown by an AI node whose model asked for gated tool calls nobody has decided yet (or that would spend past its
 * run's budget). The calls it could run are run
 * and committed first; the worker then parks the node (waiting for people, no lease, no thread) and raises a request
 * per call. When the last of them closes, the node runs again and its journal takes it to where it stopped.
 */
export class ApprovalsNeeded extends Error {
  constructor(readonly asks: readonly ApprovalAsk[]) {
    super(`Waiting for people to decide on ${asks.length} request(s)`);
    this.name = 'ApprovalsNeeded';
  }
}
