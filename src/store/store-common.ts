import { Migrator, type Kysely } from 'kysely';

import { FlowgateError } from '../shared/errors.js';
import { migrationProvider } from './migrations/index.js';
import type { Dialect } from './port.js';
import type { Database } from './schema.js';

/** In-process listeners for "work may be waiting". */
export class Wakeups {
  readonly #listeners = new Set<() => void>();
  add(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  emit(): void {
    for (const listener of this.#listeners) listener();
  }
}

function migrator(db: Kysely<Database>, dialect: Dialect): Migrator {
  return new Migrator({
    db,
    provider: migrationProvider(dialect),
    migrationTableName: 'flowgate_migrations',
    migrationLockTableName: 'flowgate_migrations_lock',
  });
}

export async function runMigrations(
  db: Kysely<Database>,
  dialect: Dialect,
  direction: 'up' | 'down',
) {
  const m = migrator(db, dialect);
  const { error } = direction === 'up' ? await m.migrateToLatest() : await m.migrateDown();
  if (error) throw new FlowgateError('INTERNAL', 'Migration failed', { cause: error });
}
