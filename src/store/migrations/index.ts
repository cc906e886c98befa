import type { Kysely, Migration, MigrationProvider } from 'kysely';

import type { Dialect } from '../port.js';
import * as initial from './0001-initial.js';
import * as auth from './0002-auth.js';
import * as schedules from './0003-schedules.js';
import * as snapshots from './0004-snapshots.js';
import * as outbox from './0005-outbox.js';
import * as webhooks from './0006-webhooks.js';
import * as aiUsage from './0007-ai-usage.js';
import * as hitlTimers from './0008-hitl-timers.js';
import * as planner from './0009-planner.js';
import * as chat from './0010-chat.js';
import * as hitlDecided from './0011-hitl-decided.js';
import * as plannerCalls from './0012-planner-calls.js';

interface DialectMigration {
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
  down(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

/** Ordered by name; a new migration is a new entry, never an edit of an old one. */
const MIGRATIONS: Record<string, DialectMigration> = {
  '0001-initial': initial,
  '0002-auth': auth,
  '0003-schedules': schedules,
  '0004-snapshots': snapshots,
  '0005-outbox': outbox,
  '0006-webhooks': webhooks,
  '0007-ai-usage': aiUsage,
  '0008-hitl-timers': hitlTimers,
  '0009-planner': planner,
  '0010-chat': chat,
  '0011-hitl-decided': hitlDecided,
  '0012-planner-calls': plannerCalls,
};

/** Migrations bound to a dialect, for Kysely's Migrator (no file-system scanning, so it works from dist/). */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    getMigrations() {
      const bound: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(MIGRATIONS)) {
        bound[name] = { up: (db) => m.up(db, dialect), down: (db) => m.down(db, dialect) };
      }
      return Promise.resolve(bound);
    },
  };
}
