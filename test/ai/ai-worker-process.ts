/**
 * A worker process for the AI crash test: runs Flowgate workers on the database named by argv[2], with the OpenAI
 * provider pointed at the fake model server at argv[4], and a `charge` tool that appends its idempotency key to the
 * file named by argv[3] (synchronously, so a SIGKILL loses nothing written before it). Prints "ready".
 */
import { appendFileSync } from 'node:fs';

import { createFlowgate } from '../../src/app/flowgate.js';

const [, , db, log, baseURL] = process.argv;
if (!db || !log || !baseURL) throw new Error('usage: ai-worker-process DB LOG BASE_URL');

const flowgate = await createFlowgate({
  db,
  ai: { providers: { openai: { apiKey: 'test', baseURL } }, retry: { baseDelayMs: 20 } },
  tools: {
    charge: {
      description: 'Charges an amount',
      inputSchema: {
        type: 'object',
        properties: { amount: { type: 'number' } },
        required: ['amount'],
      },
      run: (input: { amount: number }, ctx) => {
        appendFileSync(log, `${JSON.stringify({ key: ctx.idempotencyKey, pid: process.pid })}\n`);
        return { charged: input.amount };
      },
    },
  },
  workers: { leaseMs: 1_000, pollMs: 100 },
  scheduler: false,
  retention: false,
  onError: (error) => process.stderr.write(`worker error: ${String(error)}\n`),
});
const stop = () => {
  void flowgate.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdout.write('ready\n');
