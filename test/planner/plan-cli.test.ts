/**
 * `flowgate plan "REQUEST"` as a real child process: the planner's model from FLOWGATE_PLANNER_MODEL and the
 * provider's usual variables (the fake OpenAI server), the agents and tools from a plugin file; `--approve` starts
 * the run; an invalid plan exits 1 with its problems.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { createFlowgate } from '../../src/app/flowgate.js';
import { killAllCli, runCli } from '../cli/cli-process.js';
import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';

describe('flowgate plan', () => {
  let dir: string;
  let model: FakeModelServer;
  let env: Record<string, string>;
  let plugin: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowgate-plan-cli-'));
    model = await startFakeModelServer();
    plugin = join(dir, 'plugin.mjs');
    writeFileSync(
      plugin,
      `export default { tools: { fetch_page: { description: 'Fetches a web page.', run: () => ({ html: '' }) } } };\n`,
    );
    env = {
      FLOWGATE_PLANNER_MODEL: 'openai:gpt-4o-mini',
      OPENAI_BASE_URL: model.openaiBaseUrl,
      OPENAI_API_KEY: 'k',
    };
  });
  afterEach(killAllCli);
  afterAll(async () => {
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fetchNode = {
    node_id: 'fetch',
    node_type: 'tool',
    tool_name: 'fetch_page',
    dependencies: [],
  };

  it('drafts a plan over the plugin’s tools and, with --approve, starts its run', async () => {
    const db = `sqlite:${join(dir, 'plan.db')}`;
    const summarise = {
      node_id: 'summarise',
      node_type: 'agent',
      config: { prompt: 'Summarise the page', model: 'gpt-4o-mini', maxOutputTokens: 100 },
      dependencies: ['fetch'],
    };
    model.enqueue({
      json: { summary: 'Fetch it.', nodes: [fetchNode, summarise] },
      usage: { input: 900, output: 100 },
    });
    const { code, stdout, stderr } = await runCli(
      ['plan', 'Fetch the front page', '--plugin', plugin, '--db', db, '--approve'],
      { env },
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/Plan [0-9a-f-]{36} \(pending_approval\)/);
    expect(stdout).toContain('Fetch it.');
    expect(stdout).toMatch(/fetch\s+tool\s+fetch_page/);
    // What its AI step may cost a run, and what drafting it cost (gpt-4o-mini is in the price catalogue).
    expect(stdout).toMatch(/AI steps may cost about \$0\.\d+ a run \(summarise \$0\.\d+;/);
    expect(stdout).toMatch(/Drafting it took 1 model call, 1000 tokens, \$0\.\d+\./);
    const workflowId = /Approved: run (\S+) started/.exec(stdout)?.[1];
    expect(workflowId).toBeDefined();
    expect(model.received.at(-1)!.body.messages![0]!.content).toContain(
      'fetch_page: Fetches a web page.',
    );
    // The run is in the database, waiting for a worker.
    const client = await createFlowgate({ db, workers: false });
    try {
      expect((await client.getWorkflow(workflowId!)).dagId).toMatch(/^generated_plan_/);
    } finally {
      await client.close();
    }
  });

  it('exits 1 with the problems of a plan that cannot run, and 1 with a clear error without a planner model', async () => {
    const db = `sqlite:${join(dir, 'invalid.db')}`;
    const bad = { json: { nodes: [{ ...fetchNode, tool_name: 'send_fax' }] } };
    model.enqueue(bad, bad, bad, bad);
    const invalid = await runCli(['plan', 'Fax it', '--plugin', plugin, '--db', db], { env });
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toContain('(invalid)');
    expect(invalid.stdout).toMatch(/nodes\[0\]\.tool_name: .*send_fax/);

    const unconfigured = await runCli(['plan', 'Anything', '--db', db], {
      env: { ...env, FLOWGATE_PLANNER_MODEL: '' },
    });
    expect(unconfigured.code).not.toBe(0);
    expect(unconfigured.stderr).toContain('FLOWGATE_PLANNER_MODEL');
  });
});
