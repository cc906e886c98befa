import { FlowgateError } from '../shared/errors.js';
import type { Dialect, Store } from './port.js';

export interface StoreOptions {
  /**
   * SQLite durability. `full` (the default) survives power loss: each commit is fsynced. `normal` in WAL mode may
   * lose the last commits on power loss (never on a process crash) and commits about twice as fast.
   */
  readonly synchronous?: 'full' | 'normal';
  /** PostgreSQL pool size; 2–4 connections per process serve two cores best. */
  readonly poolSize?: number;
  /** How often SQLite checks for commits by other processes, in milliseconds. */
  readonly pollMs?: number;
}

export interface StoreLocation {
  readonly dialect: Dialect;
  /** File path (SQLite) or connection string (PostgreSQL). */
  readonly target: string;
  readonly synchronous?: 'full' | 'normal';
}

/** `sqlite:data/flowgate.db`, `sqlite::memory:`, `sqlite:/abs/file.db?synchronous=normal`, `postgres://…`. */
export function parseStoreUrl(url: string): StoreLocation {
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres', target: url };
  const match =
    /^sqlite:(?:\/\/)?(.*)$/.exec(url) ?? (/\.(db|sqlite3?)$/.test(url) ? [url, url] : null);
  if (!match) {
    throw new FlowgateError(
      'CONFIG_INVALID',
      `Unsupported database URL "${url}": use sqlite:PATH or postgres://USER@HOST/DB`,
    );
  }
  const [path = '', query = ''] = (match[1] ?? '').split('?');
  const synchronous = new URLSearchParams(query).get('synchronous');
  if (synchronous !== null && synchronous !== 'full' && synchronous !== 'normal') {
    throw new FlowgateError(
      'CONFIG_INVALID',
      `synchronous must be full or normal, not "${synchronous}"`,
    );
  }
  if (path === '') throw new FlowgateError('CONFIG_INVALID', `No file in database URL "${url}"`);
  return { dialect: 'sqlite', target: path, ...(synchronous ? { synchronous } : {}) };
}

/**
 * Opens the store a URL names. Each dialect's module (and its driver) is loaded only when used: a SQLite process
 * never loads `pg`, which saves its memory (~15 MB).
 */
export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const location = parseStoreUrl(url);
  if (location.dialect === 'sqlite') {
    const { openSqlite } = await import('./sqlite-store.js');
    return openSqlite(location.target, {
      ...options,
      synchronous: location.synchronous ?? options.synchronous,
    });
  }
  const { openPostgres } = await import('./postgres-store.js');
  return openPostgres(location.target, options);
}
