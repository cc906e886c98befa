/**
 * The outbox survives a sender killed with SIGKILL in the middle of deliveries: after a restart every message is
 * delivered (a mail whose acceptance the dead sender never recorded may arrive twice, with the same Message-ID, which
 * receivers use to drop it), none is lost, and a message was never sent for a change that did not commit.
 */
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { createFlowgate, type Flowgate } from '../../src/app/flowgate.js';
import { listOutboxAttempts, listOutboxMessages } from '../../src/store/repositories/outbox.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { killAll, killProcess, startScript } from '../helpers/processes.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';

const SENDER = join(import.meta.dirname, 'mail-process.ts');

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: outbox crashes`, () => {
    let db: TestDatabase;
    let client: Flowgate | undefined;
    let smtp: TestSmtp | undefined;

    afterEach(async () => {
      await killAll();
      await client?.close();
      await smtp?.close();
      client = undefined;
      smtp = undefined;
      await db.drop();
    });

    it('a sender killed mid-delivery: after restart every message is delivered, none lost', async () => {
      db = await createTestDatabase(dialect);
      smtp = await startSmtp();
      // A client that sends nothing itself: it enqueues (email nodes complete in its own transactions).
      client = await createFlowgate({
        db: db.url,
        workers: false,
        mail: {
          smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
          from: 'flowgate@example.test',
          publicUrl: 'https://flowgate.example.test',
        },
      });
      await client.putDag({
        dag_id: 'mailer',
        nodes: [
          {
            node_id: 'send',
            node_type: 'tool',
            tool_name: 'email',
            config: { input: { to: 'ops@example.test', subject: 'run {{ input.i }}' } },
            dependencies: [],
          },
        ],
      });
      const runs = await client.startMany(
        'mailer',
        Array.from({ length: 30 }, (_, i) => ({ i })),
      );
      expect(runs.every((r) => r.status === 'completed')).toBe(true);
      const messages = () => client!.store.read((tx) => listOutboxMessages(tx));
      expect(await messages()).toHaveLength(30);

      // A slow server: the sender has mails in flight when it dies.
      smtp.delayMs = 2_000;
      const first = await startScript(SENDER, [db.url, String(smtp.port), '1000']);
      await waitUntil(
        async () => {
          const all = await messages();
          return all.some((m) => m.attempts > 0);
        },
        20_000,
        'deliveries to start',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      await killProcess(first, 'SIGKILL');
      const claimed = (await messages()).filter((m) => m.attempts > 0 && m.status === 'pending');
      expect(claimed.length).toBeGreaterThan(0);
      const unfinished = await client.store.read(async (tx) =>
        (await listOutboxAttempts(tx, claimed[0]!.messageId)).filter((a) => a.outcome === null),
      );
      expect(unfinished.length).toBeGreaterThan(0);

      smtp.delayMs = 0;
      await startScript(SENDER, [db.url, String(smtp.port), '1000']);
      await waitUntil(
        async () => (await messages()).every((m) => m.status === 'sent'),
        30_000,
        'every message sent',
      );
      const all = await messages();
      const delivered = new Set(smtp.received.map((m) => m.parsed.messageId));
      for (const message of all) {
        expect(delivered.has(`<${message.messageId}@flowgate.example.test>`)).toBe(true);
      }
      // Nothing but these 30 was ever sent.
      expect(delivered.size).toBe(30);
    });
  });
}
