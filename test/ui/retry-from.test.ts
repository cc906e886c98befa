/**
 * "Retry from a step" on the run page, in real Chromium against a real server (SQLite, as the other UI tests): the
 * chooser says what runs again before anything happens, the run goes back through the API (a rollback to the state
 * before the step completed, or a retry of a failed step), steps before it keep their outputs; reachable from the
 * controls, from a step's row and from its node in the graph; refused for a step nothing earlier is kept for, and for
 * a viewer (by the page and by the API).
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { plan } from '../helpers/flowgate.js';
import { launchChromium } from './helpers/browser.js';
import { seriousViolations, signIn as signInAs } from './helpers/pages.js';
import { startUiServer, type UiServer } from './helpers/ui-server.js';

const WAIT_MS = 10_000;

/** While true, the `flaky` tool fails (and its step has no retries left). */
let broken = false;

describe('web UI: retry a run from a chosen step', () => {
  let server: UiServer;
  let browser: Browser;
  const contexts = new Set<BrowserContext>();

  const signIn = (username: string, next: string) =>
    signInAs(browser, server.url, contexts, username, next);

  const completedRun = async (dagId: string) => {
    const { workflowId } = await server.t.flowgate.start(dagId, { startedBy: 'alice' });
    return server.t.flowgate.waitFor(workflowId, { timeoutMs: WAIT_MS });
  };
  const completedAt = async (workflowId: string) =>
    Object.fromEntries(
      ((await server.t.flowgate.getWorkflow(workflowId)).nodes ?? []).map((n) => [
        n.nodeId,
        n.completedAt,
      ]),
    );

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startUiServer({
        tools: {
          flaky: () =>
            broken
              ? Promise.reject(new Error('the service is down'))
              : Promise.resolve({ ok: true }),
        },
      }),
      launchChromium(),
    ]);
    await server.t.flowgate.putDag(
      plan('pipeline', [
        { id: 'fetch', config: { input: { rows: 3 } } },
        { id: 'transform', deps: ['fetch'], config: { input: { rows: 6 } } },
        { id: 'publish', deps: ['transform'], config: { input: { done: true } } },
      ]),
      { createdBy: 'alice' },
    );
    await server.t.flowgate.putDag(
      plan('fragile', [
        { id: 'prepare', config: { input: { ok: 1 } } },
        { id: 'call', tool: 'flaky', deps: ['prepare'], retry: { maxRetries: 0 } },
        { id: 'report', deps: ['call'], config: { input: { ok: 2 } } },
      ]),
      { createdBy: 'alice' },
    );
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  it('says what runs again, then goes back to the state before the chosen step and runs on from there', async () => {
    const run = await completedRun('pipeline');
    const before = await completedAt(run.workflowId);
    const page = await signIn('alice', `/runs/${run.workflowId}`);
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('completed');

    await page.getByRole('button', { name: 'Retry from…' }).click();
    const dialog = page.getByRole('alertdialog');
    const chooser = dialog.getByLabel('Step to retry from');
    const planText = dialog.getByTestId('retry-from-plan');
    const yes = (step: string) => dialog.getByRole('button', { name: `Yes, retry from ${step}` });

    // The first step completed before anything the run keeps: refused, with the reason.
    await chooser.selectOption('fetch');
    await expect.poll(() => planText.textContent()).toMatch(/start a new run instead/);
    expect(await yes('fetch').isDisabled()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);

    await chooser.selectOption('transform');
    await expect.poll(() => planText.textContent()).toMatch(/before transform completed/);
    expect(await planText.textContent()).toMatch(/run again.*: transform, publish\./);
    // Saying no changes nothing.
    await dialog.getByRole('button', { name: 'No' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await completedAt(run.workflowId)).toEqual(before);

    await page.getByRole('button', { name: 'Retry from…' }).click();
    await dialog.getByLabel('Step to retry from').selectOption('transform');
    await expect.poll(() => planText.textContent()).toMatch(/transform, publish/);
    await yes('transform').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText(/Retry from transform: done/).waitFor();

    const after = (await server.t.flowgate.waitFor(run.workflowId, { timeoutMs: WAIT_MS })).nodes!;
    const again = Object.fromEntries(after.map((n) => [n.nodeId, n]));
    expect(again.fetch?.completedAt).toBe(before.fetch);
    expect(again.transform?.completedAt).not.toBe(before.transform);
    expect(again.publish?.completedAt).not.toBe(before.publish);
    expect(again.publish?.status).toBe('completed');
    const events = await server.t.flowgate.listEvents(run.workflowId);
    const finished = events.find((e) => e.type === 'rollback_completed');
    expect((finished?.data as { reset: string[] }).reset.sort()).toEqual(['publish', 'transform']);
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('completed');
  });

  it('opens on a step from its row and from its node in the graph, and runs a failed step again', async () => {
    broken = true;
    const { workflowId } = await server.t.flowgate.start('fragile', { startedBy: 'alice' });
    const failed = await server.t.flowgate.waitFor(workflowId, { timeoutMs: WAIT_MS });
    expect(failed.status).toBe('failed');
    const page = await signIn('alice', `/runs/${workflowId}`);
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('failed');

    // A click on a node in the drawing leads to its row: its output and its own "Retry from here".
    await page.locator('.run-graph [data-node-id="report"]').click();
    const row = page.locator('#step-report');
    await expect.poll(() => row.evaluate((el) => el.ownerDocument.activeElement === el)).toBe(true);

    await page.getByRole('button', { name: 'Retry from call' }).click();
    const dialog = page.getByRole('alertdialog');
    expect(await dialog.getByLabel('Step to retry from').inputValue()).toBe('call');
    const planText = dialog.getByTestId('retry-from-plan');
    await expect.poll(() => planText.textContent()).toMatch(/last saved state/);
    expect(await planText.textContent()).toMatch(/These steps run: call, report\./);

    broken = false;
    await dialog.getByRole('button', { name: 'Yes, retry from call' }).click();
    await dialog.waitFor({ state: 'detached' });
    const done = await server.t.flowgate.waitFor(workflowId, { timeoutMs: WAIT_MS });
    expect(done.status).toBe('completed');
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('completed');
  });

  it('offers a viewer no retry from a step, and the API refuses them', async () => {
    const run = await completedRun('pipeline');
    const page = await signIn('vera', `/runs/${run.workflowId}`);
    await page.getByTestId('controls-refusal').waitFor();
    expect(await page.getByRole('button', { name: 'Retry from…' }).isDisabled()).toBe(true);
    expect(
      await page.getByRole('button', { name: /^Retry from (fetch|transform|publish)$/ }).count(),
    ).toBe(0);
    const snapshots = await server.t.flowgate.listSnapshots(run.workflowId);
    const refused = await server.call('vera', 'POST', `/api/workflows/${run.workflowId}/rollback`, {
      snapshotId: snapshots[0]!.snapshotId,
    });
    expect(refused.status).toBe(403);
    expect((await server.t.flowgate.getWorkflow(run.workflowId)).status).toBe('completed');
  });
});
