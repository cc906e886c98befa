/**
 * One workload on one store, in a process of its own so that its RSS is its own. Started by bench/run.ts:
 *
 *   node --import tsx bench/workload-process.ts --store sqlite --db sqlite:/tmp/x/flowgate.db --workload W1 \
 *     [--runs-scale 1] [--concurrency 200] [--timeout-ms 600000] [--cpu-prof FILE]
 *
 * Prints one line `RESULT_MARKER {json}` on stdout; progress and errors go to stderr. Exits 1 on failure.
 */
import { parseArgs } from 'node:util';

import { createFlowgate } from '../src/app/flowgate.js';
import { startProfiler, type Profiler } from './profile.js';
import {
  RESULT_MARKER,
  STORES,
  WORKLOADS,
  ordered,
  type StoreName,
  type WorkloadName,
} from './result.js';
import { TOOLS } from './kit.js';
import { workloads } from './workloads.js';

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    db: { type: 'string' },
    workload: { type: 'string' },
    'runs-scale': { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '200' },
    'timeout-ms': { type: 'string', default: '600000' },
    'cpu-prof': { type: 'string' },
  },
  strict: true,
});

const store = values.store as StoreName;
const workload = values.workload as WorkloadName;
const scale = Number(values['runs-scale']);
const concurrency = Number(values.concurrency);
const timeoutMs = Number(values['timeout-ms']);
if (!STORES.includes(store) || !WORKLOADS.includes(workload) || !values.db) {
  fail(`usage: --store ${STORES.join('|')} --workload ${WORKLOADS.join('|')} --db URL`);
}

// A last resort if something hangs with live handles: every wait below is bounded, so this never fires normally.
const giveUpMs = 3 * timeoutMs + 30_000;
setTimeout(
  () => fail(`${workload}/${store}: the workload process gave up after ${giveUpMs} ms`),
  giveUpMs,
).unref();

const workerErrors: unknown[] = [];
const flowgate = await createFlowgate({
  db: values.db,
  tools: TOOLS,
  workers: { concurrency, leaseMs: 30_000, pollMs: 1_000 },
  // N1's receiver listens on 127.0.0.1, as an operator's allow-list would let it.
  outbound: { allowedCidrs: ['127.0.0.1/32'], allowHttp: true },
  onError: (error) => {
    workerErrors.push(error);
    if (workerErrors.length <= 5) console.error(`[${workload}/${store}] worker error:`, error);
  },
});

const profilePath = values['cpu-prof'];
let profiler: Profiler | undefined;
/** Profiles one phase instead of the whole workload: the last phase measured wins. */
async function measured<T>(phase: () => Promise<T>): Promise<T> {
  if (!profilePath) return phase();
  await profiler?.discard();
  profiler = await startProfiler();
  try {
    return await phase();
  } finally {
    await profiler.stop(profilePath);
    profiler = undefined;
  }
}

try {
  if (profilePath) profiler = await startProfiler();
  const result = await workloads[workload]({
    flowgate,
    store,
    db: values.db,
    scale,
    timeoutMs,
    concurrency,
    measured,
  });
  if (profiler && profilePath) await profiler.stop(profilePath);
  process.stdout.write(
    `${RESULT_MARKER}${JSON.stringify(ordered({ ...result, workerErrors: workerErrors.length }))}\n`,
  );
} catch (error) {
  console.error(
    `[${workload}/${store}] failed:`,
    error instanceof Error ? (error.stack ?? error.message) : error,
  );
  await closeWithin(flowgate.close(), 15_000);
  process.exit(1);
}
await closeWithin(flowgate.close(), 30_000);
process.exit(0);

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

async function closeWithin(closing: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      console.error(`[${workload}/${store}] close() did not finish within ${ms} ms`);
      resolve();
    }, ms);
  });
  try {
    await Promise.race([
      closing.catch((error: unknown) => console.error('close failed:', error)),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
