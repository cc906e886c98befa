import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

import { FlowgateError } from '../shared/errors.js';
import { parseDagText } from './parse-dag-text.js';

/**
 * Reads a DAG document from a `.json`, `.yaml` or `.yml` file (any other name is tried as JSON, then YAML)
 * and parses it; {@link parseDag} then imports and validates it.
 *
 * @throws FlowgateError `NOT_FOUND` when there is no such file, `BAD_REQUEST` on a syntax error (the
 *   message starts with the path).
 * @example
 * ```ts
 * const result = parseDag(await readDagFile('examples/approval.json'));
 * ```
 */
export async function readDagFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') {
      throw new FlowgateError('NOT_FOUND', `No DAG file at ${path}.`, { cause: error });
    }
    throw error;
  }
  const extension = extname(path).toLowerCase();
  const hint =
    extension === '.json'
      ? 'json'
      : extension === '.yaml' || extension === '.yml'
        ? 'yaml'
        : undefined;
  try {
    return parseDagText(text, hint);
  } catch (error) {
    if (error instanceof FlowgateError) {
      throw new FlowgateError(error.code, `${path}: ${error.message}`, {
        details: error.details,
        cause: error,
      });
    }
    throw error;
  }
}
