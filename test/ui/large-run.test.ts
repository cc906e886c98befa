/**
 * A large run's page in real Chromium (bench U1 measures its speed; this checks what the page does to stay fast): a
 * graph of more than 100 steps opens at a readable size and draws only the steps in view, saying so, while the table
 * lists every step; the timeline shows the newest 200 events until asked for all.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { plan } from '../helpers/flowgate.js';
import { launchChromium } from './helpers/browser.js';
import { PASSWORD, startUiServer, type UiServer } from './helpers/ui-server.js';

const WAIT_MS = 15_000;
const STEPS = 150;

describe('web UI: a large run', () => {
  let server: UiServer;
  let browser: Browser;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startUiServer(), launchChromium()]);
    // 15 layers of 10 steps, each after two of the layer before.
    const id = (i: number) => `s${String(i).padStart(3, '0')}`;
    await server.t.flowgate.putDag(
      plan(
        'large',
        Array.from({ length: STEPS }, (_, i) => {
          const layer = Math.floor(i / 10);
          const before = (layer - 1) * 10;
          return {
            id: id(i),
            config: { input: { i } },
            deps: layer === 0 ? [] : [id(before + (i % 10)), id(before + ((i + 3) % 10))],
          };
        }),
      ),
      { createdBy: 'alice' },
    );
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  it('draws only the steps in view, lists them all, and holds back older events until asked', async () => {
    const { workflowId } = await server.t.flowgate.start('large', { startedBy: 'alice' });
    await server.t.flowgate.waitFor(workflowId, { timeoutMs: WAIT_MS });
    const events = (await server.t.flowgate.listEvents(workflowId)).length;
    expect(events).toBeGreaterThan(200);

    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(WAIT_MS);
    const page = await context.newPage();
    await page.goto(`${server.url}/login?next=${encodeURIComponent(`/runs/${workflowId}`)}`);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByTestId('large-graph-hint').waitFor();
    expect(await page.getByTestId('large-graph-hint').textContent()).toMatch(
      new RegExp(`^${STEPS} steps: the drawing opens on the start`),
    );
    // Steps of the first layer (s000–s009) are in view; far fewer than all are drawn.
    const nodes = page.locator('.run-graph [data-node-id]');
    await nodes.first().waitFor();
    const drawn = await Promise.all(
      (await nodes.all()).map((node) => node.getAttribute('data-node-id')),
    );
    expect(drawn.some((id) => /^s00\d$/.test(id ?? ''))).toBe(true);
    expect(drawn.length).toBeLessThan(STEPS / 2);
    expect(await page.locator('table.steps-table tbody tr').count()).toBe(STEPS);

    const timeline = page.locator('.timeline li');
    expect(await timeline.count()).toBe(200);
    // Numbered as events of the whole run: the newest is the last number.
    expect(await page.locator('.timeline').getAttribute('start')).toBe(String(events - 199));
    await page.getByRole('button', { name: `Show all ${events} events` }).click();
    await expect.poll(() => timeline.count()).toBe(events);
  });
});
