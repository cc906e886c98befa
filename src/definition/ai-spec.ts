import { z } from 'zod';

import { isPlainObject, type PathSegment } from './document-path.js';
import { expressionProblem } from './expressions.js';
import { humanConfigProblems } from './human-spec.js';
import type { NodeDefinition } from './model.js';

/** The model providers an AI node may name (API.md, "AI nodes, usage and the planner"). */
export const AI_PROVIDERS = [
  'openai',
  'openai-compatible',
  'gemini',
  'groq',
  'perplexity',
] as const;
export type AiProvider = (typeof AI_PROVIDERS)[number];

/**
 * The model a node gets when it names only its provider (seed 004's nodes carry a provider and no model): a small,
 * cheap current model of each. A local OpenAI-compatible server has no such default.
 */
export const DEFAULT_MODELS: Readonly<Record<AiProvider, string | undefined>> = {
  openai: 'gpt-4o-mini',
  'openai-compatible': undefined,
  gemini: 'gemini-2.5-flash',
  groq: 'llama-3.3-70b-versatile',
  perplexity: 'sonar',
};

/** How many tool calls of one node run may wait for a person, when the node sets no `maxToolApprovals`. */
export const DEFAULT_MAX_TOOL_APPROVALS = 20;
const MAX_MAX_TOOL_APPROVALS = 1000;

/** The tool loop's cap when a node sets none: model calls per node run, each answer either final or tool calls. */
export const DEFAULT_AI_MAX_STEPS = 10;
const MAX_AI_MAX_STEPS = 100;

/** An AI node's config (seed 004's `type: ai`, or `node_type: agent` with `config.prompt`), read and checked. */
export interface AiNodeSpec {
  /** A template over the run's scope. */
  readonly prompt: string;
  /** A template too. */
  readonly system?: string;
  /** Default `openai`. */
  readonly provider: AiProvider;
  /** Default: the provider's entry in {@link DEFAULT_MODELS}. */
  readonly model: string;
  /** Names of registered tools the model may call. */
  readonly tools: readonly string[];
  /** A JSON Schema: the answer is an object validated against it, not text. */
  readonly output?: Readonly<Record<string, unknown>>;
  /** Model calls per run of the node, at most. */
  readonly maxSteps: number;
  readonly temperature?: number;
  readonly maxOutputTokens?: number;
  /**
   * The gated tools: a call of one waits for a person, always (`true`) or when its input meets the condition (an
   * expression over the call's input). Absent: no call waits.
   */
  readonly approveTools?: Readonly<Record<string, true | string>>;
  /** A human node's settings (approvers, quorum, timeout, reminders, channels) for the requests gated calls raise. */
  readonly approval: Readonly<Record<string, unknown>>;
  /** Gated calls one run of the node may ask a person about; one more fails the node. */
  readonly maxToolApprovals: number;
}

export interface AiSpecProblem {
  readonly path: readonly PathSegment[];
  readonly message: string;
}

/** An agent node without an agent id runs its prompt through a model. */
export function isPromptAgent(node: Pick<NodeDefinition, 'type' | 'agentId'>): boolean {
  return node.type === 'agent' && node.agentId === undefined;
}

/**
 * Reads an AI node's config and reports every problem with its path: the provider among {@link AI_PROVIDERS}, a
 * model, tool names, an output schema that compiles, a sane step cap, the gated tools and their approvers.
 */
