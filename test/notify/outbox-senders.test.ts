/**
 * Several senders on one database (two worker processes): each message is claimed by one of them and delivered once
 * (SKIP LOCKED on PostgreSQL, serial write transactions on SQLite). Both dialects.
 */
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { createFlowgate, type Flowgate } from '../../src/app/flowgate.js';
import { listOutboxAttempts, listOutboxMessages } from '../../src/store/repositories/outbox.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { killAll, startScript } from '../helpers/processes.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';

for (const dialect of DIALECTS) {
  describe(`${dialect}: several senders`, () => {
    let db: TestDatabase;
    let smtp: TestSmtp;
    const open: Flowgate[] = [];

    afterEach(async () => {
      await killAll();
      await Promise.all(open.splice(0).map((f) => f.close()));
      await smtp.close();
      await db.drop();
    });

    it('two senders share the outbox: every message is sent once, by one of them', async () => {
      db = await createTestDatabase(dialect);
      smtp = await startSmtp();
      const mail = {
        smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
        from: 'flowgate@example.test',
        publicUrl: 'https://flowgate.example.test',
      };
      const client = await createFlowgate({ db: db.url, workers: false, mail });
      open.push(client);
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
      await client.startMany(
        'mailer',
        Array.from({ length: 60 }, (_, i) => ({ i })),
      );
      const sender = join(import.meta.dirname, '..', 'crash', 'mail-process.ts');
      await Promise.all([
        startScript(sender, [db.url, String(smtp.port), '5000', '5']),
        startScript(sender, [db.url, String(smtp.port), '5000', '5']),
      ]);
      await smtp.waitFor(60);
      const deadline = Date.now() + 15_000;
      let messages = await client.store.read((tx) => listOutboxMessages(tx));
      while (messages.some((m) => m.status !== 'sent')) {
        if (Date.now() > deadline) throw new Error('not every message was marked sent');
        await new Promise((resolve) => setTimeout(resolve, 50));
        messages = await client.store.read((tx) => listOutboxMessages(tx));
      }
      const ids = smtp.received.map((m) => m.parsed.messageId);
      expect(new Set(ids).size).toBe(60);
      expect(ids).toHaveLength(60);
      expect(messages.every((m) => m.attempts === 1)).toBe(true);
      const senders = new Set<string>();
      for (const message of messages) {
        const attempts = await client.store.read((tx) => listOutboxAttempts(tx, message.messageId));
        expect(attempts).toHaveLength(1);
        senders.add(attempts[0]!.sender);
      }
      expect(senders.size).toBeGreaterThanOrEqual(1);
    });
  });
}
