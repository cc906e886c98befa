/**
 * The operator's pages in real Chromium against a real server (SQLite only, as in approver.test.ts): the runs list
 * paged and filtered on the server, a run's live graph and table, and its controls (pause, resume, cancel, retry),
 * each confirmed; an accessibility scan of both pages.
 */
import { join } from 'node:path';

import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { plan } from '../helpers/flowgate.js';
import { ARTIFACTS, launchChromium } from './helpers/browser.js';
import { seriousViolations, signIn as signInAs } from './helpers/pages.js';
import { startUiServer, type UiServer } from './helpers/ui-server.js';

const WAIT_MS = 10_000;

const gatedDag = (dagId: string) =>
  plan(dagId, [
    { id: 'fetch', agent: 'echo_agent', config: { input: { rows: 42 } } },
    { id: 'check', agent: 'echo_agent', deps: ['fetch'], config: { input: { ok: true } } },
    { id: 'approval', type: 'human_in_loop', deps: ['fetch', 'check'] },
    { id: 'publish', deps: ['approval'], config: { input: { done: true } } },
  ]);

describe('web UI: runs', () => {
  let server: UiServer;
  let browser: Browser;
  const contexts = new Set<BrowserContext>();

  const signIn = (username: string, next: string) =>
    signInAs(browser, server.url, contexts, username, next);

  /** The state a step shows in the graph (its node's `data-status`). */
  const graphState = (page: Page, nodeId: string) =>
    page.locator(`.run-graph [data-node-id="${nodeId}"]`).getAttribute('data-status');

  const seriousAxe = seriousViolations;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startUiServer(), launchChromium()]);
    await server.t.flowgate.putDag(gatedDag('nightly'), { createdBy: 'alice' });
    await server.t.flowgate.putDag(
      plan('quick', [{ id: 'only', agent: 'echo_agent', config: { input: { ok: 1 } } }]),
      { createdBy: 'alice' },
    );
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  it('lists runs newest first, paged and filtered by the server', async () => {
    const quick = [];
    for (let i = 0; i < 3; i++) {
      const { workflowId } = await server.t.flowgate.start('quick', { startedBy: 'alice' });
      await server.t.flowgate.waitFor(workflowId, { timeoutMs: WAIT_MS });
      quick.push(workflowId);
    }
    const gated = await server.gatedRun('nightly');
    const page = await signIn('alice', '/runs?dagId=quick&limit=2');
    const rows = page.locator('table.runs-table tbody tr');
    const rowIds = async () =>
      Promise.all((await rows.all()).map((row) => row.getAttribute('data-workflow-id')));
    await rows.first().waitFor();
    expect(await rowIds()).toEqual([quick[2], quick[1]]);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.waitForURL('**cursor=*');
    await expect.poll(() => rowIds()).toEqual([quick[0]]);
    expect(await page.getByRole('button', { name: 'Next page' }).count()).toBe(0);

    await page.goto(`${server.url}/runs`);
    await page.getByLabel('Status').selectOption('paused');
    await page.waitForURL('**status=paused*');
    await expect.poll(() => rowIds()).toEqual([gated.workflowId]);
    expect(await seriousAxe(page)).toEqual([]);

    // Waiting on a person, a DAG's version, and the day a run started: each filtered by the server, kept in the URL.
    await page.goto(`${server.url}/runs`);
    await page.getByLabel('Waiting on a person').check();
    await page.waitForURL('**waiting=true*');
    await expect.poll(() => rowIds()).toEqual([gated.workflowId]);
    await page.goto(`${server.url}/runs?dagId=quick&version=1`);
    await expect.poll(() => rowIds()).toEqual([quick[2], quick[1], quick[0]]);
    await page.getByLabel('Version').fill('2');
    await page.waitForURL('**version=2*');
    await page.getByText('No runs.').waitFor();
    const { createdAt } = await server.t.flowgate.getWorkflow(quick[0]!);
    const day = createdAt.slice(0, 10);
    const nextDay = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000)
      .toISOString()
      .slice(0, 10);
    await page.goto(`${server.url}/runs?dagId=quick&from=${day}&to=${day}`);
    await expect.poll(() => rowIds()).toEqual([quick[2], quick[1], quick[0]]);
    await page.getByLabel('Started from').fill(nextDay);
    await page.waitForURL(`**from=${nextDay}*`);
    await page.getByText('No runs.').waitFor();
  });

  it("draws a run's graph and table, and changes a step's state live", async () => {
    const { workflowId, requestId } = await server.gatedRun('nightly');
    const page = await signIn('alice', `/runs/${workflowId}`);
    await page.locator('.run-graph [data-node-id="approval"]').waitFor();
    expect(await graphState(page, 'fetch')).toBe('completed');
    expect(await graphState(page, 'approval')).toBe('waiting_hitl');
    expect(await page.locator('tr[data-node-id="approval"]').textContent()).toContain(
      'waiting for a person',
    );
    await page.getByText('Live', { exact: true }).waitFor();

    await server.t.flowgate.approve(requestId, 'bob');
    await expect.poll(() => graphState(page, 'approval'), { timeout: 2_000 }).toBe('completed');
    await expect.poll(() => graphState(page, 'publish'), { timeout: WAIT_MS }).toBe('completed');
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('completed');
    expect(await page.locator('.timeline').textContent()).toContain('hitl approved');
    await page.screenshot({ path: join(ARTIFACTS, 'run.png'), fullPage: true });
    expect(await seriousAxe(page)).toEqual([]);
  });

  it('shows Reconnecting when the stream drops, and catches up from the last event after it returns', async () => {
    const { workflowId, requestId } = await server.gatedRun('nightly');
    const page = await signIn('alice', `/runs/${workflowId}`);
    await page.locator('.run-graph [data-node-id="approval"]').waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    const streams: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/events'))
        streams.push(request.headers()['last-event-id'] ?? '');
    });

    // An event reaches the page first, so that it has an id to resume after.
    await server.t.flowgate.pause(workflowId, 'alice');
    await expect.poll(() => page.getByText('paused by user').count()).toBe(1);

    // The stream drops (the server cuts every connection), and the way back stays closed for now.
    await page.route('**/api/events', (route) => route.abort());
    server.app.server.closeAllConnections();
    await page.getByText('Reconnecting…', { exact: true }).waitFor();
    // Resumed and decided while the page cannot hear it.
    await server.t.flowgate.resume(workflowId, 'alice');
    await server.t.flowgate.approve(requestId, 'bob');
    await server.t.flowgate.waitFor(workflowId, { timeoutMs: WAIT_MS });
    await page.unroute('**/api/events');

    await page.getByText('Live', { exact: true }).waitFor();
    await expect.poll(() => graphState(page, 'publish'), { timeout: WAIT_MS }).toBe('completed');
    // The reconnect asked for what came after the last event it had.
    expect(streams.some((id) => /^\d+$/.test(id))).toBe(true);
  });

  it('pauses, resumes, cancels and retries a run, each after a confirmation', async () => {
    const { workflowId } = await server.gatedRun('nightly');
    const page = await signIn('alice', `/runs/${workflowId}`);
    const status = page.getByTestId('run-status');
    await expect.poll(() => status.textContent()).toBe('paused');
    expect(await page.getByRole('button', { name: 'Resume' }).isDisabled()).toBe(true);

    const control = async (label: string, confirm: RegExp) => {
      await page.getByRole('button', { name: label, exact: true }).click();
      const dialog = page.getByRole('alertdialog');
      expect(await dialog.textContent()).toMatch(confirm);
      await dialog.getByRole('button', { name: `Yes, ${label.toLowerCase()}` }).click();
      await dialog.waitFor({ state: 'detached' });
    };

    // Saying no changes nothing.
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'No' }).click();
    expect((await server.t.flowgate.getWorkflow(workflowId)).status).toBe('paused');

    await control('Pause', /Pause this run\?/);
    await expect
      .poll(async () => (await server.t.flowgate.getWorkflow(workflowId)).pauseReason)
      .toBe('user');
    await expect.poll(() => page.getByRole('button', { name: 'Resume' }).isDisabled()).toBe(false);

    await control('Resume', /Resume this run/);
    await expect
      .poll(async () => (await server.t.flowgate.getWorkflow(workflowId)).pauseReason)
      .not.toBe('user');

    await control('Cancel', /cannot be undone/);
    await expect.poll(() => status.textContent()).toBe('cancelled');
    expect((await server.t.flowgate.getWorkflow(workflowId)).status).toBe('cancelled');

    await control('Retry', /Retry this run/);
    await expect.poll(() => status.textContent()).toBe('paused');
    const { items } = await server.t.flowgate.listHitl({ workflowId });
    expect(items).toHaveLength(1);
  });

  it('offers a viewer no control, and the API refuses them', async () => {
    const { workflowId } = await server.gatedRun('nightly');
    const page = await signIn('vera', `/runs/${workflowId}`);
    expect(await page.getByTestId('controls-refusal').textContent()).toContain('read-only');
    for (const label of ['Pause', 'Resume', 'Cancel', 'Retry']) {
      expect(await page.getByRole('button', { name: label, exact: true }).isDisabled(), label).toBe(
        true,
      );
    }
    for (const action of ['pause', 'cancel']) {
      const refused = await server.call(
        'vera',
        'POST',
        `/api/workflows/${workflowId}/${action}`,
        {},
      );
      expect(refused.status, action).toBe(403);
    }
    expect((await server.t.flowgate.getWorkflow(workflowId)).status).toBe('paused');
  });

  it('shows the dashboard: pending requests and their age, decisions, runs by status, agents', async () => {
    const { requestId } = await server.gatedRun('nightly');
    const page = await signIn('alice', '/');
    await page.getByRole('heading', { name: 'Runs', exact: true }).waitFor();
    const pending = (await server.t.flowgate.listHitl({})).items.length;
    await expect.poll(() => page.getByTestId('stat-pending').textContent()).toBe(String(pending));
    expect(await page.locator('section[aria-labelledby="oldest-title"]').textContent()).toMatch(
      /raised/,
    );
    const runs = page.getByRole('table', { name: /Runs by status/ });
    expect(await runs.textContent()).toMatch(/paused\d+/i);
    expect(
      await page.getByRole('table', { name: 'Executions per agent and tool' }).textContent(),
    ).toContain('echo_agent');
    // Runs per day: today's row counts the runs started today, the 13 days before are there with zeros.
    const timeline = page.getByRole('table', { name: /Runs started per day/ });
    expect(await timeline.locator('tbody tr').count()).toBe(14);
    const today = new Date().toISOString().slice(0, 10);
    const { items } = await server.t.flowgate.listWorkflows({ limit: 500 });
    const startedToday = items.filter((run) => run.createdAt.startsWith(today)).length;
    expect(await timeline.locator(`tr[data-day="${today}"] td`).first().textContent()).toBe(
      String(startedToday),
    );
    expect(await seriousAxe(page)).toEqual([]);

    // A decision elsewhere moves the figures without a reload.
    await server.t.flowgate.approve(requestId, 'bob');
    await expect
      .poll(() => page.getByTestId('stat-pending').textContent(), { timeout: WAIT_MS })
      .toBe(String(pending - 1));
    await expect.poll(() => page.getByTestId('stat-approval-rate').textContent()).toMatch(/%/);
  });

  it('lists DAGs, shows a version, refuses input that is not JSON, and starts a run of it', async () => {
    await server.t.flowgate.putDag(gatedDag('versioned'), { createdBy: 'alice' });
    await server.t.flowgate.putDag(
      plan('versioned', [{ id: 'solo', agent: 'echo_agent', config: { input: '{{ input }}' } }]),
      { createdBy: 'alice' },
    );
    const page = await signIn('alice', '/dags');
    await page.getByRole('link', { name: 'versioned' }).click();
    await page.getByRole('heading', { name: 'DAG versioned' }).waitFor();
    expect(await page.getByLabel('Version', { exact: true }).inputValue()).toBe('2');
    const steps = page.locator('section[aria-labelledby="steps-title"] .run-graph');
    await steps.locator('[data-node-id="solo"]').waitFor();

    await page.getByLabel('Version', { exact: true }).selectOption('1');
    await page.waitForURL('**version=1');
    await steps.locator('[data-node-id="approval"]').waitFor();
    expect(await seriousAxe(page)).toEqual([]);

    const input = page.getByLabel('Input (JSON)');
    await input.fill('{"rows": ');
    await page.getByRole('button', { name: 'Start run' }).click();
    await expect.poll(() => page.locator('#run-input-error').textContent()).toMatch(/not JSON/);
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    await input.fill('{"rows": 7}');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL('**/runs/*');
    const workflowId = decodeURIComponent(page.url().split('/runs/')[1]!);
    const run = await server.t.flowgate.getWorkflow(workflowId);
    expect(run).toMatchObject({
      dagId: 'versioned',
      version: 1,
      input: { rows: 7 },
      createdBy: 'alice',
    });
    await page.locator('article.run .run-graph [data-node-id="approval"]').waitFor();

    const vera = await signIn('vera', '/dags/versioned');
    await vera.getByRole('heading', { name: 'DAG versioned' }).waitFor();
    expect(await vera.getByRole('button', { name: 'Start run' }).count()).toBe(0);
    const refused = await server.call('vera', 'POST', '/api/workflows', { dagId: 'versioned' });
    expect(refused.status).toBe(403);
  });

  it('edits a DAG: a cycle is refused with the problem on its step, then a fix is saved as a new version and run', async () => {
    await server.t.flowgate.putDag(
      plan('edited', [
        { id: 'a', agent: 'echo_agent', config: { input: { n: 1 } } },
        { id: 'b', agent: 'echo_agent', deps: ['a'], config: { input: { n: 2 } } },
      ]),
      { createdBy: 'alice' },
    );
    const page = await signIn('alice', '/dags/edited');
    const editor = page.getByLabel('Document (JSON)');
    await editor.waitFor();
    const document = JSON.parse(await editor.inputValue()) as {
      nodes: { node_id: string; dependencies: string[] }[];
    };

    // b → a and a → b: a cycle.
    document.nodes[0]!.dependencies = ['b'];
    await editor.fill(JSON.stringify(document, null, 2));
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await expect
      .poll(() => page.locator('#dag-editor-status').textContent())
      .toMatch(/Not saved: \d+ problem/);
    expect(await page.locator('#dag-editor-status').textContent()).toMatch(/cycle/);
    const marked = page.locator('.dag-editor .run-graph [data-problem]');
    await marked.first().waitFor();
    expect(await marked.first().getAttribute('data-problem')).toMatch(/cycle/);
    expect((await server.t.flowgate.getDag('edited')).version).toBe(1);
    expect(await seriousAxe(page)).toEqual([]);
    await page.locator('.dag-editor').screenshot({ path: join(ARTIFACTS, 'editor.png') });

    // The fix: a third step after b, and no cycle.
    document.nodes[0]!.dependencies = [];
    document.nodes.push({
      node_id: 'c',
      node_type: 'agent',
      agent_id: 'echo_agent',
      dependencies: ['b'],
    } as never);
    await editor.fill(JSON.stringify(document, null, 2));
    await page.locator('.dag-editor .run-graph [data-node-id="c"]').waitFor();
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.waitForURL('**version=2');
    expect((await server.t.flowgate.getDag('edited')).version).toBe(2);
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL('**/runs/*');
    const workflowId = decodeURIComponent(page.url().split('/runs/')[1]!);
    const run = await server.t.flowgate.waitFor(workflowId, { timeoutMs: WAIT_MS });
    expect(run).toMatchObject({ version: 2, status: 'completed' });
    expect(run.nodes?.map((node) => node.nodeId).sort()).toEqual(['a', 'b', 'c']);
  });

  it('adds an AI step and a wait from the palette, each valid as it starts', async () => {
    await server.t.flowgate.putDag(
      plan('palette', [{ id: 'start', agent: 'echo_agent', config: { input: { go: true } } }]),
      { createdBy: 'alice' },
    );
    const page = await signIn('alice', '/dags/palette');
    const editor = page.getByLabel('Document (JSON)');
    await editor.waitFor();
    await page.getByRole('button', { name: 'Add an AI step' }).click();
    await page.getByRole('button', { name: 'Add a wait' }).click();
    await page.locator('.dag-editor .run-graph [data-node-id="timer_1"]').waitFor();
    const { nodes } = JSON.parse(await editor.inputValue()) as {
      nodes: { node_id: string; node_type: string; config?: Record<string, unknown> }[];
    };
    expect(nodes.slice(1)).toEqual([
      {
        node_id: 'ai_1',
        node_type: 'agent',
        config: { prompt: 'Summarise: {{ input }}', provider: 'openai', model: 'gpt-4o-mini' },
        dependencies: [],
      },
      { node_id: 'timer_1', node_type: 'timer', config: { duration: 'PT1H' }, dependencies: [] },
    ]);
    // What the palette writes, the server takes.
    expect(() => server.t.flowgate.validateDag({ dag_id: 'palette', nodes })).not.toThrow();
  });

  it('builds a DAG with the palette, connects steps by dragging and by keyboard, undoes and redoes, and runs it', async () => {
    await server.t.flowgate.putDag(
      plan('built', [{ id: 'start', agent: 'echo_agent', config: { input: { go: true } } }]),
      { createdBy: 'alice' },
    );
    const page = await signIn('alice', '/dags/built');
    const editor = page.getByLabel('Document (JSON)');
    await editor.waitFor();
    const preview = page.locator('.dag-editor .run-graph');
    const doc = async () =>
      JSON.parse(await editor.inputValue()) as {
        nodes: { node_id: string; dependencies: string[]; config?: unknown }[];
      };
    const depsOf = async (id: string) =>
      (await doc()).nodes.find((node) => node.node_id === id)?.dependencies;

    await page.getByRole('button', { name: 'Add an agent step' }).click();
    await page.getByRole('button', { name: 'Add a person step' }).click();
    await preview.locator('[data-node-id="human_1"]').waitFor();
    expect((await doc()).nodes.map((node) => node.node_id)).toEqual([
      'start',
      'agent_1',
      'human_1',
    ]);

    // Drag from start's right handle to human_1's left handle.
    const handle = (id: string, type: 'source' | 'target') =>
      preview.locator(`.react-flow__node[data-id="${id}"] .react-flow__handle.${type}`);
    const centre = async (locator: Locator) => {
      const box = (await locator.boundingBox())!;
      return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    };
    await preview.scrollIntoViewIfNeeded();
    const from = await centre(handle('start', 'source'));
    const to = await centre(handle('human_1', 'target'));
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 12 });
    await page.mouse.up();
    await expect.poll(() => depsOf('human_1')).toEqual(['start']);

    // By keyboard: human_1 → agent_1.
    await page.getByLabel('Connect', { exact: true }).selectOption('human_1');
    await page.getByLabel('to', { exact: true }).selectOption('agent_1');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect.poll(() => depsOf('agent_1')).toEqual(['human_1']);

    await page.getByRole('button', { name: 'Undo' }).click();
    expect(await depsOf('agent_1')).toEqual([]);
    await page.getByRole('button', { name: 'Undo' }).click();
    expect(await depsOf('human_1')).toEqual([]);
    await page.getByRole('button', { name: 'Redo' }).click();
    await page.getByRole('button', { name: 'Redo' }).click();
    expect(await depsOf('agent_1')).toEqual(['human_1']);
    expect(await page.getByRole('button', { name: 'Redo' }).isDisabled()).toBe(true);

    // The person step's rules, in a form.
    await page.getByLabel('Configure a person step').selectOption('human_1');
    await page.getByLabel(/^Message/).fill('Ship **it**?');
    await page.getByLabel(/^Approvers/).fill('bob, role:admin');
    await page.getByLabel('Quorum').selectOption('count');
    await page.getByLabel('Approvals needed').fill('2');
    await page.getByLabel(/^Timeout/).fill('tomorrow');
    await page.getByRole('button', { name: 'Apply to human_1' }).click();
    await page.getByText('The timeout is an ISO 8601 duration').waitFor();
    await page.getByLabel(/^Timeout/).fill('PT12H');
    await page.getByLabel('When it times out').selectOption('expire');
    await page.getByRole('button', { name: 'Apply to human_1' }).click();
    await expect
      .poll(async () => (await doc()).nodes.find((node) => node.node_id === 'human_1'))
      .toMatchObject({
        config: {
          message: 'Ship **it**?',
          approvers: [{ user: 'bob' }, { role: 'admin' }],
          quorum: { mode: 'count', count: 2 },
          timeout: { after: 'PT12H', outcome: 'expire' },
        },
      });
    expect(await seriousAxe(page)).toEqual([]);

    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.waitForURL('**version=2');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL('**/runs/*');
    const workflowId = decodeURIComponent(page.url().split('/runs/')[1]!);
    const run = await server.t.flowgate.waitFor(workflowId, {
      until: ['paused'],
      timeoutMs: WAIT_MS,
    });
    expect(run.nodes?.find((node) => node.nodeId === 'human_1')?.status).toBe('waiting_hitl');
    const [request] = (await server.t.flowgate.listHitl({ workflowId })).items;
    expect(request?.spec).toMatchObject({
      approvers: [{ user: 'bob' }, { role: 'admin' }],
      quorum: { mode: 'count', count: 2 },
    });
    expect(request?.expiresAt).not.toBeNull();
  });
});
