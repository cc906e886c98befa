import { parseDatabaseUrl } from '../config/database-url.js';
import type { Store } from './port.js';

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

/**
 * Opens the store a URL names. Each dialect's module (and its driver) is loaded only when used: a SQLite process
 * never loads `pg`, which saves its memory (~15 MB).
 */
export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const location = parseDatabaseUrl(url);
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
