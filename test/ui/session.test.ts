/**
 * The UI's session in real Chromium against a real server (SQLite only, as in approver.test.ts): a reload keeps a
 * tab signed in, a refused access token is refreshed once however many calls saw the 401, a token near its expiry is
 * refreshed before it is sent, signing out ends the login on the server, and the user's preferences (time zone,
 * theme) shape what is shown.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { plan } from '../helpers/flowgate.js';
import { launchChromium } from './helpers/browser.js';
import { PASSWORD, startUiServer, type UiServer } from './helpers/ui-server.js';

const WAIT_MS = 10_000;
/** The page's storage, as read inside it (this file does not load the DOM's types). */
interface Session {
  readonly sessionStorage: Record<string, string> & { readonly length: number };
}
const bearerOf = (request: Request) => request.headers().authorization?.replace(/^Bearer /, '');

describe('web UI: session', () => {
  let server: UiServer;
  let browser: Browser;
  const contexts = new Set<BrowserContext>();

  /** Signs in through the login page; returns the page and the token pair the login answered. */
  const signIn = async (username: string) => {
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
    context.setDefaultTimeout(WAIT_MS);
    contexts.add(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    const [login] = await Promise.all([
      page.waitForResponse('**/api/auth/login'),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    const pair = (await login.json()) as { accessToken: string; refreshToken: string };
    await page.waitForURL('**/inbox');
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    return { page, pair };
  };

  const refreshes = (page: Page) => {
    const seen: Request[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/api/auth/refresh')) seen.push(request);
    });
    return seen;
  };

  beforeAll(async () => {
    [server, browser] = await Promise.all([startUiServer(), launchChromium()]);
    await server.t.flowgate.putDag(
      plan('tz', [{ id: 'gate', type: 'human_in_loop', config: { message: 'Time zone check' } }]),
      { createdBy: 'alice' },
    );
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  it('sends the unsigned to the login page, and back to where they were going after it', async () => {
    const context = await browser.newContext();
    contexts.add(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/inbox?tab=decided`);
    await page.waitForURL('**/login?next=*');
    await page.getByLabel('Username').fill('bob');
    await page.getByLabel('Password').fill('wrong-password-here');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('wrong');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/inbox?tab=decided');
    expect(await page.getByRole('tab', { name: 'Decided' }).getAttribute('aria-selected')).toBe(
      'true',
    );
  });

  it('keeps the tab signed in across a reload, without the access token in storage', async () => {
    const { page, pair } = await signIn('bob');
    const stored = await page.evaluate(() =>
      JSON.stringify({ ...(globalThis as unknown as Session).sessionStorage }),
    );
    expect(stored).not.toContain(pair.accessToken);
    await page.reload();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    expect(page.url()).toMatch(/\/inbox$/);
  });

  it('refreshes a refused access token once, however many calls were refused, and retries them', async () => {
    const { page, pair } = await signIn('carol');
    await page.getByRole('tab', { name: 'Decided' }).click();
    await page.getByText('Live', { exact: true }).waitFor();
    const seen = refreshes(page);
    // The server now refuses the first access token, as it would once it expired.
    await page.route('**/api/**', async (route) => {
      if (bearerOf(route.request()) === pair.accessToken) {
        // Held a moment, so that every call made together is refused together and all want a refresh at once.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await route.fulfill({
          status: 401,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'UNAUTHENTICATED', message: 'expired' } }),
        });
      } else {
        await route.fallback();
      }
    });
    const refused: string[] = [];
    page.on('response', (response) => {
      if (response.status() === 401) refused.push(response.url());
    });
    // A new request reloads two lists at once (pending and decided), both with the refused token.
    const { requestId } = await server.gatedRun('tz');
    await expect.poll(() => refused.length, { timeout: WAIT_MS }).toBeGreaterThanOrEqual(2);
    await page.getByRole('tab', { name: 'All I can see' }).click();
    await page.locator(`tr[data-request-id="${requestId}"]`).waitFor();
    expect(seen).toHaveLength(1);
    expect(await page.locator('#inbox-list [role="alert"]').count()).toBe(0);
  });

  it('refreshes an access token near its expiry before sending it', async () => {
    const { page, pair } = await signIn('bob');
    const seen = refreshes(page);
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/hitl')) sent.push(bearerOf(request) ?? '');
    });
    // Fourteen and a half minutes on: half a minute before the 15-minute token lapses.
    await page.clock.setSystemTime(Date.now() + 14.5 * 60_000);
    await page.getByRole('tab', { name: 'Decided' }).click();
    await expect.poll(() => sent.length).toBeGreaterThan(0);
    expect(seen).toHaveLength(1);
    expect(sent.every((token) => token !== pair.accessToken)).toBe(true);
  });

  it('signs out: the login page, nothing stored, and the refresh token refused by the server', async () => {
    const { page, pair } = await signIn('bob');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    expect(
      await page.evaluate(() => (globalThis as unknown as Session).sessionStorage.length),
    ).toBe(0);
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refreshToken: pair.refreshToken },
    });
    expect(response.statusCode).toBe(401);
    await page.goto(`${server.url}/inbox`);
    await page.waitForURL('**/login?next=*');
  });

  it("shows times in the user's time zone and the theme they chose", async () => {
    const { requestId } = await server.gatedRun('tz');
    const request = await server.t.flowgate.getHitl(requestId);
    expect(
      (
        await server.call('carol', 'PATCH', '/api/me', {
          preferences: { timezone: 'Asia/Tokyo', theme: 'dark' },
        })
      ).status,
    ).toBe(200);
    const { page } = await signIn('carol');
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.goto(`${server.url}/requests/${requestId}`);
    await page.getByRole('heading', { name: 'What is asked' }).waitFor();
    const tokyo = new Intl.DateTimeFormat('en-US', {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: 'Asia/Tokyo',
    }).format(new Date(request.createdAt));
    expect(await page.locator('section.rules').textContent()).toContain(tokyo);
  });

  it('keeps preferences and API keys on the settings page: a key shown once, usable, then revoked', async () => {
    const { page } = await signIn('alice');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.getByLabel('Time zone').fill('Not/AZone');
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await expect.poll(() => page.getByText('is not a time zone').count()).toBe(1);
    await page.getByLabel('Time zone').fill('Europe/Paris');
    await page.getByLabel('Theme', { exact: true }).last().selectOption('dark');
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByText('Preferences saved.').waitFor();
    const me = await server.call('alice', 'GET', '/api/me');
    expect(me.body).toMatchObject({ preferences: { timezone: 'Europe/Paris', theme: 'dark' } });

    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByText('Give the key a name.').waitFor();
    await page.getByLabel('Name of a new key').fill('ci script');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('new-key').textContent()) ?? '';
    expect(secret).toMatch(/^fg_/);
    const withKey = await server.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(withKey.statusCode).toBe(200);
    await page.reload();
    await page.getByRole('row', { name: /ci script/ }).waitFor();
    expect(await page.getByTestId('new-key').count()).toBe(0);
    expect(await page.locator('body').textContent()).not.toContain(secret);

    await page.getByRole('button', { name: 'Revoke ci script' }).click();
    await expect
      .poll(
        async () =>
          (
            await server.app.inject({
              method: 'GET',
              url: '/api/me',
              headers: { authorization: `Bearer ${secret}` },
            })
          ).statusCode,
      )
      .toBe(401);
    const results = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    expect(
      results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
    ).toEqual([]);
  });
});
