import { createRequire } from 'node:module';

import type jsonataModule from 'jsonata';

import { FlowgateError } from '../shared/errors.js';
import { isPlainObject } from './document-path.js';

/**
 * What templates and conditions see: the run's input, earlier nodes' outputs and statuses, and the run.
 * A condition's scope also holds the source node's output merged at its top (API.md).
 */
export interface ExpressionScope {
  input: unknown;
  nodes: Record<string, { output: unknown; status: string }>;
  workflow: { workflowId: string; dagId: string; version: number };
  /** The run's context variables (seed 003), an object; empty when none were set. */
  context?: unknown;
  [key: string]: unknown;
}

// A condition or template that runs for a second is a loop, not a computation; a deep stack is runaway
// recursion. Both stop the expression with an error instead of stalling a worker.
const LIMITS = { timeout: 1000, stack: 250 };

// Distinct expressions come from stored DAG versions, so the set is small in practice; the bound keeps a
// stream of generated plans from growing it without end.
const CACHE_SIZE = 2000;
const compiled = new Map<string, jsonataModule.Expression | JsonataFault>();

interface JsonataFault {
  readonly message: string;
  readonly position?: number;
  readonly code?: string;
  readonly token?: string;
}

/** Variables bound besides the scope's fields, so `$input` still works where the context has moved on. */
const BOUND_NAMES = ['input', 'nodes', 'workflow', 'context'] as const;

type Jsonata = typeof jsonataModule;
let loaded: Jsonata | undefined;

/**
 * JSONata is loaded on the first expression, not at start: a process whose DAGs use none (most workers) saves its
 * memory (~12 MB). It is a CommonJS module, so it loads synchronously for the synchronous syntax check.
 */
function jsonata(expression: string, options: Parameters<Jsonata>[1]): jsonataModule.Expression {
  loaded ??= createRequire(import.meta.url)('jsonata') as Jsonata;
  return loaded(expression, options);
}

function compile(expression: string): jsonataModule.Expression | JsonataFault {
  const cached = compiled.get(expression);
  if (cached) return cached;
  let result: jsonataModule.Expression | JsonataFault;
  try {
    result = jsonata(expression, LIMITS);
  } catch (error) {
    result = asFault(error);
  }
  if (compiled.size >= CACHE_SIZE) {
    const oldest = compiled.keys().next();
    if (!oldest.done) compiled.delete(oldest.value);
  }
  compiled.set(expression, result);
  return result;
}

function isFault(value: jsonataModule.Expression | JsonataFault): value is JsonataFault {
  return !('evaluate' in value);
}

// JSONata throws plain objects, not Errors.
function asFault(error: unknown): JsonataFault {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const { message, position, code, token } = error as Record<string, unknown>;
    return {
      message: String(message),
      ...(typeof position === 'number' ? { position } : {}),
      ...(typeof code === 'string' ? { code } : {}),
      ...(typeof token === 'string' ? { token } : {}),
    };
  }
  return { message: String(error) };
}

function describeFault(fault: JsonataFault): string {
  return fault.position === undefined
    ? fault.message
    : `${fault.message} (at character ${fault.position})`;
}

/**
 * Checks an expression's syntax without running it.
 *
 * @returns undefined when it compiles, else the parser's message with the character position.
 * @example
 * ```ts
 * expressionProblem('nodes.step1.output.total > 100'); // undefined
 * expressionProblem('a +'); // 'Unexpected end of expression (at character 3)'
 * ```
 */
export function expressionProblem(expression: string): string | undefined {
  if (typeof expression !== 'string') return 'an expression must be a string';
  if (expression.trim() === '') return 'the expression is empty';
  const result = compile(expression);
  return isFault(result) ? describeFault(result) : undefined;
}

/**
 * Evaluates a JSONata expression over a scope (compiled once per distinct string; never `eval`).
 * The scope's `input`, `nodes` and `workflow` are also bound as `$input`, `$nodes`, `$workflow`.
 *
 * @returns the value, with JSONata's internal sequence markers removed; undefined when nothing matched.
 * @throws FlowgateError `BAD_REQUEST` on a syntax error or a failed evaluation (type error, time limit).
 * @example
 * ```ts
 * await evaluateExpression('nodes.fetch.output.price * 2', scope); // 246
 * ```
 */
export async function evaluateExpression(expression: string, scope: object): Promise<unknown> {
  const problem = expressionProblem(expression);
  if (problem !== undefined) {
    throw new FlowgateError('BAD_REQUEST', `Invalid expression "${expression}": ${problem}`, {
      details: { expression },
    });
  }
  const program = compile(expression) as jsonataModule.Expression;
  const bindings: Record<string, unknown> = {};
  for (const name of BOUND_NAMES) {
    if (name in scope) bindings[name] = (scope as Record<string, unknown>)[name];
  }
  let result: unknown;
  try {
    result = await program.evaluate(scope, bindings);
  } catch (error) {
    const fault = asFault(error);
    throw new FlowgateError(
      'BAD_REQUEST',
      `Expression "${expression}" failed: ${describeFault(fault)}`,
      { details: { expression, ...fault }, cause: error },
    );
  }
  return toPlainValue(result);
}

/**
 * Evaluates a condition: true when the value is truthy by JSONata's `$boolean` cast (empty strings, arrays
 * and objects, 0, null and functions are false); no value at all is false.
 *
 * @example
 * ```ts
 * await evaluateCondition('approved', { ...scope, ...humanNodeOutput }); // true once approved
 * ```
 */
export async function evaluateCondition(expression: string, scope: object): Promise<boolean> {
  return isTruthy(await evaluateExpression(expression, scope));
}

function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) {
    return value.length === 1 ? isTruthy(value[0]) : value.some((item) => isTruthy(item));
  }
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') return !Number.isNaN(value) && value !== 0;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'object' && value !== null && !isJsonataFunction(value)) {
    return Object.keys(value).length > 0;
  }
  return false;
}

function isJsonataFunction(value: object): boolean {
  return '_jsonata_lambda' in value || '_jsonata_function' in value;
}

/**
 * JSONata marks the arrays it builds with enumerable flags (`sequence`, `keepSingleton`); they would leak into
 * outputs and equality checks. Values that carry none come back as the same reference.
 */
function toPlainValue(value: unknown): unknown {
  if (Array.isArray(value)) {
    let changed = Object.keys(value).length !== value.length;
    const items = value.map((item: unknown) => {
      const plain = toPlainValue(item);
      if (plain !== item) changed = true;
      return plain;
    });
    return changed ? items : value;
  }
  if (typeof value === 'function') return undefined;
  if (isPlainObject(value)) {
    if (isJsonataFunction(value)) return undefined;
    let changed = false;
    const entries = Object.entries(value).map(([key, item]) => {
      const plain = toPlainValue(item);
      if (plain !== item) changed = true;
      return [key, plain] as const;
    });
    return changed ? Object.fromEntries(entries) : value;
  }
  return value;
}
