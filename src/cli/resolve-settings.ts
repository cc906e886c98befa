/**
 * Settings given by flag, else by environment variable, else by default (flags win, as everywhere
 * in Flowgate), for the commands that need one or two of them; `serve` and `worker` load them all
 * with `loadConfig`.
 */
import { loadSetting } from '../config/index.js';
import { DEFAULTS, ENV, type Env } from './env.js';

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** The database URL, checked now so that a typo fails before anything is opened or created. */
export function resolveDbUrl(flag: string | undefined, env: Env): string {
  return loadSetting('db', { flags: { db: flag }, env });
}

/** Who acts: `--as`, else the login name, else `cli`. */
export function resolveUser(flag: string | undefined, env: Env): string {
  return (
    nonEmpty(flag) ?? nonEmpty(env[ENV.user]) ?? nonEmpty(env[ENV.userWindows]) ?? DEFAULTS.user
  );
}
