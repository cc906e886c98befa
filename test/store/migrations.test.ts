import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';

import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/port.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/dialects.js';

const SEED_TABLES = [
  'users',
  'sessions',
  'workflows',
  'workflow_nodes',
  'workflow_events',
  'agent_executions',
  'hitl_requests',
  'plans',
  'planner_conversations',
];

for (const dialect of DIALECTS) {
  describe(`${dialect}: migrations`, () => {
    let db: TestDatabase;
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      await db.drop();
    });

    it('creates the seed tables, and down removes them again', async () => {
      db = await createTestDatabase(dialect);
      store = await openStore(db.url);
      await store.migrateToLatest();
      const tables = await store.read((q) => q.introspection.getTables());
      const names = tables.map((t) => t.name);
      for (const table of SEED_TABLES) expect(names).toContain(table);

      // Each step down undoes one migration: the later ones (snapshots, schedules, ...) first, then 0002 (auth),
      // then 0001 (the seed's tables).
      const { rows } = await store.read((q) =>
        sql<{ n: number | string }>`select count(*) as n from flowgate_migrations`.execute(q),
      );
      for (let applied = Number(rows[0]!.n); applied > 2; applied--) await store.migrateDown();
      const beforeAuth = (await store.read((q) => q.introspection.getTables())).map((t) => t.name);
      expect(beforeAuth).not.toContain('workflow_snapshots');
      expect(beforeAuth).toContain('api_keys');
      await store.migrateDown();
      const afterAuth = (await store.read((q) => q.introspection.getTables())).map((t) => t.name);
      expect(afterAuth).not.toContain('api_keys');
      for (const table of SEED_TABLES) expect(afterAuth).toContain(table);
      await store.migrateDown();
      const after = await store.read((q) => q.introspection.getTables());
      expect(after.map((t) => t.name).filter((n) => SEED_TABLES.includes(n))).toEqual([]);
    });
  });
}
