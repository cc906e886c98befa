/**
 * The approver's UI in real Chromium against a real server (SQLite file, workers running): sign in, the inbox (tabs,
 * live updates, keyboard triage), the request page (context, rules, approve, reject with a reason, a form checked
 * before sending, edits with a diff, conflicts, viewers, hostile messages), and an accessibility scan of each page.
 * SQLite only: the API under the UI runs on both databases in test/http. One browser for the file; every wait is
 * bounded by Playwright's timeouts.
 */
import { join } from 'node:path';

import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { plan } from '../helpers/flowgate.js';
import { ARTIFACTS, launchChromium } from './helpers/browser.js';
import { PASSWORD, startUiServer, type UiServer } from './helpers/ui-server.js';

/** Whether the element has the keyboard focus (read in the page, whose types this file does not load). */
const isFocused = (locator: Locator) =>
  locator.evaluate((el) => el.ownerDocument.activeElement === el);

/** Playwright's waits (selectors, navigation): bounded, and well under the test timeout. */
const WAIT_MS = 10_000;

const expenseDag = (dagId: string, config: Record<string, unknown> = {}) =>
  plan(dagId, [
    {
      id: 'prepare',
      agent: 'echo_agent',
      config: { input: { amount: 120, payee: 'ACME Supplies', invoice: 'INV-7731' } },
    },
    {
      id: 'approval',
      type: 'human_in_loop',
      deps: ['prepare'],
      config: {
        message:
          '## Pay invoice {{ nodes.prepare.output.invoice }}\n\nPay **{{ nodes.prepare.output.amount }} EUR** to ' +
          '{{ nodes.prepare.output.payee }}?',
        approvers: [{ user: 'bob' }, { user: 'carol' }],
        editable: ['amount'],
        timeout: { after: 'PT24H', outcome: 'reject' },
        ...config,
      },
    },
    { id: 'pay', deps: ['approval'], config: { input: '{{ nodes.approval.output }}' } },
  ]);

const formDag = (dagId: string) =>
  plan(dagId, [
    {
      id: 'review',
      type: 'human_in_loop',
      config: {
        message: 'Rate the supplier',
        approvers: [{ user: 'bob' }],
        form: {
          type: 'object',
          properties: {
            rating: { type: 'integer', minimum: 1, maximum: 5, title: 'Rating' },
            contact: { type: 'string', format: 'email', title: 'Contact email' },
          },
          required: ['rating'],
        },
      },
    },
  ]);

