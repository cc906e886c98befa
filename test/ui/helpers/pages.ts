/**
 * What every browser test does on the way in and on the way out: sign in through the login page in a fresh context,
 * and scan a page with axe for serious or critical violations.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { PASSWORD } from './ui-server.js';

/** How long a test waits for anything the page should show. */
export const WAIT_MS = 10_000;

/**
 * A fresh context (added to `contexts`, for the test file to close), signed in as `username` through the login page,
 * on `next` once the app has taken the user there.
 */
export async function signIn(
  browser: Browser,
  baseUrl: string,
  contexts: Set<BrowserContext>,
  username: string,
  next = '/inbox',
  password = PASSWORD,
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(WAIT_MS);
  contexts.add(context);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`**${next.split('?')[0]}*`);
  return page;
}

/** The serious and critical WCAG 2.1 A/AA violations axe finds, each named with the elements it is about. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
