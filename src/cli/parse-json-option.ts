import { readFile } from 'node:fs/promises';

import { CliError } from './cli-error.js';
import { messageOf } from './report-error.js';

/**
 * A flag's JSON value, or with `@FILE` the JSON in that file (as curl's `-d @file`), since shells
 * mangle quotes.
 */
export async function parseJsonOption(text: string, flag: string): Promise<unknown> {
  let json = text;
  if (text.startsWith('@')) {
    const file = text.slice(1);
    try {
      json = await readFile(file, 'utf8');
    } catch (error) {
      throw new CliError(`${flag}: cannot read ${file}: ${messageOf(error)}`, undefined, {
        cause: error,
      });
    }
  }
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    throw new CliError(`${flag} is not valid JSON: ${messageOf(error)}`, undefined, {
      cause: error,
    });
  }
}
