/** Options several commands share, spelled and explained once. */
import { Option } from 'commander';

import { DEFAULTS, ENV } from './env.js';

export function dbOption(): Option {
  return new Option(
    '--db <url>',
    `database: sqlite:PATH or postgres://… (env ${ENV.db}; default ${DEFAULTS.db})`,
  );
}

export function pluginOption(): Option {
  return new Option(
    '--plugin <file>',
    'an ES module whose default export registers agents and tools (repeatable)',
  ).argParser((file: string, previous: string[] | undefined) => [...(previous ?? []), file]);
}

export function asOption(what: string): Option {
  return new Option('--as <user>', `${what} (default: $${ENV.user}, else "${DEFAULTS.user}")`);
}
