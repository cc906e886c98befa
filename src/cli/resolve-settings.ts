/**
 * Settings given by flag, else by environment variable, else by default (flags win, as everywhere
 * in Flowgate).
 */
import { parseStoreUrl } from '../store/open-store.js';
import { CliError } from './cli-error.js';
import { DEFAULTS, ENV, type Env } from './env.js';

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** The database URL, checked now so that a typo fails before anything is opened or created. */
export function resolveDbUrl(flag: string | undefined, env: Env): string {
  const url = nonEmpty(flag) ?? nonEmpty(env[ENV.db]) ?? DEFAULTS.db;
  parseStoreUrl(url);
  return url;
}

export function resolvePort(flag: string | undefined, env: Env): number {
  const fromFlag = nonEmpty(flag);
  const text = fromFlag ?? nonEmpty(env[ENV.port]);
  if (text === undefined) return DEFAULTS.port;
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port > 65_535) {
    const source = fromFlag === undefined ? `${ENV.port}` : '--port';
    throw new CliError(`${source} must be a port number from 0 to 65535, not "${text}"`);
  }
  return port;
}

/** Who acts: `--as`, else the login name, else `cli`. */
export function resolveUser(flag: string | undefined, env: Env): string {
  return (
    nonEmpty(flag) ?? nonEmpty(env[ENV.user]) ?? nonEmpty(env[ENV.userWindows]) ?? DEFAULTS.user
  );
}
