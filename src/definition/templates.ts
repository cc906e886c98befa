import { isPlainObject, type PathSegment } from './document-path.js';
import { evaluateExpression, expressionProblem } from './expressions.js';

type TemplatePart = { readonly text: string } | { readonly expression: string };

interface ParsedTemplate {
  readonly parts: readonly TemplatePart[];
  /** The expression when the whole string is one template: its value keeps its type. */
  readonly single?: string;
  /** Where a `{{` opens that nothing closes; the rest of the string is then plain text. */
  readonly unclosedAt?: number;
}

const NO_TEMPLATE: ParsedTemplate = { parts: [] };
const CACHE_SIZE = 5000;
const parsedTemplates = new Map<string, ParsedTemplate>();

/**
 * Splits a string into text and `{{ expr }}` parts. The closing `}}` is found outside JSONata string
 * literals, comments and object braces, so `{{ {"a": {"b": 1}} }}` is one template.
 */
function parseTemplate(text: string): ParsedTemplate {
  if (!text.includes('{{')) return NO_TEMPLATE;
  const cached = parsedTemplates.get(text);
  if (cached) return cached;
  const parsed = scanTemplate(text);
  if (parsedTemplates.size >= CACHE_SIZE) parsedTemplates.clear();
  parsedTemplates.set(text, parsed);
  return parsed;
}

function scanTemplate(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let cursor = 0;
  let unclosedAt: number | undefined;
  while (cursor < text.length) {
    const open = text.indexOf('{{', cursor);
    if (open === -1) break;
    const close = findClose(text, open + 2);
    if (close === -1) {
      unclosedAt = open;
      break;
    }
    if (open > cursor) parts.push({ text: text.slice(cursor, open) });
    parts.push({ expression: text.slice(open + 2, close) });
    cursor = close + 2;
  }
  if (cursor < text.length) parts.push({ text: text.slice(cursor) });
  const [first] = parts;
  const single =
    parts.length === 1 && first && 'expression' in first ? first.expression : undefined;
  return {
    parts,
    ...(single !== undefined ? { single } : {}),
    ...(unclosedAt !== undefined ? { unclosedAt } : {}),
  };
}

function findClose(text: string, from: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let index = from; index < text.length; index++) {
    const char = text[index];
    if (quote !== undefined) {
      if (char === '\\') index++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'" || char === '`') {
      quote = char;
    } else if (char === '/' && text[index + 1] === '*') {
      const end = text.indexOf('*/', index + 2);
      if (end === -1) return -1;
      index = end + 1;
    } else if (char === '{') {
      depth++;
    } else if (char === '}') {
      if (depth === 0 && text[index + 1] === '}') return index;
      if (depth > 0) depth--;
    }
  }
  return -1;
}

function hasExpression(parsed: ParsedTemplate): boolean {
  return parsed.parts.some((part) => 'expression' in part);
}

/**
 * Tells whether any string inside a JSON value holds a `{{ }}` template, so callers can skip rendering.
 *
 * @example
 * ```ts
 * hasTemplates({ input: { symbol: '{{ input.symbol }}' } }); // true
 * ```
 */
export function hasTemplates(value: unknown): boolean {
  if (typeof value === 'string') return hasExpression(parseTemplate(value));
  if (Array.isArray(value)) return value.some((item) => hasTemplates(item));
  if (isPlainObject(value)) return Object.values(value).some((item) => hasTemplates(item));
  return false;
}

/**
 * Renders the `{{ expr }}` templates in every string inside a JSON value (objects and arrays, deeply).
 * A string that is exactly one template takes the expression's value with its type (a number stays a
 * number); templates within text are stringified (objects and arrays as JSON, nothing as ''). Parts
 * without templates come back as the same references.
 *
 * @throws FlowgateError `BAD_REQUEST` when an expression is invalid or fails.
 * @example
 * ```ts
 * await renderTemplates({ message: 'Total: {{ nodes.sum.output }}', limit: '{{ input.limit }}' }, scope);
 * // { message: 'Total: 12', limit: 5 }
 * ```
 */
export async function renderTemplates(value: unknown, scope: object): Promise<unknown> {
  if (typeof value === 'string') return renderString(value, scope);
  if (Array.isArray(value)) {
    const items = await Promise.all(value.map((item: unknown) => renderTemplates(item, scope)));
    return items.every((item, index) => item === value[index]) ? value : items;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    const items = await Promise.all(keys.map((key) => renderTemplates(value[key], scope)));
    if (items.every((item, index) => item === value[keys[index]!])) return value;
    return Object.fromEntries(keys.map((key, index) => [key, items[index]]));
  }
  return value;
}

async function renderString(text: string, scope: object): Promise<unknown> {
  const parsed = parseTemplate(text);
  if (!hasExpression(parsed)) return text;
  if (parsed.single !== undefined) return evaluateExpression(parsed.single.trim(), scope);
  const pieces = await Promise.all(
    parsed.parts.map(async (part) =>
      'text' in part
        ? part.text
        : stringify(await evaluateExpression(part.expression.trim(), scope)),
    ),
  );
  return pieces.join('');
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

/** One thing wrong with a template inside a value, at a path relative to that value. */
export interface TemplateProblem {
  readonly path: readonly PathSegment[];
  readonly message: string;
}

/** Finds every unclosed, empty or syntactically invalid template in the strings inside a JSON value. */
export function findTemplateProblems(
  value: unknown,
  path: readonly PathSegment[] = [],
): TemplateProblem[] {
  if (typeof value === 'string') {
    const parsed = parseTemplate(value);
    const problems: TemplateProblem[] = [];
    for (const part of parsed.parts) {
      if (!('expression' in part)) continue;
      const problem = expressionProblem(part.expression.trim());
      if (problem !== undefined) {
        problems.push({ path, message: `bad template {{${part.expression}}}: ${problem}` });
      }
    }
    if (parsed.unclosedAt !== undefined) {
      problems.push({
        path,
        message: `the template at character ${parsed.unclosedAt} has no closing }}`,
      });
    }
    return problems;
  }
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => findTemplateProblems(item, [...path, index]));
  }
  if (isPlainObject(value)) {
    return Object.entries(value).flatMap(([key, item]) =>
      findTemplateProblems(item, [...path, key]),
    );
  }
  return [];
}

/**
 * A condition written as one template (`{{ approved }}`) is taken as its bare expression, since conditions
 * are expressions already; any other string is returned as it is.
 */
export function unwrapTemplate(expression: string): string {
  const single = parseTemplate(expression.trim()).single;
  return single === undefined ? expression : single.trim();
}
