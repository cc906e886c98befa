/**
 * The DAG editor's Import and Export in real Chromium against a real server: seed 003 stages pasted as YAML and a
 * seed 004 graph chosen as a JSON file become the document being edited (its id set to this DAG's) and are drawn; a
 * document with a cycle has its problems listed, text that does not parse says where; the document downloads as JSON
 * and as YAML, and converted to a plan; an imported document saves as a new version.
 */
import { readFile } from 'node:fs/promises';

import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

import { plan } from '../helpers/flowgate.js';
import { launchChromium } from './helpers/browser.js';
import { PASSWORD, startUiServer, type UiServer } from './helpers/ui-server.js';

const WAIT_MS = 10_000;

const STAGES_YAML = [
  '# Two stages, the second behind an approval.',
  'id: nightly_digest',
  'name: Nightly digest',
  'type: sequential',
  'stages:',
  '  - id: gather',
  '    agent_id: echo_agent',
  '    input: { topic: news }',
  '  - id: send',
  '    agent_id: echo_agent',
  '    approval:',
  "      message: 'Send the digest?'",
  '      approvers: [{ user: bob }]',
].join('\n');

const GRAPH = {
  dag_id: 'graph_import',
  name: 'Graph import',
  nodes: [
    { id: 'draft', type: 'ai', data: { agent_id: 'echo_agent' } },
    { id: 'check', type: 'human', data: { message: 'Fine?', approvers: [{ user: 'bob' }] } },
  ],
  edges: [{ source: 'draft', target: 'check', condition: 'nodes.draft.output.ok' }],
};

const CYCLE = {
  dag_id: 'loop',
  nodes: [
    { node_id: 'a', node_type: 'agent', agent_id: 'echo_agent', dependencies: ['b'] },
    { node_id: 'b', node_type: 'agent', agent_id: 'echo_agent', dependencies: ['a'] },
  ],
};

describe('web UI: importing and exporting DAG documents', () => {
  let server: UiServer;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startUiServer(), launchChromium()]);
    await server.t.flowgate.putDag(
      plan('digest', [{ id: 'only', agent: 'echo_agent', config: { input: { ok: true } } }]),
      { createdBy: 'alice' },
    );
    context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    context.setDefaultTimeout(WAIT_MS);
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  const signIn = async (next: string): Promise<Page> => {
    const page = await context.newPage();
    await page.goto(`${server.url}/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`**${next}*`);
    return page;
  };

  it('imports stages pasted as YAML and a graph file, lists problems, exports, and saves', async () => {
    const page = await signIn('/dags/digest');
    const editor = page.getByLabel('Document (JSON)');
    await editor.waitFor();
    const doc = async () => JSON.parse(await editor.inputValue()) as Record<string, unknown>;
    const status = page.locator('#import-status');
    const preview = page.locator('.dag-editor .run-graph');

    // Seed 003 stages, pasted as YAML: read by the server, its id made this DAG's, its steps drawn.
    await page.getByLabel(/^Paste a document to import/).fill(STAGES_YAML);
    await page.getByRole('button', { name: 'Import the pasted document' }).click();
    await expect.poll(() => status.textContent()).toContain('stages (seed 003)');
    expect(await status.textContent()).toContain('Its id was nightly_digest');
    await expect.poll(doc).toMatchObject({
      id: 'digest',
      name: 'Nightly digest',
      stages: [{ id: 'gather' }, { id: 'send' }],
    });
    await preview.locator('[data-node-id="gather"]').waitFor();
    await preview.locator('[data-node-id="send"]').waitFor();

    // Saved, it is a new version of this DAG in the stages format.
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.waitForURL('**version=2');
    const stored = await server.t.flowgate.getDag('digest', 2);
    expect(stored.definition.format).toBe('stages');
    expect(stored.definition.nodes.map((n) => n.id)).toEqual(
      expect.arrayContaining(['gather', 'send']),
    );

    // A seed 004 graph chosen as a file.
    await editor.waitFor();
    await page.getByLabel('Or import a file').setInputFiles({
      name: 'graph.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(GRAPH)),
    });
    await expect.poll(() => status.textContent()).toContain('a graph (seed 004');
    expect(await status.textContent()).toContain('with 2 steps');
    await expect.poll(doc).toEqual({ ...GRAPH, dag_id: 'digest' });
    await preview.locator('[data-node-id="check"]').waitFor();

    // Export: the document being edited, as JSON and as YAML.
    const [jsonDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download as JSON' }).click(),
    ]);
    expect(jsonDownload.suggestedFilename()).toBe('digest.json');
    expect(JSON.parse(await readFile(await jsonDownload.path(), 'utf8'))).toEqual({
      ...GRAPH,
      dag_id: 'digest',
    });
    const [yamlDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download as YAML' }).click(),
    ]);
    expect(yamlDownload.suggestedFilename()).toBe('digest.yaml');
    const yamlText = await readFile(await yamlDownload.path(), 'utf8');
    expect(yamlText).toContain('dag_id: digest');
    expect(parseYaml(yamlText)).toEqual({ ...GRAPH, dag_id: 'digest' });
    // Converted to a plan, Flowgate's own format, saying what a plan cannot hold.
    const [planDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /Download as a plan/ }).click(),
    ]);
    expect(planDownload.suggestedFilename()).toBe('digest.plan.json');
    const planned = JSON.parse(await readFile(await planDownload.path(), 'utf8')) as {
      dag_id: string;
      nodes: { node_id: string; node_type: string; dependencies: string[] }[];
    };
    expect(planned.dag_id).toBe('digest');
    expect(planned.nodes).toMatchObject([
      { node_id: 'draft', node_type: 'agent', dependencies: [] },
      { node_id: 'check', node_type: 'human_in_loop', dependencies: ['draft'] },
    ]);
    await expect
      .poll(() => page.locator('#export-status').textContent())
      .toContain('without the conditions on the edges into check');

    // Problems are listed; text that does not parse says where, and the document stays as it was.
    await page.getByLabel(/^Paste a document to import/).fill(JSON.stringify(CYCLE));
    await page.getByRole('button', { name: 'Import the pasted document' }).click();
    const problems = page.getByRole('list', { name: 'Problems of the imported document' });
    await expect.poll(() => problems.textContent()).toMatch(/cycle/);
    expect(await status.textContent()).toMatch(/problem\(s\) to fix/);
    await page.getByLabel(/^Paste a document to import/).fill('stages:\n  - id: a\n   bad: x');
    await page.getByRole('button', { name: 'Import the pasted document' }).click();
    await page.getByText(/Not imported: .*line \d+/).waitFor();
    expect((await doc()).nodes).toEqual(CYCLE.nodes);

    const results = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    expect(
      results.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    ).toEqual([]);

    // Undo takes the editor back from the last import to the graph.
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(doc).toEqual({ ...GRAPH, dag_id: 'digest' });
  });
});
