/**
 * The inbox's Decided tab in real Chromium against a real server: closed requests newest decision first, a page at a
 * time from the server (the cursor in the URL), "only decided by me", a new decision arriving live, and an axe scan.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { plan } from '../helpers/flowgate.js';
import { launchChromium } from './helpers/browser.js';
import { PASSWORD, startUiServer, type UiServer } from './helpers/ui-server.js';

const WAIT_MS = 10_000;

const dag = plan('payout', [
  { id: 'prepare', agent: 'echo_agent', config: { input: { amount: 5 } } },
  {
    id: 'approval',
    type: 'human_in_loop',
    deps: ['prepare'],
    config: { message: 'Pay out {{ run.id }}', approvers: [{ user: 'bob' }, { user: 'carol' }] },
  },
]);

describe('web UI: the Decided tab', () => {
  let server: UiServer;
  let browser: Browser;
  let context: BrowserContext;
  /** Request ids in the order they were decided, with who decided. */
  const decided: { requestId: string; by: string }[] = [];
  let pendingId = '';

  const decide = async (by: string, action: 'approve' | 'reject') => {
    const { requestId } = await server.gatedRun('payout');
    const response = await server.call(by, 'POST', `/api/hitl/${requestId}/${action}`, {
      response: 'checked',
    });
    expect(response.status).toBe(200);
    decided.push({ requestId, by });
    // Distinct decision times, so "newest first" has one right order.
    await new Promise((resolve) => setTimeout(resolve, 5));
    return requestId;
  };

  /** The request ids of the rows shown, top to bottom. */
  const shownIds = async (page: Page): Promise<(string | null)[]> => {
    const rows = page.locator('#inbox-list tbody tr');
    const ids: (string | null)[] = [];
    for (let i = 0, n = await rows.count(); i < n; i++) {
      ids.push(await rows.nth(i).getAttribute('data-request-id'));
    }
    return ids;
  };

  const newestFirst = (list: { requestId: string }[]) =>
    [...list].reverse().map((r) => r.requestId);

  beforeAll(async () => {
    [server, browser] = await Promise.all([startUiServer(), launchChromium()]);
    await server.t.flowgate.putDag(dag, { createdBy: 'alice' });
    const who = ['bob', 'carol', 'bob', 'carol', 'carol', 'bob', 'carol'] as const;
    for (const [index, by] of who.entries()) {
      await decide(by, index % 3 === 0 ? 'reject' : 'approve');
    }
    pendingId = (await server.gatedRun('payout')).requestId;
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(WAIT_MS);
  }, 90_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  it('pages closed requests from the server, newest decision first, and narrows to mine', async () => {
    const page = await context.newPage();
    const listings: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/hitl?')) listings.push(new URL(request.url()).search);
    });
    await page.goto(`${server.url}/login?next=${encodeURIComponent('/inbox?tab=decided&limit=3')}`);
    await page.getByLabel('Username').fill('bob');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/inbox?tab=decided*');

    const all = newestFirst(decided);
    await expect.poll(() => shownIds(page), { timeout: WAIT_MS }).toEqual(all.slice(0, 3));
    expect(await page.getByRole('tab', { name: 'Decided' }).getAttribute('aria-selected')).toBe(
      'true',
    );
    // The tab asked the server for one page of decided requests, not for every request.
    expect(listings.some((q) => q.includes('status=decided') && q.includes('limit=3'))).toBe(true);
    expect(listings.some((q) => q.includes('status=all'))).toBe(false);
    const first = page.locator(`tr[data-request-id="${all[0]!}"]`);
    expect(await first.textContent()).toMatch(/by carol/);
    expect(await page.locator(`tr[data-request-id="${pendingId}"]`).count()).toBe(0);

    // Older pages follow the cursor, which the URL keeps; the last page offers no Older.
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(() => shownIds(page)).toEqual(all.slice(3, 6));
    expect(page.url()).toContain('cursor=');
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(() => shownIds(page)).toEqual(all.slice(6));
    expect(await page.getByRole('button', { name: 'Older' }).count()).toBe(0);
    await page.reload();
    await expect.poll(() => shownIds(page)).toEqual(all.slice(6));
    await page.getByRole('button', { name: 'Newest' }).click();
    await expect.poll(() => shownIds(page)).toEqual(all.slice(0, 3));
    // The text filter narrows the page shown, and says so.
    await page.getByLabel('Filter').fill('no such request');
    await page.getByText('Here the filter narrows the page shown').waitFor();
    await expect.poll(() => shownIds(page)).toEqual([]);
    await page.getByLabel('Filter').fill('');
    await expect.poll(() => shownIds(page)).toEqual(all.slice(0, 3));

    // Only mine: a server filter, paged the same way.
    // Clicked, not check(): the URL update is a transition, so the box settles a moment after the click.
    const mineBox = page.getByLabel('Only decided by me');
    await mineBox.click();
    await expect.poll(() => mineBox.isChecked()).toBe(true);
    const mine = newestFirst(decided.filter((d) => d.by === 'bob'));
    await expect.poll(() => shownIds(page)).toEqual(mine.slice(0, 3));
    expect(listings.some((q) => q.includes('respondedBy=bob'))).toBe(true);
    expect(page.url()).toContain('by=me');

    const results = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    const serious = results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(serious).toEqual([]);

    // A decision made elsewhere comes to the top of the first page without a reload.
    await mineBox.click();
    await expect.poll(() => mineBox.isChecked()).toBe(false);
    await expect.poll(() => shownIds(page)).toEqual(all.slice(0, 3));
    const response = await server.call('bob', 'POST', `/api/hitl/${pendingId}/approve`, {});
    expect(response.status).toBe(200);
    await expect
      .poll(() => shownIds(page), { timeout: WAIT_MS })
      .toEqual([pendingId, ...all.slice(0, 2)]);
  });
});
