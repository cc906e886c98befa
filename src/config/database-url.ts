/**
 * What a database URL names. Pure, so that configuration can be checked before anything is opened or created: a typo
 * in `--db` fails at start, not after a file has appeared somewhere.
 */
import { FlowgateError } from '../shared/errors.js';

export interface StoreLocation {
  readonly dialect: 'sqlite' | 'postgres';
  /** File path (SQLite) or connection string (PostgreSQL). */
  readonly target: string;
  /** SQLite's `?synchronous=normal` trades the last commits before a power cut for speed; the default is full. */
  readonly synchronous?: 'full' | 'normal';
}

/** `sqlite:data/flowgate.db`, `sqlite::memory:`, `sqlite:/abs/file.db?synchronous=normal`, `postgres://…`. */
export function parseDatabaseUrl(url: string): StoreLocation {
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
