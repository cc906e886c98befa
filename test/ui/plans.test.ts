/**
 * Plans in real Chromium against a real server (SQLite only, as in approver.test.ts), the model being the fake
 * OpenAI server of test/helpers: ask for a workflow in words, read the draft (its steps, the one that waits for a
 * person), reject one with a required reason, approve another with the run's input, and land on its run.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';
import { launchChromium } from './helpers/browser.js';
import { seriousViolations, signIn as signInAs } from './helpers/pages.js';
import { startUiServer, type UiServer } from './helpers/ui-server.js';

const WAIT_MS = 10_000;

const draft = {
  summary: 'Fetch, review, publish.',
  name: 'Publish',
  nodes: [
    { node_id: 'fetch', node_type: 'agent', agent_id: 'echo_agent', dependencies: [] },
    {
      node_id: 'review',
      node_type: 'human_in_loop',
      config: { message: 'Publish it?' },
      dependencies: ['fetch'],
    },
    { node_id: 'publish', node_type: 'agent', agent_id: 'echo_agent', dependencies: ['review'] },
  ],
};

/** The same, with an AI step that writes the summary: the draft shows what it may cost. */
const draftWithAi = {
  ...draft,
  nodes: [
    ...draft.nodes.slice(0, 2),
    {
      node_id: 'summarize',
      node_type: 'agent',
      config: { prompt: 'Summarise the report', provider: 'openai', model: 'gpt-4o-mini' },
      dependencies: ['review'],
    },
  ],
};

describe('web UI: plans', () => {
  let model: FakeModelServer;
  let server: UiServer;
  let browser: Browser;
  const contexts = new Set<BrowserContext>();

  const signIn = (username: string, next: string) =>
    signInAs(browser, server.url, contexts, username, next);

  const ask = async (page: Page, request: string, answer: object = draft) => {
    model.enqueue({ json: answer });
    await page.getByLabel('Ask for a workflow').fill(request);
    await page.getByRole('button', { name: 'Draft a plan' }).click();
    await page.waitForURL('**/plans/*');
    await page.getByTestId('plan-status').waitFor();
  };

  beforeAll(async () => {
    model = await startFakeModelServer();
    [server, browser] = await Promise.all([
      startUiServer({
        ai: {
          providers: { openai: { apiKey: 'k', baseURL: model.openaiBaseUrl } },
          retry: { baseDelayMs: 10 },
        },
        planner: { model: 'openai:gpt-4o-mini' },
        outbound: { allowedCidrs: ['127.0.0.1/32'], allowHttp: true },
      }),
      launchChromium(),
    ]);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    await model?.close();
  });

  it('drafts a plan from words, rejects one only with a reason, approves another and lands on its run', async () => {
    const page = await signIn('alice', '/plans');
    await ask(page, 'Fetch the report, let a person review it, then summarise', draftWithAi);
    expect(await page.getByTestId('plan-status').textContent()).toBe('waiting for approval');
    // What its AI step may cost (priced from the catalogue), and what drafting it cost.
    const estimate = page.getByTestId('plan-estimate');
    expect(await estimate.textContent()).toMatch(/Up to about [\d.]+ USD per run/);
    expect(await estimate.getByRole('row', { name: /summarize/ }).textContent()).toContain(
      'openai:gpt-4o-mini',
    );
    expect(await page.getByTestId('plan-drafting-cost').textContent()).toMatch(
      /Drafting it took 1 model call/,
    );
    expect(await page.locator('body').textContent()).toContain(
      'The run will wait for a person at: review.',
    );
    await page.locator('.run-graph [data-node-id="summarize"]').waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Reject' }).click();
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toContain('A reason is required to reject.');
    await page.getByLabel('Reason (required to reject)').fill('Not this week.');
    await page.getByRole('button', { name: 'Reject' }).click();
    await expect.poll(() => page.getByTestId('plan-status').textContent()).toBe('rejected');

    await page.goto(`${server.url}/plans`);
    await ask(page, 'The same, approved this time');
    await page.getByLabel('Input of the run (JSON)').fill('{"report": "Q3"}');
    await page.getByRole('button', { name: 'Approve and run' }).click();
    await page.waitForURL('**/runs/*');
    const workflowId = decodeURIComponent(page.url().split('/runs/')[1]!);
    const run = await server.t.flowgate.waitFor(workflowId, {
      until: ['paused'],
      timeoutMs: WAIT_MS,
    });
    expect(run.input).toEqual({ report: 'Q3' });
    await page.locator('article.run .run-graph [data-node-id="review"]').waitFor();
  });
});
