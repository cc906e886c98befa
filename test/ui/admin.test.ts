/**
 * The admin pages in real Chromium against a real server (SQLite only, as in approver.test.ts): users (add one, who
 * can then sign in; change a role; bar one from signing in), webhooks (the secret shown once; removal), and a DAG's
 * permissions set by its owner; others are told the pages are not theirs, and the API refuses them.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium } from './helpers/browser.js';
import { seriousViolations, signIn as signInAs } from './helpers/pages.js';
import { PASSWORD, startUiServer, type UiServer } from './helpers/ui-server.js';

describe('web UI: administration', () => {
  let server: UiServer;
  let browser: Browser;
  const contexts = new Set<BrowserContext>();

  const signIn = (username: string, password = PASSWORD, next = '/inbox') =>
    signInAs(browser, server.url, contexts, username, next, password);

  const seriousAxe = seriousViolations;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      // The webhook test subscribes a local address: allowed here as an operator would allow it.
      startUiServer({ outbound: { allowedCidrs: ['127.0.0.0/8'], allowHttp: true } }),
      launchChromium(),
    ]);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  it('adds a user who can then sign in, changes a role, and bars a user from signing in', async () => {
    const page = await signIn('admin', PASSWORD, '/admin/users');
    await page.locator('tr[data-user="bob"]').waitFor();
    await page.getByLabel('Username').fill('dora');
    await page.getByLabel(/^Password/).fill('short');
    await page.getByRole('button', { name: 'Add user' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/Not added/);

    await page.getByLabel(/^Password/).fill('dora-password-long');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.locator('tr[data-user="dora"]').waitFor();
    expect(await seriousAxe(page)).toEqual([]);
    const dora = await signIn('dora', 'dora-password-long');
    expect(await dora.locator('.role').textContent()).toBe('(viewer)');

    await page.getByLabel('Role of dora').selectOption('user');
    await expect
      .poll(async () => {
        const { body } = await server.call('admin', 'GET', '/api/users');
        return (body as { items: { username: string; role: string }[] }).items.find(
          (user) => user.username === 'dora',
        )?.role;
      })
      .toBe('user');

    await page.getByLabel('dora may sign in').uncheck();
    await expect
      .poll(
        async () =>
          (
            await server.app.inject({
              method: 'POST',
              url: '/api/auth/login',
              payload: { username: 'dora', password: 'dora-password-long' },
            })
          ).statusCode,
      )
      .toBe(401);
  });

  it('adds a webhook with its secret shown once, and removes it', async () => {
    const page = await signIn('admin', PASSWORD, '/admin/webhooks');
    await page.getByLabel('URL').fill('http://127.0.0.1:9/flowgate-hook');
    await page.getByLabel(/^Events/).fill('hitl.*');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const secret = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('rowheader', { name: /127\.0\.0\.1:9\/flowgate-hook/ }).waitFor();
    expect(await seriousAxe(page)).toEqual([]);
    await page.reload();
    await page.getByRole('rowheader', { name: /flowgate-hook/ }).waitFor();
    expect(await page.locator('body').textContent()).not.toContain(secret);

    await page.getByRole('button', { name: /Remove .*flowgate-hook/ }).click();
    await page.getByText('No webhooks.').waitFor();
    const left = await server.call('admin', 'GET', '/api/webhooks');
    expect((left.body as { items: unknown[] }).items).toEqual([]);
  });

  it("lets a DAG's owner say who may use it; an editor gets no such form and the API refuses them", async () => {
    const document = {
      dag_id: 'payroll',
      permissions: { owners: ['alice'], editors: ['bob'], viewers: [], isPublic: false },
      nodes: [{ node_id: 'pay', node_type: 'agent', agent_id: 'echo_agent', dependencies: [] }],
    };
    await server.t.flowgate.putDag(document, { createdBy: 'alice' });
    expect((await server.call('vera', 'GET', '/api/dags/payroll')).status).toBe(404);

    const page = await signIn('alice', PASSWORD, '/dags/payroll');
    await page.getByRole('heading', { name: 'Who may use it' }).waitFor();
    await page.getByLabel('Viewers (see it, its runs and requests)').fill('vera, carol');
    await page.getByRole('button', { name: 'Save who may use it' }).click();
    await page.getByText('Saved as version 2.').waitFor();
    expect(await seriousAxe(page)).toEqual([]);
    const stored = await server.t.flowgate.getDag('payroll');
    expect(stored.version).toBe(2);
    expect(stored.definition.permissions).toMatchObject({ viewers: ['vera', 'carol'] });
    expect((await server.call('vera', 'GET', '/api/dags/payroll')).status).toBe(200);

    // bob edits the DAG but may not change who uses it: no form, and the API says no.
    const bobs = await signIn('bob', PASSWORD, '/dags/payroll');
    await bobs.getByRole('heading', { name: 'Steps' }).waitFor();
    expect(await bobs.getByRole('heading', { name: 'Who may use it' }).count()).toBe(0);
    const refused = await server.call('bob', 'PUT', '/api/dags/payroll', {
      ...document,
      permissions: { ...document.permissions, editors: ['bob', 'mallory'] },
    });
    expect(refused.status).toBe(403);
  });

  it('tells others the admin pages are not theirs, and the API refuses them', async () => {
    const page = await signIn('alice', PASSWORD, '/admin/users');
    await page.getByText('Only admins manage users.').waitFor();
    expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0);
    expect((await server.call('alice', 'GET', '/api/users')).status).toBe(403);
    expect((await server.call('alice', 'GET', '/api/webhooks')).status).toBe(403);
  });
});
