/**
 * Mail through the outbox, against a real SMTP server on 127.0.0.1: approvers' mails with their decision links,
 * seed 002's copies and email nodes (to, cc, bcc, html + text, attachments), retries while the server refuses or is
 * down, and permanent failures. Both dialects.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { systemClock } from '../../src/shared/clock.js';
import { listOutboxAttempts, listOutboxMessages } from '../../src/store/repositories/outbox.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';
import { freePort } from '../helpers/free-port.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';

const PUBLIC_URL = 'https://flowgate.example.test';

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: mail through the outbox`, () => {
    let t: TestFlowgate | undefined;
    let smtp: TestSmtp | undefined;

    afterEach(async () => {
      await t?.close();
      await smtp?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      t = undefined;
      smtp = undefined;
      dir = undefined;
    });

    async function setUp(port: number, options: { maxAttempts?: number } = {}) {
      t = await startTestFlowgate(dialect, {
        mail: {
          smtpUrl: `smtp://127.0.0.1:${port}`,
          from: 'Flowgate <flowgate@example.test>',
          publicUrl: PUBLIC_URL,
          attachmentsDir: join(tempDir(), 'files'),
          ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
          delivery: { pollMs: 100, leaseMs: 5_000, backoff: { backoffMs: 100, maxBackoffMs: 400 } },
        },
      });
      const auth = new AuthService({
        store: t.flowgate.store,
        clock: systemClock,
        jwtSecret: 'a-test-secret-of-at-least-32-characters!',
      });
      await auth.createUser({
        username: 'alice',
        password: 'p4ssword-long-enough',
        role: 'user',
        email: 'alice@example.test',
        fullName: 'Alice Example',
      });
      await auth.createUser({ username: 'nomail', password: 'p4ssword-long-enough', role: 'user' });
      return t;
    }

    let dir: string | undefined;
    function tempDir(): string {
      dir = mkdtempSync(join(tmpdir(), 'flowgate-mail-'));
      mkdirSync(join(dir, 'files'));
      writeFileSync(join(dir, 'files', 'report.txt'), 'quarterly figures\n');
      writeFileSync(join(dir, 'secret.txt'), 'not for mail\n');
      return dir;
    }

    it('an email node sends to, cc and bcc with html, text and an attachment, exactly as written', async () => {
      smtp = await startSmtp();
      const { flowgate } = await setUp(smtp.port);
      const { workflowId } = await flowgate.start(
        plan('mail_node', [
          {
            id: 'send',
            tool: 'email',
            config: {
              input: {
                to: ['{{ input.to }}'],
                cc: 'cc1@example.test, cc2@example.test',
                bcc: ['hidden@example.test'],
                subject: 'Report for {{ input.quarter }}',
                bodyText: 'Figures for {{ input.quarter }} attached.',
                bodyHTML: '<p>Figures for <b>{{ input.quarter }}</b> attached.</p>',
                attachments: ['report.txt'],
              },
            },
          },
        ]),
        { input: { to: 'ops@example.test', quarter: 'Q3' } },
      );
      const run = await flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      expect(run.status).toBe('completed');
      const [mail] = await smtp.waitFor(1);
      const parsed = mail!.parsed;
      expect(parsed.subject).toBe('Report for Q3');
      expect(parsed.from?.text).toContain('flowgate@example.test');
      expect(parsed.to && 'text' in parsed.to ? parsed.to.text : '').toBe('ops@example.test');
      expect(parsed.cc && 'text' in parsed.cc ? parsed.cc.text : '').toBe(
        'cc1@example.test, cc2@example.test',
      );
      expect(parsed.text?.trim()).toBe('Figures for Q3 attached.');
      expect(parsed.html).toContain('<p>Figures for <b>Q3</b> attached.</p>');
      expect(parsed.attachments).toHaveLength(1);
      expect(parsed.attachments[0]!.filename).toBe('report.txt');
      expect(parsed.attachments[0]!.content.toString()).toBe('quarterly figures\n');
      // bcc: in the envelope only, never in the headers.
      expect(mail!.envelope.to).toEqual(
        expect.arrayContaining([
          'ops@example.test',
          'cc1@example.test',
          'cc2@example.test',
          'hidden@example.test',
        ]),
      );
      expect(parsed.bcc).toBeUndefined();
      expect(mail!.raw).not.toContain('hidden@example.test');
      // The server answers before the sender records it: the row turns sent a moment after.
      const messages = () => flowgate.store.read((db) => listOutboxMessages(db, { workflowId }));
      await waitUntil(
        async () => (await messages())[0]?.status === 'sent',
        'the message marked sent',
      );
      const [message] = await messages();
      expect(parsed.messageId).toBe(`<${message!.messageId}@flowgate.example.test>`);
    });

    it('an attachment outside the allowed folder fails the email node; nothing is enqueued', async () => {
      smtp = await startSmtp();
      const { flowgate } = await setUp(smtp.port);
      const { workflowId } = await flowgate.start(
        plan('mail_escape', [
          {
            id: 'send',
            tool: 'email',
            config: { input: { to: 'ops@example.test', attachments: ['../secret.txt'] } },
          },
        ]),
      );
      const run = await flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      expect(run.status).toBe('failed');
      expect(run.nodes?.[0]?.error).toContain('outside the attachments folder');
      expect(await flowgate.store.read((db) => listOutboxMessages(db, { workflowId }))).toEqual([]);
    });

    it('raising a request mails each approver with an email their own link, and seed 002 copies without one', async () => {
      smtp = await startSmtp();
      const { flowgate } = await setUp(smtp.port);
      const { workflowId } = await flowgate.start(
        plan('mail_gate', [
          {
            id: 'gate',
            type: 'human_in_loop',
            config: {
              message: 'Ship <release> {{ input.version }}?',
              approvers: ['alice', 'nomail'],
              outputTypes: ['email'],
              args: {
                to: 'team@example.test',
                bcc: 'audit@example.test',
                attachments: ['report.txt'],
              },
            },
          },
        ]),
        { input: { version: '1.2' } },
      );
      await flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
      const mails = await smtp.waitFor(2);
      const [request] = (await flowgate.listHitl({ workflowId })).items;
      const toAlice = mails.find((m) => m.envelope.to.includes('alice@example.test'))!;
      const copy = mails.find((m) => m.envelope.to.includes('team@example.test'))!;
      expect(toAlice.envelope.to).toEqual(['alice@example.test']);
      const link = /https:\/\/flowgate\.example\.test\/a\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(
        toAlice.parsed.text ?? '',
      )?.[0];
      expect(link).toBeDefined();
      expect(toAlice.parsed.html).toContain(link);
      expect(toAlice.parsed.html).toContain('Ship &lt;release&gt; 1.2?');
      expect(toAlice.parsed.text).toContain(`${PUBLIC_URL}/requests/${request!.requestId}`);
      expect(toAlice.parsed.text).toContain('Hello Alice Example');
      // The copy: no decision link, the attachment, bcc only in the envelope.
      expect(copy.parsed.text).not.toContain('/a/');
      expect(copy.parsed.html).not.toContain('/a/');
      expect(copy.envelope.to).toEqual(['team@example.test', 'audit@example.test']);
      expect(copy.raw).not.toContain('audit@example.test');
      expect(copy.parsed.attachments[0]!.content.toString()).toBe('quarterly figures\n');
      // Exactly two: nobody without an address is mailed.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(smtp.received).toHaveLength(2);
    });

    it('a request raised in a worker’s commit (after a step) mails its approver too', async () => {
      smtp = await startSmtp();
      const { flowgate } = await setUp(smtp.port);
      const { workflowId } = await flowgate.start(
        plan('mail_after_step', [
          { id: 'step', agent: 'echo_agent' },
          { id: 'gate', type: 'human_in_loop', deps: ['step'], config: { approvers: ['alice'] } },
        ]),
      );
      await flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
      const [mail] = await smtp.waitFor(1);
      expect(mail!.envelope.to).toEqual(['alice@example.test']);
    });

    it('a server that refuses for a while (451) gets the mail again with backoff, and it arrives once', async () => {
      smtp = await startSmtp();
      smtp.answer = 451;
      const { flowgate } = await setUp(smtp.port);
      const { workflowId } = await flowgate.start(
        plan('mail_retry', [
          { id: 'send', tool: 'email', config: { input: { to: 'ops@example.test' } } },
        ]),
      );
      await flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      const messages = () => flowgate.store.read((db) => listOutboxMessages(db, { workflowId }));
      await waitUntil(
        async () => ((await messages())[0]?.attempts ?? 0) >= 2,
        'two refused attempts',
      );
      smtp.answer = undefined;
      await smtp.waitFor(1);
      await waitUntil(
        async () => (await messages())[0]?.status === 'sent',
        'the message marked sent',
      );
      const [message] = await messages();
      const attempts = await flowgate.store.read((db) =>
        listOutboxAttempts(db, message!.messageId),
      );
      expect(attempts.map((a) => a.outcome)).toEqual([
        ...Array.from({ length: attempts.length - 1 }, () => 'retry'),
        'sent',
      ]);
      expect(attempts[0]!.error).toContain('451');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(smtp.received).toHaveLength(1);
    });

    it('a server that is down, then up: the mail is retried and delivered once', async () => {
      const port = await freePort();
      const { flowgate } = await setUp(port);
      const { workflowId } = await flowgate.start(
        plan('mail_down', [
          { id: 'send', tool: 'email', config: { input: { to: 'ops@example.test' } } },
        ]),
      );
      await flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      const messages = () => flowgate.store.read((db) => listOutboxMessages(db, { workflowId }));
      await waitUntil(async () => ((await messages())[0]?.attempts ?? 0) >= 1, 'a failed attempt');
      expect((await messages())[0]!.status).toBe('pending');
      smtp = await startSmtp(port);
      await smtp.waitFor(1);
      await waitUntil(
        async () => (await messages())[0]?.status === 'sent',
        'the message marked sent',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(smtp.received).toHaveLength(1);
    });

    it('a 550 answer fails the message at once; too many refusals fail it after the cap', async () => {
      smtp = await startSmtp();
      smtp.answer = 550;
      const { flowgate } = await setUp(smtp.port, { maxAttempts: 3 });
      const start = async (dagId: string) =>
        (
          await flowgate.start(
            plan(dagId, [
              { id: 'send', tool: 'email', config: { input: { to: 'ops@example.test' } } },
            ]),
          )
        ).workflowId;
      const refused = await start('mail_550');
      const first = () =>
        flowgate.store.read((db) => listOutboxMessages(db, { workflowId: refused }));
      await waitUntil(async () => (await first())[0]?.status === 'failed', 'a failed message');
      expect((await first())[0]!.attempts).toBe(1);
      smtp.answer = 451;
      const capped = await start('mail_cap');
      const second = () =>
        flowgate.store.read((db) => listOutboxMessages(db, { workflowId: capped }));
      await waitUntil(async () => (await second())[0]?.status === 'failed', 'a capped message');
      expect((await second())[0]!.attempts).toBe(3);
      expect(smtp.received).toHaveLength(0);
    });
  });
}
