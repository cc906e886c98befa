/**
 * A tool-call approval request (an AI node's approveTools) in real Chromium against a real server whose AI node talks
 * to the fake model server: the inbox row and the request page say plainly that the agent wants to run a tool, show
 * its arguments (editable, with the diff) and the agent's reasoning as sanitized markdown; the approved call runs
 * with the approver's edits. The list API names the tool without the whole context.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';
import { launchChromium } from './helpers/browser.js';
import { seriousViolations, signIn as signInAs } from './helpers/pages.js';
import { startUiServer, type UiServer } from './helpers/ui-server.js';

const WAIT_MS = 10_000;

const transferSchema = {
  type: 'object',
  properties: { to: { type: 'string' }, amount: { type: 'number', minimum: 0 } },
  required: ['to', 'amount'],
};

describe('web UI: an agent asks to run a tool', () => {
  let models: FakeModelServer;
  let server: UiServer;
  let browser: Browser;
  const contexts = new Set<BrowserContext>();
  const ran: unknown[] = [];

  const signIn = (username: string, next: string) =>
    signInAs(browser, server.url, contexts, username, next);

  beforeAll(async () => {
    models = await startFakeModelServer();
    [server, browser] = await Promise.all([
      startUiServer({
        ai: {
          providers: { openai: { apiKey: 'test-openai', baseURL: models.openaiBaseUrl } },
          retry: { baseDelayMs: 20, maxDelayMs: 100 },
        },
        tools: {
          transfer: {
            description: 'Sends money',
            inputSchema: transferSchema,
            run: (input: unknown) => {
              ran.push(input);
              return { ok: true, reference: 'T-1' };
            },
          },
        },
      }),
      launchChromium(),
    ]);
    await server.t.flowgate.putDag(
      {
        dag_id: 'pay-invoice',
        nodes: [
          {
            id: 'agent',
            type: 'ai',
            data: {
              prompt: 'Pay the invoice of {{ input.vendor }}',
              provider: 'openai',
              model: 'gpt-4o-mini',
              tools: ['transfer'],
              approveTools: ['transfer'],
              approval: { approvers: ['bob'] },
            },
          },
        ],
        edges: [],
      },
      { createdBy: 'alice' },
    );
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    await models?.close();
  });

  it('names the tool in the inbox and on the request, shows its arguments and reasoning, and runs it as edited', async () => {
    models.enqueue(
      {
        text:
          'The invoice says **50**.<script>window.__pwned = 1</script>' +
          '<img src="x" onerror="window.__pwned = 2"> I will pay Bob.',
        toolCalls: [{ id: 'call_pay', name: 'transfer', args: { to: 'bob', amount: 50 } }],
      },
      { text: 'Paid Bob.' },
    );
    const { workflowId } = await server.t.flowgate.start('pay-invoice', {
      startedBy: 'alice',
      input: { vendor: 'Bob' },
    });
    await server.t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: WAIT_MS });
    const [request] = (await server.t.flowgate.listHitl({ workflowId })).items;
    const requestId = request!.requestId;

    // The list API names the tool, without the context.
    const listed = await server.call('bob', 'GET', `/api/hitl?workflowId=${workflowId}`);
    expect(listed.body).toMatchObject({
      items: [{ requestId, toolCall: { toolName: 'transfer', toolCallId: 'call_pay' } }],
    });
    expect((listed.body as { items: { context?: unknown }[] }).items[0]!.context).toBeUndefined();

    // The dashboard's oldest pending requests name it the same way.
    const page = await signIn('bob', '/');
    await expect
      .poll(() => page.locator('section[aria-labelledby="oldest-title"]').textContent())
      .toContain('The agent wants to run transfer');
    await page.getByRole('link', { name: /^Inbox/ }).click();
    const row = page.locator(`tr[data-request-id="${requestId}"]`);
    await row.waitFor();
    expect(await row.getByRole('link').textContent()).toBe('The agent wants to run transfer');
    await page.getByLabel('Filter').fill('transfer');
    await row.waitFor();
    await row.getByRole('link').click();
    await page.waitForURL(`**/requests/${requestId}`);

    const call = page.getByTestId('tool-call');
    await call.waitFor();
    expect(await call.getByRole('heading', { level: 2 }).textContent()).toBe(
      'The agent wants to run transfer',
    );
    const args = JSON.parse(
      (await call.getByLabel('Arguments for transfer').textContent()) ?? '',
    ) as unknown;
    expect(args).toEqual({ to: 'bob', amount: 50 });
    const reasoning = call.getByTestId('tool-call-reasoning');
    expect(await reasoning.locator('strong').textContent()).toBe('50');
    expect(await reasoning.textContent()).toContain('I will pay Bob.');
    expect(await reasoning.locator('script').count()).toBe(0);
    expect(await reasoning.locator('img[onerror]').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();

    // The arguments are the editable values, with the diff before approving.
    await page.getByText('Arguments of transfer you may change before approving').waitFor();
    await page.getByLabel('amount', { exact: true }).fill('40');
    const diff = page.getByRole('table', { name: 'Your changes' });
    await diff.waitFor();
    expect(await diff.locator('del').textContent()).toBe('50');
    expect(await diff.locator('ins').textContent()).toBe('40');

    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Approve with changes' }).click();
    const run = await server.t.flowgate.waitFor(workflowId, { timeoutMs: WAIT_MS });
    expect(run.status).toBe('completed');
    expect(ran).toEqual([{ to: 'bob', amount: 40 }]);
    expect((await server.t.flowgate.getHitl(requestId)).status).toBe('approved');
  });
});