describe('web UI: approvers', () => {
  let server: UiServer;
  let browser: Browser;
  const contexts = new Set<BrowserContext>();
  /** The messages of the dialogs (alert, confirm) each page opened: an injected script would show here. */
  const dialogs = new Map<Page, string[]>();

  /** A fresh browser context signed in through the login page; ends on the inbox. */
  const signIn = async (username: string, next?: string): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(WAIT_MS);
    contexts.add(context);
    const page = await context.newPage();
    // Any dialog (an injected alert) is a failure to notice, not to wait on.
    dialogs.set(page, []);
    page.on('dialog', (dialog) => {
      dialogs.get(page)!.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${server.url}/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(next ? `**${next.split('?')[0]}*` : '**/inbox');
    return page;
  };

  const openRequest = async (page: Page, requestId: string) => {
    await page.goto(`${server.url}/requests/${requestId}`);
    await page.getByRole('heading', { name: 'What is asked' }).waitFor();
  };

  const hitl = async (requestId: string) =>
    (await server.t.flowgate.getHitl(requestId)) as {
      status: string;
      respondedBy: string | null;
      response: string | null;
      decision: Record<string, unknown> | null;
    };

  /** Every POST the page sends to decide a request. */
  const decisionPosts = (page: Page) => {
    const posts: string[] = [];
    page.on('request', (request) => {
      if (
        request.method() === 'POST' &&
        /\/api\/hitl\/[^/]+\/(approve|reject|respond)$/.test(request.url())
      )
        posts.push(request.url());
    });
    return posts;
  };

  const expectNoSeriousAxeViolations = async (page: Page, name: string) => {
    const results = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    const serious = results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(serious, `axe on ${name}`).toEqual([]);
  };

  beforeAll(async () => {
    [server, browser] = await Promise.all([startUiServer(), launchChromium()]);
    await server.t.flowgate.putDag(expenseDag('expense'), { createdBy: 'alice' });
    await server.t.flowgate.putDag(formDag('survey'), { createdBy: 'alice' });
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  it('signs in, finds a request in the inbox, reads its context and rules, and approves it', async () => {
    const { workflowId, requestId } = await server.gatedRun('expense');
    const page = await signIn('bob');
    await expect
      .poll(() => page.getByTestId('waiting-count').textContent(), { timeout: WAIT_MS })
      .not.toBe('…');

    const row = page.locator(`tr[data-request-id="${requestId}"]`);
    await row.getByRole('link', { name: /Pay invoice INV-7731/ }).click();
    await page.getByRole('heading', { name: 'What is asked' }).waitFor();

    // The message as markdown, the proposed values and the run's input, the rules.
    await expect
      .poll(() => page.getByTestId('message').locator('h2').textContent())
      .toBe('Pay invoice INV-7731');
    expect(await page.getByTestId('message').locator('strong').textContent()).toBe('120 EUR');
    expect(await page.getByLabel('Proposed values').textContent()).toContain('ACME Supplies');
    const rules = page.locator('section.rules');
    expect(await rules.textContent()).toContain('bob, carol');
    expect(await rules.textContent()).toContain('One approval is enough.');
    expect(await rules.textContent()).toMatch(/then it is rejected/);
    // The small run graph marks the gate.
    await page.locator('.react-flow__node.node-highlight [data-node-id="approval"]').waitFor();
    expect(
      await page.locator('.react-flow__node [data-node-id="prepare"]').getAttribute('data-status'),
    ).toBe('completed');
    await page.screenshot({ path: join(ARTIFACTS, 'request.png'), fullPage: true });

    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(async () => (await hitl(requestId)).status).toBe('approved');
    expect((await hitl(requestId)).respondedBy).toBe('bob');
    const run = await server.t.flowgate.waitFor(workflowId, { timeoutMs: WAIT_MS });
    expect(run.status).toBe('completed');
  });

  it('requires a reason to reject, and sends it', async () => {
    const { requestId } = await server.gatedRun('expense');
    const page = await signIn('bob');
    const posts = decisionPosts(page);
    await openRequest(page, requestId);

    await page.getByRole('button', { name: 'Reject' }).click();
    const alert = page.locator('section.decision [role="alert"]');
    await expect.poll(() => alert.textContent()).toContain('A reason is required to reject.');
    const reason = page.getByLabel(/Comment/);
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => isFocused(reason)).toBe(true);
    expect(posts).toEqual([]);
    expect((await hitl(requestId)).status).toBe('pending');

    await reason.fill('The amount does not match the purchase order.');
    await page.getByRole('button', { name: 'Reject' }).click();
    await expect.poll(async () => (await hitl(requestId)).status).toBe('rejected');
    expect((await hitl(requestId)).response).toBe('The amount does not match the purchase order.');
    expect(posts).toHaveLength(1);
  });

  it('checks a form answer before sending it, announces the problems, then sends a valid one', async () => {
    const { requestId } = await server.gatedRun('survey');
    const page = await signIn('bob');
    const posts = decisionPosts(page);
    await openRequest(page, requestId);

    await page.getByLabel('Rating').fill('9');
    await page.getByLabel('Contact email').fill('not-an-address');
    await page.getByRole('button', { name: 'Send answer' }).click();
    const alert = page.locator('section.decision [role="alert"]');
    await expect.poll(() => alert.textContent()).toContain('Please correct 2 fields');
    expect(await page.getByLabel('Rating').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#form-field-rating-error').textContent()).toBe(
      'Rating must be at most 5.',
    );
    await expect.poll(() => isFocused(page.getByLabel('Rating'))).toBe(true);
    expect(posts).toEqual([]);

    await page.getByLabel('Rating').fill('4');
    await page.getByLabel('Contact email').fill('buyer@example.com');
    await page.getByRole('button', { name: 'Send answer' }).click();
    await expect.poll(async () => (await hitl(requestId)).status).toBe('completed');
    expect((await hitl(requestId)).decision).toMatchObject({
      value: { rating: 4, contact: 'buyer@example.com' },
    });
    expect(posts).toHaveLength(1);
  });

  it('shows the diff of edited values before approving, and sends the edits', async () => {
    const { workflowId, requestId } = await server.gatedRun('expense');
    const page = await signIn('carol');
    await openRequest(page, requestId);

    await page.getByLabel('amount', { exact: true }).fill('90');
    const diff = page.getByRole('table', { name: 'Your changes' });
    await diff.waitFor();
    expect(await diff.locator('del').textContent()).toBe('120');
    expect(await diff.locator('ins').textContent()).toBe('90');
    await page.getByRole('button', { name: 'Approve with changes' }).click();

    await expect.poll(async () => (await hitl(requestId)).status).toBe('approved');
    expect((await hitl(requestId)).decision).toMatchObject({
      edits: [{ path: 'amount', before: 120, after: 90 }],
    });
    const run = await server.t.flowgate.waitFor(workflowId, { timeoutMs: WAIT_MS });
    const pay = run.nodes?.find((node) => node.nodeId === 'pay');
    expect(pay?.result).toMatchObject({ value: { amount: 90, payee: 'ACME Supplies' } });
  });

  it('two people decide one request: one wins, the other sees who decided and keeps what they typed', async () => {
    const { requestId } = await server.gatedRun('expense');
    const [bob, carol] = await Promise.all([signIn('bob'), signIn('carol')]);
    // Carol's page hears nothing live (a dropped stream): it still offers the decision when bob has made it.
    await carol.context().route('**/api/events', (route) => route.abort());
    await Promise.all([openRequest(bob, requestId), openRequest(carol, requestId)]);
    await carol.getByLabel(/Comment/).fill('Fine by me (carol)');

    await bob.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(async () => (await hitl(requestId)).status).toBe('approved');
    await carol.getByRole('button', { name: 'Approve', exact: true }).click();

    const conflict = carol.locator('.conflict');
    await conflict.waitFor();
    expect(await conflict.textContent()).toMatch(/this request was approved by bob at /);
    expect(await carol.getByLabel(/Comment/).inputValue()).toBe('Fine by me (carol)');
    expect(await carol.getByRole('button', { name: 'Approve', exact: true }).isDisabled()).toBe(
      true,
    );
    expect(await carol.getByTestId('decided-by').textContent()).toContain('by bob');
    const votes = (await server.t.flowgate.getHitl(requestId)).votes ?? [];
    expect(votes.map((vote) => vote.decision)).toEqual(['approve']);
    expect((await hitl(requestId)).respondedBy).toBe('bob');
  });

  it('shows a request decided elsewhere as decided, live, on an open request page', async () => {
    const { requestId } = await server.gatedRun('expense');
    const carol = await signIn('carol');
    await openRequest(carol, requestId);
    await carol.getByText('Live', { exact: true }).waitFor();
    expect(
      (await server.call('bob', 'POST', `/api/hitl/${requestId}/reject`, { response: 'No' }))
        .status,
    ).toBe(200);
    await expect
      .poll(() => carol.getByTestId('decided-by').textContent(), { timeout: 2_000 })
      .toContain('by bob');
    expect(await carol.getByRole('button', { name: 'Reject' }).isDisabled()).toBe(true);
  });

  it('counts votes toward a quorum: the first approval is recorded, the second closes the request', async () => {
    await server.t.flowgate.putDag(
      expenseDag('two-keys', { quorum: { mode: 'count', count: 2 } }),
      { createdBy: 'alice' },
    );
    const { requestId } = await server.gatedRun('two-keys');
    const bob = await signIn('bob', '/inbox?q=two-keys');
    await bob.locator(`tr[data-request-id="${requestId}"] a`).click();
    await bob.getByRole('heading', { name: 'What is asked' }).waitFor();
    expect(await bob.locator('section.rules').textContent()).toContain('2 approvals are needed.');
    await bob.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect
      .poll(() => bob.locator('.notice').textContent())
      .toContain('Your vote is recorded (1 of 2 approvals).');
    expect((await hitl(requestId)).status).toBe('pending');

    const carol = await signIn('carol');
    await openRequest(carol, requestId);
    expect(await carol.locator('ul.votes').textContent()).toMatch(/: approve/);
    await carol.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(async () => (await hitl(requestId)).status).toBe('approved');
    expect((await server.t.flowgate.getHitl(requestId)).votes).toHaveLength(2);
  });

  it('shows a viewer, and a starter barred from self-approval, no decision buttons; the API refuses them too', async () => {
    const { requestId } = await server.gatedRun('expense');
    const vera = await signIn('vera');
    await openRequest(vera, requestId);
    expect(await vera.getByTestId('refusal').textContent()).toContain('read-only (viewer)');
    expect(await vera.getByRole('button', { name: /Approve|Reject|Send answer/ }).count()).toBe(0);
    const refused = await server.call('vera', 'POST', `/api/hitl/${requestId}/approve`, {});
    expect(refused.status).toBe(403);

    await server.t.flowgate.putDag(
      expenseDag('no-self', { approvers: [], allowSelfApproval: false }),
      { createdBy: 'alice' },
    );
    const own = await server.gatedRun('no-self');
    const alice = await signIn('alice');
    await openRequest(alice, own.requestId);
    expect(await alice.getByTestId('refusal').textContent()).toContain('your own run');
    expect(await alice.getByRole('button', { name: /Approve|Reject/ }).count()).toBe(0);
    const self = await server.call('alice', 'POST', `/api/hitl/${own.requestId}/approve`, {});
    expect(self.status).toBe(403);
    expect((await hitl(requestId)).status).toBe('pending');
    expect((await hitl(own.requestId)).status).toBe('pending');
  });

  it('never runs a script in a message', async () => {
    await server.t.flowgate.putDag(
      expenseDag('hostile', {
        message:
          'Hello <script>window.__pwned = "script"; alert(1)</script>\n\n' +
          '<img src="x" onerror="window.__pwned = \'img\'">\n\n' +
          '[click](javascript:window.__pwned=\'link\') <iframe src="javascript:alert(2)"></iframe>',
      }),
      { createdBy: 'alice' },
    );
    const { requestId } = await server.gatedRun('hostile');
    const page = await signIn('bob');
    await openRequest(page, requestId);
    const message = page.getByTestId('message');
    await expect.poll(() => message.textContent()).toContain('Hello');
    // Give an onerror handler its chance: the broken image has been tried once this resolves.
    await page.waitForLoadState('load');
    expect(await page.evaluate(() => (globalThis as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(await message.locator('script, iframe, [onerror]').count()).toBe(0);
    const href = await message.locator('a').first().getAttribute('href');
    expect(href ?? '').not.toMatch(/^javascript:/i);
    expect(dialogs.get(page)).toEqual([]);
  });

  it('updates the inbox live: a request decided elsewhere leaves it within 2 s', async () => {
    await server.t.flowgate.putDag(expenseDag('live-inbox'), { createdBy: 'alice' });
    const { requestId } = await server.gatedRun('live-inbox');
    const page = await signIn('bob', '/inbox?q=live-inbox');
    const row = page.locator(`tr[data-request-id="${requestId}"]`);
    await row.waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    const before = Number(await page.getByTestId('waiting-count').textContent());

    expect((await server.call('carol', 'POST', `/api/hitl/${requestId}/approve`, {})).status).toBe(
      200,
    );
    await row.waitFor({ state: 'detached', timeout: 2_000 });
    await expect
      .poll(async () => Number(await page.getByTestId('waiting-count').textContent()), {
        timeout: 2_000,
      })
      .toBe(before - 1);

    // And a new one arrives without a reload.
    const next = await server.gatedRun('live-inbox');
    await page.locator(`tr[data-request-id="${next.requestId}"]`).waitFor({ timeout: 2_000 });
  });

  it('triages by keyboard alone: j/k move, Enter opens, deciding opens the next', async () => {
    await server.t.flowgate.putDag(expenseDag('triage', { approvers: [{ user: 'bob' }] }), {
      createdBy: 'alice',
    });
    const first = await server.gatedRun('triage');
    const second = await server.gatedRun('triage');
    const third = await server.gatedRun('triage');
    const page = await signIn('bob', '/inbox?q=triage');
    const selected = page.locator('tr[aria-current="true"]');
    await page.locator(`tr[data-request-id="${third.requestId}"]`).waitFor();
    expect(await selected.getAttribute('data-request-id')).toBe(first.requestId);

    await page.keyboard.press('j');
    await page.keyboard.press('j');
    expect(await selected.getAttribute('data-request-id')).toBe(third.requestId);
    await page.keyboard.press('k');
    expect(await selected.getAttribute('data-request-id')).toBe(second.requestId);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/requests/${second.requestId}`);
    await page.getByRole('heading', { name: 'What is asked' }).waitFor();

    // Tab to the Approve button (bounded), and press it.
    const approve = page.getByRole('button', { name: 'Approve', exact: true });
    for (let i = 0; i < 60 && !(await isFocused(approve)); i++) {
      await page.keyboard.press('Tab');
    }
    expect(await isFocused(approve)).toBe(true);
    await page.keyboard.press('Enter');

    await page.waitForURL(`**/requests/${third.requestId}`);
    await expect
      .poll(() => page.locator('.notice').textContent())
      .toContain('The request is approved.');
    expect((await hitl(second.requestId)).status).toBe('approved');
    expect((await hitl(first.requestId)).status).toBe('pending');
  });

  it('passes an accessibility scan (no serious or critical violation) on the login, inbox and request pages', async () => {
    const context = await browser.newContext();
    contexts.add(context);
    const login = await context.newPage();
    await login.goto(`${server.url}/login`);
    await login.getByLabel('Username').waitFor();
    await expectNoSeriousAxeViolations(login, 'login');

    const { requestId } = await server.gatedRun('expense');
    const page = await signIn('bob');
    await page.locator(`tr[data-request-id="${requestId}"]`).waitFor();
    await expectNoSeriousAxeViolations(page, 'inbox');
    await page.screenshot({ path: join(ARTIFACTS, 'inbox.png') });

    await page.goto(`${server.url}/inbox?tab=decided`);
    await page.locator('table.inbox-table').waitFor();
    await expectNoSeriousAxeViolations(page, 'inbox, decided');

    await openRequest(page, requestId);
    await expectNoSeriousAxeViolations(page, 'request');

    const survey = await server.gatedRun('survey');
    await openRequest(page, survey.requestId);
    await expectNoSeriousAxeViolations(page, 'request with a form');

    await page.selectOption('select', 'dark');
    await expect
      .poll(() => page.locator('html').getAttribute('data-theme'), { timeout: WAIT_MS })
      .toBe('dark');
    await openRequest(page, requestId);
    await expectNoSeriousAxeViolations(page, 'request, dark theme');
    await page.screenshot({ path: join(ARTIFACTS, 'request-dark.png'), fullPage: true });
    // Back to the default for the other tests' screenshots.
    await page.selectOption('select', 'system');
  });
});
