/**
 * `flowgate schedule` as real processes against a database (SQLite file, and PostgreSQL): add, list, pause,
 * resume, delete, and the refusals of a bad expression and an unknown DAG.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createFlowgate } from '../../src/app/flowgate.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { plan } from '../helpers/flowgate.js';
import { killAllCli, runCli } from './cli-process.js';

for (const dialect of DIALECTS) {
  describe(`${dialect}: flowgate schedule`, () => {
    let db: TestDatabase;

    beforeAll(async () => {
      db = await createTestDatabase(dialect);
      const flowgate = await createFlowgate({ db: db.url, workers: false });
      await flowgate.putDag(plan('nightly', [{ id: 'only', agent: 'echo_agent' }]));
      await flowgate.close();
    });
    afterEach(killAllCli);
    afterAll(async () => {
      await db?.drop();
    });

    it('adds, lists, pauses, resumes and deletes a schedule', async () => {
      const added = await runCli([
        'schedule',
        'add',
        'nightly',
        '--cron',
        '0 2 * * *',
        '--timezone',
        'Europe/Berlin',
        '--input',
        '{"full": true}',
        '--catchup',
        'latest',
        '--json',
        '--db',
        db.url,
      ]);
      expect(added.code, added.stderr).toBe(0);
      const schedule = JSON.parse(added.stdout) as {
        id: string;
        createdBy: string;
        input: unknown;
      };
      expect(schedule).toMatchObject({ createdBy: 'tester', input: { full: true } });

      const listed = await runCli(['schedule', 'list', '--db', db.url]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain(schedule.id);
      expect(listed.stdout).toContain('0 2 * * *');
      expect(listed.stdout).toContain('latest');

      const paused = await runCli(['schedule', 'pause', schedule.id, '--db', db.url]);
      expect(paused.stdout).toContain(`Paused schedule ${schedule.id}`);
      const resumed = await runCli(['schedule', 'resume', schedule.id, '--db', db.url]);
      expect(resumed.stdout).toMatch(/Resumed schedule .*; next run \d{4}-/);

      const deleted = await runCli(['schedule', 'delete', schedule.id, '--db', db.url]);
      expect(deleted.code, deleted.stderr).toBe(0);
      expect((await runCli(['schedule', 'list', '--db', db.url])).stdout).toContain(
        'No schedules.',
      );
      // Each command is a process of its own: a few seconds each when the machine is busy.
    }, 120_000);

    it('refuses a bad expression, an unknown DAG and an unknown schedule, saying why', async () => {
      const bad = await runCli(['schedule', 'add', 'nightly', '--cron', '* * *', '--db', db.url]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('cron expression');
      const unknown = await runCli([
        'schedule',
        'add',
        'nope',
        '--cron',
        '* * * * *',
        '--db',
        db.url,
      ]);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain('nope does not exist');
      const missing = await runCli(['schedule', 'pause', 'no-such-id', '--db', db.url]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('does not exist');
    }, 120_000);
  });
}
