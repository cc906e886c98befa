/**
 * What a DAG's AI nodes may cost, before it runs: for each AI node, its provider and model, an assumed number of model
 * calls and tokens, and their price from the same price book the calls are billed by (the operator's override, then
 * the catalogue). It is an estimate from the definition alone, so its assumptions are stated with it:
 *
 * - calls: 1 for a node without tools (one answer); `maxSteps` for a node with tools (the loop's cap, so an upper
 *   bound: a loop usually ends sooner).
 * - input tokens of a call: the prompt's and system prompt's text at {@link CHARS_PER_TOKEN} characters a token, as
 *   written (templates are not rendered, so a large input read through a template is not counted), with what every
 *   call also carries (the tools' names, descriptions and input schemas, and the output schema), plus every earlier
 *   answer of the node's conversation, which each later call sends again (tool results are not counted: unknown).
 * - output tokens of a call: the node's `maxOutputTokens`, else {@link DEFAULT_OUTPUT_TOKENS}.
 *
 * A model nobody prices is "unpriced": its node's cost is null and the node is listed apart, never counted as free.
 */
import { isPromptAgent, readAiSpec, type AiNodeSpec } from '../definition/ai-spec.js';
import type { DagDefinition } from '../definition/index.js';
import type { PriceBook } from './pricing.js';

/** A rough, model-independent ratio for English text (OpenAI's rule of thumb). */
export const CHARS_PER_TOKEN = 4;
/** The output assumed per call when a node sets no `maxOutputTokens`. */
export const DEFAULT_OUTPUT_TOKENS = 1_000;

export interface NodeCostEstimate {
  readonly nodeId: string;
  readonly provider: string;
  readonly model: string;
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Null when the model has no known price. */
  readonly costUsd: number | null;
  /** How the figures were reached, in words. */
  readonly basis: string;
}

export interface CostEstimate {
  /** One entry per AI node, in the DAG's order. */
  readonly nodes: readonly NodeCostEstimate[];
  /** The sum over the priced nodes; null when there are AI nodes and none is priced. */
  readonly costUsd: number | null;
  /** AI nodes whose model has no known price (their cost is missing from `costUsd`). */
  readonly unpricedNodes: readonly string[];
  /** The run's AI budget the DAG declares (`settings.aiBudget.usd`), if any. */
  readonly budgetUsd: number | null;
}

export interface EstimateOptions {
  /** The characters of a tool's definition as the model is given it (name, description, input schema); 0 if unknown. */
  readonly toolDefinitionChars?: (toolName: string) => number;
}

export function estimateDagCost(
  dag: DagDefinition,
  prices: PriceBook,
  options: EstimateOptions = {},
): CostEstimate {
  const nodes: NodeCostEstimate[] = [];
  for (const node of dag.nodes) {
    if (!isPromptAgent(node)) continue;
    const { spec } = readAiSpec(node.config);
    if (!spec) continue;
    nodes.push(estimateNode(node.id, spec, prices, options));
  }
  const priced = nodes.filter((n) => n.costUsd !== null);
  const budget = (dag.settings.aiBudget as { usd?: unknown } | undefined)?.usd;
  return {
    nodes,
    costUsd:
      nodes.length > 0 && priced.length === 0
        ? null
        : priced.reduce((sum, n) => sum + (n.costUsd ?? 0), 0),
    unpricedNodes: nodes.filter((n) => n.costUsd === null).map((n) => n.nodeId),
    budgetUsd: typeof budget === 'number' ? budget : null,
  };
}

function estimateNode(
  nodeId: string,
  spec: AiNodeSpec,
  prices: PriceBook,
  options: EstimateOptions,
): NodeCostEstimate {
  const calls = spec.tools.length > 0 ? spec.maxSteps : 1;
  const toolChars = spec.tools.reduce(
    (sum, name) => sum + (options.toolDefinitionChars?.(name) ?? 0),
    0,
  );
  const schemaChars = spec.output ? JSON.stringify(spec.output).length : 0;
  const promptTokens = Math.ceil(
    (spec.prompt.length + (spec.system?.length ?? 0) + toolChars + schemaChars) / CHARS_PER_TOKEN,
  );
  const outputPerCall = spec.maxOutputTokens ?? DEFAULT_OUTPUT_TOKENS;
  // Call k (from 0) sends the prompt and the k answers before it.
  const inputTokens = calls * promptTokens + (outputPerCall * calls * (calls - 1)) / 2;
  const outputTokens = calls * outputPerCall;
  const { costUsd } = prices.price({
    provider: spec.provider,
    model: spec.model,
    usage: { inputTokens, outputTokens },
  });
  const callsBasis =
    calls === 1
      ? '1 call (no tools)'
      : `${calls} calls (maxSteps, an upper bound for a tool loop), each resending the earlier answers`;
  const outputBasis =
    spec.maxOutputTokens !== undefined
      ? `${outputPerCall} output tokens a call (maxOutputTokens)`
      : `${outputPerCall} output tokens a call (assumed; set maxOutputTokens to bound it)`;
  return {
    nodeId,
    provider: spec.provider,
    model: spec.model,
    calls,
    inputTokens,
    outputTokens,
    costUsd,
    basis:
      `${callsBasis}; ${promptTokens} input tokens a call before earlier answers (prompt and system as written, ` +
      `tool definitions and output schema; ${CHARS_PER_TOKEN} characters a token); ${outputBasis}`,
  };
}
