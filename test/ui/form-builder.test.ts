/**
 * The answer-form builder of the DAG editor in real Chromium against a real server: a person step's form built from
 * fields (text, whole number with bounds, choice, yes/no), the JSON Schema following the fields and the fields
 * following the JSON, bad fields refused, a preview that checks like the request page; then saved, run, and the
 * request page shows the form and checks an answer before sending it.
 */
import type { Browser, BrowserContext, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { plan } from '../helpers/flowgate.js';
import { launchChromium } from './helpers/browser.js';
import { seriousViolations, signIn as signInAs } from './helpers/pages.js';
import { startUiServer, type UiServer } from './helpers/ui-server.js';

const WAIT_MS = 10_000;

describe('web UI: the answer-form builder', () => {
  let server: UiServer;
  let browser: Browser;
  const contexts = new Set<BrowserContext>();

  const signIn = (username: string, next: string) =>
    signInAs(browser, server.url, contexts, username, next);

  beforeAll(async () => {
    [server, browser] = await Promise.all([startUiServer(), launchChromium()]);
    await server.t.flowgate.putDag(
      plan('supplier_review', [
        { id: 'prepare', agent: 'echo_agent', config: { input: { supplier: 'ACME' } } },
        {
          id: 'review',
          type: 'human_in_loop',
          deps: ['prepare'],
          config: {
            message: 'Rate {{ nodes.prepare.output.supplier }}',
            approvers: [{ user: 'bob' }],
          },
        },
      ]),
      { createdBy: 'alice' },
    );
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  it('builds a form, keeps its JSON in sync, saves and runs it, and the request checks answers with it', async () => {
    const page = await signIn('alice', '/dags/supplier_review');
    const editor = page.getByLabel('Document (JSON)');
    await editor.waitFor();
    await page.getByLabel('Configure a person step').selectOption('review');
    const builder = page.locator('form.form-builder');
    await builder.waitFor();
    const field = (n: number): Locator => builder.getByRole('group', { name: `Field ${n}` });
    const json = builder.getByLabel(/^Form as JSON Schema/);
    const schema = async () => JSON.parse(await json.inputValue()) as Record<string, unknown>;

    // Field 1: a required whole number from 1 to 5, with a label and a description.
    await builder.getByRole('button', { name: 'Add a field' }).click();
    await field(1).getByLabel('Name').fill('rating');
    await field(1).getByLabel('Label').fill('Rating');
    await field(1).getByLabel('Type').selectOption('integer');
    await field(1).getByLabel('Required').check();
    await field(1).getByLabel('Minimum value').fill('1');
    await field(1).getByLabel('Maximum value').fill('5');
    await field(1)
      .getByLabel(/^Description/)
      .fill('1 is poor, 5 is excellent');
    // Field 2: a choice; field 3: text of at most 20 characters.
    await builder.getByRole('button', { name: 'Add a field' }).click();
    await field(2).getByLabel('Name').fill('channel');
    await field(2).getByLabel('Label').fill('Channel');
    await field(2).getByLabel('Type').selectOption('enum');
    await field(2)
      .getByLabel(/^Choices/)
      .fill('email\nphone');
    await builder.getByRole('button', { name: 'Add a field' }).click();
    await field(3).getByLabel('Name').fill('notes');
    await field(3).getByLabel('Maximum length').fill('20');

    const built = {
      type: 'object',
      properties: {
        rating: {
          type: 'integer',
          title: 'Rating',
          description: '1 is poor, 5 is excellent',
          minimum: 1,
          maximum: 5,
        },
        channel: { type: 'string', title: 'Channel', enum: ['email', 'phone'] },
        notes: { type: 'string', maxLength: 20 },
      },
      required: ['rating'],
    };
    await expect.poll(schema).toEqual(built);

    // The JSON leads too: a yes/no property typed there becomes field 4, and an email field 5 whose format the
    // builder has no input for but keeps.
    const withUrgent = {
      ...built,
      properties: {
        ...built.properties,
        urgent: { type: 'boolean', title: 'Urgent' },
        contact: { type: 'string', format: 'email', title: 'Contact' },
      },
    };
    await json.fill(JSON.stringify(withUrgent, null, 2));
    await expect.poll(() => field(4).getByLabel('Name').inputValue()).toBe('urgent');
    expect(await field(4).getByLabel('Type').inputValue()).toBe('boolean');
    expect(await field(4).getByLabel('Label').inputValue()).toBe('Urgent');
    expect(await field(5).textContent()).toContain('Also keeps format');

    // A bad field is shown on it, and nothing is applied.
    await field(3).getByLabel('Name').fill('rating');
    await field(3).getByText('The name rating is used twice.').waitFor();
    await builder.getByRole('button', { name: 'Apply the form to review' }).click();
    await builder.getByText('Fix the fields marked below first.').waitFor();
    expect(JSON.stringify(JSON.parse(await editor.inputValue()))).not.toContain('"form"');
    await field(3).getByLabel('Name').fill('notes');
    await field(1).getByLabel('Minimum value').fill('6');
    await field(1).getByText('The minimum is above the maximum.').waitFor();
    await field(1).getByLabel('Minimum value').fill('1');
    await expect.poll(schema).toEqual(withUrgent);

    // The preview is the request page's form, with its checks.
    const preview = builder.locator('.form-preview');
    await preview.getByLabel('Rating').fill('9');
    await preview.getByRole('button', { name: 'Check the preview' }).click();
    await preview.getByText('Rating must be at most 5.').waitFor();
    expect(await preview.getByLabel('Channel').locator('option').allTextContents()).toEqual([
      'Choose…',
      'email',
      'phone',
    ]);
    expect(await seriousViolations(page)).toEqual([]);

    await builder.getByRole('button', { name: 'Apply the form to review' }).click();
    await expect
      .poll(async () => {
        const doc = JSON.parse(await editor.inputValue()) as {
          nodes: { node_id: string; config?: { form?: unknown } }[];
        };
        return doc.nodes.find((n) => n.node_id === 'review')?.config?.form;
      })
      .toEqual(withUrgent);

    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.waitForURL('**version=2');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL('**/runs/*');
    const workflowId = decodeURIComponent(page.url().split('/runs/')[1]!);
    await server.t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: WAIT_MS });
    const [request] = (await server.t.flowgate.listHitl({ workflowId })).items;
    expect((request?.spec as { form?: unknown }).form).toEqual(withUrgent);

    // The approver gets the built form and its checks.
    const bob = await signIn('bob', `/requests/${request!.requestId}`);
    await bob.getByRole('heading', { name: 'What is asked' }).waitFor();
    const posts: string[] = [];
    bob.on('request', (r) => {
      if (r.method() === 'POST' && r.url().includes('/api/hitl/')) posts.push(r.url());
    });
    expect(await bob.locator('#form-field-rating-hint').textContent()).toBe(
      '1 is poor, 5 is excellent',
    );
    await bob.getByLabel('Rating').fill('7');
    await bob.getByLabel('Notes').fill('x'.repeat(25));
    await bob.getByLabel('Contact').fill('not-an-address');
    await bob.getByRole('button', { name: 'Send answer' }).click();
    await expect
      .poll(() => bob.locator('#form-field-rating-error').textContent())
      .toBe('Rating must be at most 5.');
    expect(await bob.locator('#form-field-notes-error').textContent()).toMatch(/at most 20/);
    expect(await bob.locator('#form-field-contact-error').textContent()).toBe(
      'Contact must be an email address.',
    );
    expect(posts).toEqual([]);

    await bob.getByLabel('Rating').fill('4');
    await bob.getByLabel('Channel').selectOption('phone');
    await bob.getByLabel('Notes').fill('fast delivery');
    await bob.getByLabel('Urgent').check();
    await bob.getByLabel('Contact').fill('buyer@example.com');
    await bob.getByRole('button', { name: 'Send answer' }).click();
    await expect
      .poll(async () => (await server.t.flowgate.getHitl(request!.requestId)).status, {
        timeout: WAIT_MS,
      })
      .toBe('completed');
    expect((await server.t.flowgate.getHitl(request!.requestId)).decision).toMatchObject({
      value: {
        rating: 4,
        channel: 'phone',
        notes: 'fast delivery',
        urgent: true,
        contact: 'buyer@example.com',
      },
    });
    expect(posts).toHaveLength(1);
  });
});
