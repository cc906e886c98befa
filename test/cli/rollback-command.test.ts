/** `flowgate snapshots` and `flowgate rollback` as real processes on a SQLite file. */
import { afterEach, describe, expect, it } from 'vitest';

import { createFlowgate, type Flowgate } from '../../src/app/flowgate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/dialects.js';
import { plan } from '../helpers/flowgate.js';
import { killAllCli, runCli } from './cli-process.js';

const tools = {
  step: (input: { node: string }) => ({ did: input.node }),
  undo: () => null,
};

describe('flowgate snapshots, flowgate rollback', () => {
  let db: TestDatabase | undefined;
  let flowgate: Flowgate | undefined;
  afterEach(async () => {
    await killAllCli();
    await flowgate?.close();
    await db?.drop();
    flowgate = undefined;
    db = undefined;
  });

  it('lists a run’s snapshots and rolls it back; the workers run the compensations and resume it', async () => {
    db = await createTestDatabase('sqlite');
    flowgate = await createFlowgate({ db: db.url, tools, workers: { pollMs: 50 } });
    const { workflowId } = await flowgate.start(
      plan(
        'cli_saga',
        ['a', 'b', 'c'].map((id, i, all) => ({
          id,
          tool: 'step',
          deps: i === 0 ? [] : [all[i - 1]!],
          config: { input: { node: id } },
          compensate: { tool_name: 'undo' },
        })),
      ),
    );
    await flowgate.waitFor(workflowId, { timeoutMs: 10_000 });

    const listed = await runCli(['snapshots', workflowId, '--db', db.url]);
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^STEP\s+NODE\s+CREATED\s+SNAPSHOT$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 2))).toEqual([
      ['2', 'c'],
      ['1', 'b'],
      ['0', 'a'],
    ]);

    const usage = await runCli(['rollback', workflowId, '--db', db.url]);
    expect(usage.code).toBe(2);
    const rolled = await runCli([
      'rollback',
      workflowId,
      '--step',
      '0',
      '--as',
      'alice',
      '--db',
      db.url,
    ]);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain('compensating c (undo), b (undo), newest first');
    const run = await flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
    expect(run.status).toBe('completed');
    const types = (await flowgate.listEvents(workflowId)).map((e) => e.type);
    expect(types.filter((type) => type === 'compensation_completed')).toHaveLength(2);
    expect(types).toContain('rollback_completed');
  });
});
