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

export function serverOption(): Option {
  return new Option(
    '--server <url>',
    'a running Flowgate server to work through instead of the database, as ' +
      `http(s)://HOST:PORT (env ${ENV.server})`,
  );
}

export function apiKeyOption(): Option {
  return new Option(
    '--api-key <key>',
    `the API key the server knows its user by (prefer env ${ENV.apiKey}: a flag is visible in ps)`,
  );
}
