/**
 * A worker process for the crash and scale-out suites: runs Flowgate workers on the database named by argv[2] and
 * logs every step it starts and finishes to the file named by argv[3] (one JSON line each, appended synchronously so
 * that a SIGKILL loses nothing written before it). Prints "ready" once its workers run.
 */
import { appendFileSync } from 'node:fs';

import { createFlowgate } from '../../src/app/flowgate.js';

const [, , db, log, leaseMs = '1000', stepMs = '30'] = process.argv;
if (!db || !log) throw new Error('usage: worker-process DB LOG [LEASE_MS] [STEP_MS]');

const step = async (
  input: unknown,
  ctx: { workflowId: string; nodeId: string; attempt: number },
) => {
  const entry = {
    workflowId: ctx.workflowId,
    nodeId: ctx.nodeId,
    attempt: ctx.attempt,
    pid: process.pid,
  };
  appendFileSync(log, `${JSON.stringify({ ...entry, at: 'start', t: Date.now() })}\n`);
  await new Promise((resolve) => setTimeout(resolve, Number(stepMs)));
  appendFileSync(log, `${JSON.stringify({ ...entry, at: 'end', t: Date.now() })}\n`);
  return { from: process.pid, input };
};

const flowgate = await createFlowgate({
  db,
  tools: { step },
  workers: { leaseMs: Number(leaseMs), pollMs: 100, concurrency: 20 },
  onError: (error) => process.stderr.write(`worker error: ${String(error)}\n`),
});
const stop = () => {
  void flowgate.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdout.write('ready\n');
