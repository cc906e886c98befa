import { parseDocument } from 'yaml';

import { FlowgateError } from '../shared/errors.js';
import { jsonErrorOffset } from './json-error-offset.js';

/** Anchors and aliases can expand a small file into a huge value ("billion laughs"); real DAGs need few. */
const MAX_YAML_ALIASES = 100;

/**
 * Parses a DAG document's text as JSON or YAML. Without a hint JSON is tried first, since it is the common
 * case and much faster, then YAML (a superset of JSON).
 *
 * @throws FlowgateError `BAD_REQUEST` with the parser's message and the line and column of a syntax error.
 * @example
 * ```ts
 * const document = parseDagText(await readFile('dag.yaml', 'utf8'), 'yaml');
 * const result = parseDag(document);
 * ```
 */
export function parseDagText(text: string, hint?: 'json' | 'yaml'): unknown {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (source.trim() === '') throw new FlowgateError('BAD_REQUEST', 'The DAG document is empty.');
  if (hint === 'json') return parseJson(source);
  if (hint === 'yaml') return parseYaml(source);
  try {
    return JSON.parse(source) as unknown;
  } catch (jsonError) {
    try {
      return parseYaml(source);
    } catch (yamlError) {
      // Text that opens like JSON was meant as JSON: its own parser's message helps most.
      throw /^\s*[[{]/.test(source) ? jsonSyntaxError(source, jsonError) : yamlError;
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw jsonSyntaxError(text, error);
  }
}

function jsonSyntaxError(text: string, error: unknown): FlowgateError {
  const message = error instanceof Error ? error.message : String(error);
  const offset = jsonErrorOffset(text);
  let where = '';
  if (offset !== undefined) {
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    where = ` at line ${line}, column ${column}`;
  }
  return new FlowgateError('BAD_REQUEST', `Invalid JSON${where}: ${message}`, { cause: error });
}

function parseYaml(text: string): unknown {
  const document = parseDocument(text, { prettyErrors: true });
  const [first] = document.errors;
  if (first) {
    const details = document.errors.map((error) => ({
      message: error.message,
      line: error.linePos?.[0].line,
      column: error.linePos?.[0].col,
    }));
    throw new FlowgateError('BAD_REQUEST', `Invalid YAML: ${first.message.trim()}`, {
      details,
      cause: first,
    });
  }
  try {
    return document.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new FlowgateError('BAD_REQUEST', `Invalid YAML: ${message}`, { cause: error });
  }
}
