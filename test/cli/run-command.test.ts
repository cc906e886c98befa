import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { killAllCli, printedResult, runCli, startCli } from './cli-process.js';

const FIXTURES = 'test/cli/fixtures';
const PLUGIN = ['--plugin', `${FIXTURES}/plugin.mjs`];

describe('flowgate run', () => {
  let dir: string;
  let db: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowgate-cli-run-'));
    db = `sqlite:${join(dir, 'flowgate.db')}`;
  });
  afterEach(killAllCli);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a DAG to its end, printing progress and the result (exit 0)', async () => {
    const { code, stdout, stderr } = await runCli([
      'run',
      `${FIXTURES}/complete.json`,
      '--db',
      db,
      ...PLUGIN,
    ]);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Run [0-9a-f-]{36} of cli_complete v1 started by tester$/m);
    expect(stdout).toMatch(/^\d\d:\d\d:\d\d {2}collect started \(agent collect\)$/m);
    expect(stdout).toMatch(/collect completed in \d+ ms$/m);
    expect(stdout).toContain('check failed on attempt 1, will retry: temporary glitch');
    expect(stdout).toContain('check started (agent flaky, attempt 2)');
    expect(stdout).toContain('audit skipped (its condition is false)');
    expect(stdout).toMatch(/run completed$/m);
    expect(printedResult(stdout)).toEqual({ total: 12 });
  });

  it('lists every problem of an invalid DAG with its path (exit 2)', async () => {
    const { code, stdout, stderr } = await runCli([
      'run',
      `${FIXTURES}/invalid.json`,
      '--db',
      db,
      ...PLUGIN,
    ]);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('error: The DAG is invalid (2 problems):');
    expect(stderr).toContain('nodes[1].agent_id: no agent "no_such_agent"');
    expect(stderr).toContain('nodes[2].dependencies[0]:');
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('reports a failing agent with its error (exit 1)', async () => {
    const { code, stdout, stderr } = await runCli([
      'run',
      `${FIXTURES}/failing.json`,
      '--db',
      db,
      ...PLUGIN,
    ]);

    expect(code).toBe(1);
    expect(stdout).toContain('load failed: the warehouse API is down');
    expect(stderr).toMatch(
      /^error: run [0-9a-f-]{36} failed: Node load failed: the warehouse API is down$/m,
    );
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('rejects bad usage in one line (exit 2)', async () => {
    const badInput = await runCli([
      'run',
      `${FIXTURES}/complete.json`,
      '--db',
      db,
      '--input',
      '{oops',
    ]);
    expect(badInput.code).toBe(2);
    expect(badInput.stderr.trim()).toMatch(/^error: --input is not valid JSON: [^\n]+$/);

    const noFile = await runCli(['run', `${FIXTURES}/nothing-here.json`, '--db', db]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr.trim()).toBe(`error: No DAG file at ${FIXTURES}/nothing-here.json.`);
  });

  describe('at a human node, with --prompt on a piped stdin', () => {
    it('approves what the person types (exit 0)', async () => {
      const cli = startCli(
        ['run', `${FIXTURES}/approval.json`, '--db', db, ...PLUGIN, '--prompt'],
        {
          stdin: 'pipe',
        },
      );
      await cli.waitForOutput(/Decide: approve \(a\), reject \(r\)\? $/m);
      expect(cli.stdout).toContain('Total 2 records?');
      cli.write('approve\n');
      const { code, stdout } = await cli.exit();

      expect(code, cli.transcript()).toBe(0);
      expect(stdout).toContain('approval approved by tester');
      expect(printedResult(stdout)).toEqual({ total: 12 });
    });

    it('asks for a reason on reject, and the rejected run fails (exit 1)', async () => {
      const cli = startCli(
        ['run', `${FIXTURES}/approval.json`, '--db', db, ...PLUGIN, '--prompt'],
        {
          stdin: 'pipe',
        },
      );
      await cli.waitForOutput(/Decide: /);
      cli.write('reject\n');
      await cli.waitForOutput(/Reason for rejecting: /);
      cli.write('not this quarter\n');
      const { code, stdout } = await cli.exit();

      expect(code, cli.transcript()).toBe(1);
      expect(stdout).toContain('approval rejected by tester: "not this quarter"');
    });

    it('asks a form as JSON and asks again when the answer does not fit (exit 0)', async () => {
      const cli = startCli(
        ['run', `${FIXTURES}/form.yaml`, '--db', db, '--prompt', '--as', 'dana'],
        {
          stdin: 'pipe',
        },
      );
      // Answers written before their questions are kept, as when they are piped in.
      cli.write('v\nnot json\n{"priority": 9}\nv\n{"priority": 2}\n');
      const { code, stdout } = await cli.exit();

      expect(code, cli.transcript()).toBe(0);
      expect(stdout).toContain('Answer format (JSON Schema):');
      expect(stdout).toContain('That is not JSON');
      expect(stdout).toContain('value.priority:');
      expect(stdout).toContain('Please decide again.');
      expect(stdout).toContain('triage answered by dana: {"priority":2}');
      expect(printedResult(stdout)).toEqual({ priority: 2 });
    });

    it('leaves the run waiting when the input ends before an answer (exit 3)', async () => {
      const cli = startCli(
        ['run', `${FIXTURES}/approval.json`, '--db', db, ...PLUGIN, '--prompt'],
        {
          stdin: 'pipe',
        },
      );
      await cli.waitForOutput(/Decide: /);
      cli.child.stdin!.end();
      const { code, stdout } = await cli.exit();

      expect(code, cli.transcript()).toBe(3);
      expect(stdout).toContain('The input ended');
      expect(stdout).toMatch(/npx flowgate hitl approve [0-9a-f-]{36} --db /);
    });
  });
});
