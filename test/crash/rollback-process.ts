/**
 * A worker process for the rollback crash suite: runs Flowgate workers on the database named by argv[2], logging
 * every step and compensation it starts and finishes to the file named by argv[3] (one JSON line each, appended
 * synchronously so that a SIGKILL loses nothing written before it). With argv[5] = `block`, the compensation of node
 * `b` never finishes: the process is killed while it runs. Prints "ready" once its workers run.
 */
import { appendFileSync } from 'node:fs';

import { createFlowgate } from '../../src/app/flowgate.js';

const [, , db, log, leaseMs = '1000', mode = 'normal'] = process.argv;
if (!db || !log) throw new Error('usage: rollback-process DB LOG [LEASE_MS] [block|normal]');

interface Ctx {
  workflowId: string;
  nodeId: string;
  attempt: number;
  idempotencyKey: string;
}

function write(kind: string, ctx: Ctx, at: 'start' | 'end') {
  const entry = { kind, nodeId: ctx.nodeId, attempt: ctx.attempt, key: ctx.idempotencyKey };
  appendFileSync(log!, `${JSON.stringify({ ...entry, pid: process.pid, at })}\n`);
}

const flowgate = await createFlowgate({
  db,
  tools: {
    step: (input: unknown, ctx: Ctx) => {
      write('step', ctx, 'start');
      write('step', ctx, 'end');
      return { input };
    },
    undo: async (_input: unknown, ctx: Ctx) => {
      write('undo', ctx, 'start');
      if (mode === 'block' && ctx.nodeId === 'b') await new Promise(() => undefined);
      write('undo', ctx, 'end');
      return { undone: ctx.nodeId };
    },
  },
  workers: { leaseMs: Number(leaseMs), pollMs: 100, concurrency: 20 },
  onError: (error) => process.stderr.write(`worker error: ${String(error)}\n`),
});
const stop = () => {
  void flowgate.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdout.write('ready\n');
