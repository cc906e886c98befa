/**
 * A worker process that sends mail, for the outbox crash suite: Flowgate workers and the delivery loop on the
 * database named by argv[2], mailing through the SMTP server on 127.0.0.1:argv[3]. Prints "ready" once running.
 */
import { createFlowgate } from '../../src/app/flowgate.js';

const [, , db, port, leaseMs = '1000', batch = '50'] = process.argv;
if (!db || !port) throw new Error('usage: mail-process DB SMTP_PORT [LEASE_MS] [BATCH]');

const flowgate = await createFlowgate({
  db,
  workers: { leaseMs: 2_000, pollMs: 100 },
  mail: {
    smtpUrl: `smtp://127.0.0.1:${port}`,
    from: 'flowgate@example.test',
    publicUrl: 'https://flowgate.example.test',
    delivery: {
      pollMs: 100,
      leaseMs: Number(leaseMs),
      batch: Number(batch),
      backoff: { backoffMs: 100, maxBackoffMs: 500 },
    },
  },
  onError: (error) => process.stderr.write(`worker error: ${String(error)}\n`),
});
const stop = () => {
  void flowgate.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdout.write('ready\n');
