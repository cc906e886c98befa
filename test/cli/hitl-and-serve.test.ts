import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createFlowgate } from '../../src/app/flowgate.js';
import type { WorkflowView } from '../../src/app/views.js';
import { freePort } from '../helpers/free-port.js';
import { killAllCli, runCli, startCli } from './cli-process.js';

const FIXTURES = 'test/cli/fixtures';
const PLUGIN = ['--plugin', `${FIXTURES}/plugin.mjs`];

/**
 * One story, step by step: a run left waiting at a human gate, decided from the CLI, and finished
 * by the workers of `flowgate serve` against the same SQLite file.
 */
describe('flowgate run --no-prompt, hitl, serve', () => {
  let dir: string;
  let db: string;
  let workflowId: string;
  let requestId: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowgate-cli-hitl-'));
    db = `sqlite:${join(dir, 'flowgate.db')}`;
  });
  afterEach(killAllCli);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migrate creates the schema', async () => {
    const { code, stdout } = await runCli(['migrate', '--db', db]);
    expect(code).toBe(0);
    expect(stdout).toContain(`Database ${db} is migrated to the latest schema.`);
  });

  it('run --no-prompt stops at the gate and prints how to decide (exit 3)', async () => {
    const { code, stdout, stderr } = await runCli([
      'run',
      `${FIXTURES}/approval.json`,
      '--db',
      db,
      ...PLUGIN,
      '--no-prompt',
    ]);

    expect(stderr).toBe('');
    expect(code).toBe(3);
    const waiting =
      /approval waits for a person \(request ([0-9a-f-]{36})\): Total 2 records\?/.exec(stdout);
    expect(waiting, stdout).not.toBeNull();
    requestId = waiting![1]!;
    workflowId = /^Run ([0-9a-f-]{36}) of cli_approval/m.exec(stdout)![1]!;
    expect(stdout).toContain(`Run ${workflowId} is waiting for people. Decide with:`);
    expect(stdout).toContain(`npx flowgate hitl approve ${requestId} --db ${db}`);
    expect(stdout).toContain(`npx flowgate serve --db ${db} --plugin ${FIXTURES}/plugin.mjs`);
  });

  it('run without a terminal behaves as --no-prompt (exit 3)', async () => {
    const { code, stdout } = await runCli([
      'run',
      `${FIXTURES}/approval.json`,
      '--db',
      db,
      ...PLUGIN,
    ]);
    expect(code).toBe(3);
    expect(stdout).toContain('is waiting for people');
    expect(stdout).not.toContain('Decide:');
  });

  it('hitl list shows the pending request', async () => {
    const { code, stdout } = await runCli(['hitl', 'list', '--db', db, '--workflow', workflowId]);

    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^REQUEST\s+WORKFLOW\s+NODE\s+STATUS\s+CREATED\s+MESSAGE$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      new RegExp(`^${requestId}\\s+${workflowId}\\s+approval\\s+pending\\s+`),
    );
  });

  it('hitl approve decides; a second decision says who decided (exit 1)', async () => {
    const approved = await runCli([
      'hitl',
      'approve',
      requestId,
      '--as',
      'alice',
      '--comment',
      'ok',
      '--db',
      db,
    ]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`Request ${requestId} approved by alice.`);

    const again = await runCli(['hitl', 'reject', requestId, '--as', 'bob', '--db', db]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(
      /^error: The request is no longer pending: it was already approved by alice at \S+$/,
    );
  });

  it('serve answers /api/health, finishes the run, stops on SIGTERM (exit 0)', async () => {
    const port = await freePort();
    const serve = startCli(['serve', '--db', db, '--port', String(port), ...PLUGIN]);
    await serve.waitForOutput(
      new RegExp(`^Flowgate listening on http://127\\.0\\.0\\.1:${port}$`, 'm'),
    );

    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'ok' });
    const missing = await fetch(`http://127.0.0.1:${port}/api/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });

    const run = await waitForRun(db, workflowId, 10_000);
    expect(run.status).toBe('completed');
    expect(run.result).toEqual({ total: 12 });

    serve.kill('SIGTERM');
    const { code, stdout } = await serve.exit();
    expect(code, serve.transcript()).toBe(0);
    expect(stdout).toContain('Flowgate stopped.');
  });
});

/** Polls the database (as a client, without workers) until the run has ended. */
async function waitForRun(
  db: string,
  workflowId: string,
  timeoutMs: number,
): Promise<WorkflowView> {
  const flowgate = await createFlowgate({ db, workers: false });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await flowgate.getWorkflow(workflowId);
      if (['completed', 'failed', 'cancelled'].includes(run.status) || Date.now() > deadline)
        return run;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await flowgate.close();
  }
}
