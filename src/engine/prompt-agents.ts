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