export function readAiSpec(config: Readonly<Record<string, unknown>>): {
  spec?: AiNodeSpec;
  problems: AiSpecProblem[];
} {
  const problems: AiSpecProblem[] = [];
  const problem = (path: PathSegment[], message: string) => problems.push({ path, message });

  const prompt = config.prompt;
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    problem(['prompt'], 'an AI node needs a prompt (text, templates allowed)');
  }
  const system = config.system;
  if (system !== undefined && system !== null && typeof system !== 'string') {
    problem(['system'], 'must be text (templates allowed)');
  }

  const provider = config.provider ?? 'openai';
  if (typeof provider !== 'string' || !(AI_PROVIDERS as readonly string[]).includes(provider)) {
    problem(
      ['provider'],
      `unknown provider ${JSON.stringify(provider)} (expected one of ${AI_PROVIDERS.join(', ')})`,
    );
  }
  const model = config.model ?? DEFAULT_MODELS[provider as AiProvider];
  if (typeof model !== 'string' || model.trim() === '') {
    problem(
      ['model'],
      provider === 'openai-compatible'
        ? 'an openai-compatible node names its model, as the server knows it (e.g. "llama3.2")'
        : 'must be a model name, e.g. "gpt-4o-mini" or "gemini-2.5-flash"',
    );
  }

  const tools: string[] = [];
  const rawTools = config.tools;
  if (rawTools !== undefined && rawTools !== null) {
    if (!Array.isArray(rawTools)) problem(['tools'], 'must be a list of registered tool names');
    else {
      (rawTools as unknown[]).forEach((name, index) => {
        if (typeof name !== 'string' || name === '') {
          problem(['tools', index], 'must be the name of a registered tool');
        } else if (tools.includes(name)) {
          problem(['tools', index], `"${name}" is listed twice`);
        } else tools.push(name);
      });
    }
  }

  let output: Record<string, unknown> | undefined;
  const rawOutput = config.output;
  if (rawOutput !== undefined && rawOutput !== null) {
    if (!isPlainObject(rawOutput)) {
      problem(['output'], 'must be a JSON Schema (an object)');
    } else {
      const compiled = outputSchemaProblem(rawOutput);
      if (compiled !== undefined) problem(['output'], compiled);
      else output = rawOutput;
    }
  }

  let maxSteps = DEFAULT_AI_MAX_STEPS;
  const rawSteps = config.maxSteps;
  if (rawSteps !== undefined && rawSteps !== null) {
    if (
      typeof rawSteps !== 'number' ||
      !Number.isInteger(rawSteps) ||
      rawSteps < 1 ||
      rawSteps > MAX_AI_MAX_STEPS
    ) {
      problem(['maxSteps'], `must be a whole number from 1 to ${MAX_AI_MAX_STEPS}`);
    } else maxSteps = rawSteps;
  }
  const temperature = config.temperature;
  if (
    temperature !== undefined &&
    temperature !== null &&
    (typeof temperature !== 'number' || !(temperature >= 0 && temperature <= 2))
  ) {
    problem(['temperature'], 'must be a number from 0 to 2');
  }
  const maxOutputTokens = config.maxOutputTokens;
  if (
    maxOutputTokens !== undefined &&
    maxOutputTokens !== null &&
    (typeof maxOutputTokens !== 'number' ||
      !Number.isInteger(maxOutputTokens) ||
      maxOutputTokens < 1)
  ) {
    problem(['maxOutputTokens'], 'must be a whole number of tokens, 1 or more');
  }
  const approveTools = readApproveTools(config.approveTools, tools, problem);
  const approval = config.approval ?? {};
  if (!isPlainObject(approval)) {
    problem(
      ['approval'],
      "must be an object with a human node's settings (approvers, quorum, timeout, ...)",
    );
  } else {
    for (const found of humanConfigProblems(approval))
      problem(['approval', ...found.path], found.message);
  }
  let maxToolApprovals = DEFAULT_MAX_TOOL_APPROVALS;
  const rawCap = config.maxToolApprovals;
  if (rawCap !== undefined && rawCap !== null) {
    if (
      typeof rawCap !== 'number' ||
      !Number.isInteger(rawCap) ||
      rawCap < 1 ||
      rawCap > MAX_MAX_TOOL_APPROVALS
    ) {
      problem(['maxToolApprovals'], `must be a whole number from 1 to ${MAX_MAX_TOOL_APPROVALS}`);
    } else maxToolApprovals = rawCap;
  }

  if (problems.length > 0) return { problems };
  return {
    problems,
    spec: {
      prompt: prompt as string,
      ...(typeof system === 'string' ? { system } : {}),
      provider: provider as AiProvider,
      model: (model as string).trim(),
      tools,
      ...(output ? { output } : {}),
      maxSteps,
      ...(typeof temperature === 'number' ? { temperature } : {}),
      ...(typeof maxOutputTokens === 'number' ? { maxOutputTokens } : {}),
      ...(approveTools ? { approveTools } : {}),
      approval: isPlainObject(approval) ? approval : {},
      maxToolApprovals,
    },
  };
}

/**
 * `approveTools`: `true` (every tool), a list of tool names, or `{tool: true | "condition over the call's input"}`.
 * Every name must be one of the node's tools: gating a tool the model cannot call is a mistake worth reporting.
 */
function readApproveTools(
  value: unknown,
  tools: readonly string[],
  problem: (path: PathSegment[], message: string) => void,
): Record<string, true | string> | undefined {
  if (value === undefined || value === null || value === false) return undefined;
  if (value === true) return Object.fromEntries(tools.map((name) => [name, true as const]));
  const gates: Record<string, true | string> = {};
  const known = (name: string, path: PathSegment[]) => {
    if (tools.includes(name)) return true;
    problem(
      path,
      tools.length === 0
        ? `"${name}" is not among the node's tools (it lists none)`
        : `"${name}" is not among the node's tools (${tools.join(', ')})`,
    );
    return false;
  };
  if (Array.isArray(value)) {
    (value as unknown[]).forEach((name, index) => {
      if (typeof name !== 'string' || name === '') {
        problem(['approveTools', index], "must be the name of one of the node's tools");
      } else if (known(name, ['approveTools', index])) gates[name] = true;
    });
    return gates;
  }
  if (!isPlainObject(value)) {
    problem(
      ['approveTools'],
      'must be true, a list of tool names, or {tool: true | "condition over the call\'s input"}',
    );
    return undefined;
  }
  for (const [name, gate] of Object.entries(value)) {
    if (!known(name, ['approveTools', name])) continue;
    if (gate === false) continue;
    if (gate === true) gates[name] = true;
    else if (typeof gate === 'string') {
      const invalid = expressionProblem(gate);
      if (invalid !== undefined) problem(['approveTools', name], `invalid condition: ${invalid}`);
      else gates[name] = gate;
    } else {
      problem(['approveTools', name], "must be true, false or a condition over the call's input");
    }
  }
  return gates;
}

const compiledSchemas = new Map<string, z.ZodType>();

/** The output schema as a validator; throws when it is not a JSON Schema zod can read. */
export function outputValidator(schema: Readonly<Record<string, unknown>>): z.ZodType {
  const key = JSON.stringify(schema);
  let compiled = compiledSchemas.get(key);
  if (!compiled) {
    compiled = z.fromJSONSchema(schema);
    if (compiledSchemas.size > 500) compiledSchemas.clear();
    compiledSchemas.set(key, compiled);
  }
  return compiled;
}

function outputSchemaProblem(schema: Record<string, unknown>): string | undefined {
  if (schema.type !== undefined && schema.type !== 'object') {
    return 'a structured answer is an object: the schema\'s type must be "object"';
  }
  try {
    outputValidator(schema);
    return undefined;
  } catch (error) {
    return `not a usable JSON Schema: ${(error as Error).message}`;
  }
}
