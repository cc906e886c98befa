/**
 * `flowgate cleanup --per-dag` as a real process: a DAG's own `settings.retention` replaces `--older-than` for its
 * runs, and without the flag it does not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createFlowgate } from '../../src/app/flowgate.js';
import { plan } from '../helpers/flowgate.js';
import { killAllCli, runCli } from './cli-process.js';

const FIVE_DAYS_AGO = new Date(Date.now() - 5 * 86_400_000).toISOString();

describe('flowgate cleanup --per-dag', () => {
  let dir: string;
  let db: string;

  async function runIds(): Promise<string[]> {
    const flowgate = await createFlowgate({ db, workers: false });
    try {
      return await flowgate.store.read(async (tx) =>
        (
          await tx.selectFrom('workflows').select('workflow_id').orderBy('workflow_id').execute()
        ).map((row) => row.workflow_id),
      );
    } finally {
      await flowgate.close();
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowgate-cli-per-dag-'));
    db = `sqlite:${join(dir, 'flowgate.db')}`;
    const flowgate = await createFlowgate({ db, workers: false });
    try {
      await flowgate.putDag(plan('short_lived', [{ id: 'a' }], { settings: { retention: '2d' } }));
      await flowgate.store.transaction(async (tx) => {
        for (const [id, dagId] of [
          ['short-5d', 'short_lived'],
          ['reports-5d', 'reports'],
        ] as const) {
          await tx
            .insertInto('workflows')
            .values({
              workflow_id: id,
              dag_id: dagId,
              dag_version: 1,
              status: 'completed',
              created_at: FIVE_DAYS_AGO,
              completed_at: FIVE_DAYS_AGO,
            })
            .execute();
        }
      });
    } finally {
      await flowgate.close();
    }
  });
  afterEach(killAllCli);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('without the flag, --older-than alone decides', async () => {
    const { code, stdout } = await runCli(['cleanup', '--older-than', '30d', '--db', db]);
    expect(code).toBe(0);
    expect(stdout).toContain('Deleted 0 finished runs');
    expect(await runIds()).toEqual(['reports-5d', 'short-5d']);
  });

  it("with it, the DAG's own retention deletes its older runs and leaves the others", async () => {
    const { code, stdout } = await runCli([
      'cleanup',
      '--older-than',
      '30d',
      '--per-dag',
      '--db',
      db,
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('Deleted 1 finished run that finished before');
    expect(stdout).toContain("(or their DAG's own retention)");
    expect(await runIds()).toEqual(['reports-5d']);
  });
});
