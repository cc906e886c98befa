/**
 * The workloads. Each runs against a fresh Flowgate (and a fresh database) made by the workload process, and returns
 * its figures: W1–W4 here, through the library API; H1–H3 in http/, over HTTP. Single runs are awaited with
 * `waitFor`, everything else with the bounded waits of kit.ts.
 */
import { performance } from 'node:perf_hooks';

import type { Flowgate } from '../src/app/flowgate.js';
import { approveGateOnly, approveUnderLoad } from './http/h1-approve.js';
import { webhookFanOut } from './webhook-fan-out.js';
import { raiseCost } from './raise-cost.js';
import { pendingListing } from './http/h2-pending-list.js';
import { eventFanOut } from './http/h3-event-fan-out.js';
import { uiMeasurements } from './ui/u1-ui.js';
import {
  chain,
  inputs,
  pendingRequests,
  scaled,
  startInChunks,
  tool,
  waitForCounts,
  type WorkloadContext,
} from './kit.js';
import { RssSampler, rssMb } from './rss.js';
import type { BenchResult, WorkloadName } from './result.js';
import { median, percentile, round } from './stats.js';

export const workloads: Record<WorkloadName, (ctx: WorkloadContext) => Promise<BenchResult>> = {
  W1: sequentialSteps,
  W2: humanGate,
  W3: fanOutJoin,
  W4: manyPaused,
  H1: approveUnderLoad,
  H1g: approveGateOnly,
  H2: pendingListing,
  H3: eventFanOut,
  N1: webhookFanOut,
  N2: raiseCost,
  U1: uiMeasurements,
};

/** W1: 1,000 runs of three sequential noop steps, all started in one `startMany`. */
async function sequentialSteps(ctx: WorkloadContext): Promise<BenchResult> {
  const { flowgate } = ctx;
  const runs = scaled(1000, ctx.scale);
  const steps = runs * 3;
  await flowgate.putDag(chain('bench_w1', ['s1', 's2', 's3']));
  const baseline = rssMb();
  const rss = new RssSampler();

  const t0 = performance.now();
  const epoch = Date.now();
  const started = await flowgate.startMany('bench_w1', inputs(runs));
  const startMs = performance.now() - t0;
  await waitForCounts(ctx, `all ${runs} W1 runs completed`, (c) => (c.completed ?? 0) >= runs);
  const wallMs = performance.now() - t0;
  const peak = rss.stop();

  // Run latency: from just before `startMany` to the run's completion time as the engine recorded it.
  const completedAt = await completionTimes(flowgate, new Set(started.map((s) => s.workflowId)));
  const latencies = [...completedAt.values()].map((t) => t - epoch);
  return {
    workload: 'W1',
    store: ctx.store,
    runs,
    stepsPerSec: round((steps / wallMs) * 1000, 0),
    wallMs: round(wallMs, 1),
    p50Ms: round(percentile(latencies, 50), 1),
    p99Ms: round(percentile(latencies, 99), 1),
    rssMb: round(peak, 1),
    steps,
    startManyMs: round(startMs, 1),
    rssBaselineMb: round(baseline, 1),
    concurrency: ctx.concurrency,
    notes: `p50/p99: run latency (startMany -> completed_at); startMany ${Math.round(startMs)} ms`,
  };
}

/** W2: 500 runs of step → human gate → step; all paused, then approved one at a time. */
async function humanGate(ctx: WorkloadContext): Promise<BenchResult> {
  const { flowgate } = ctx;
  const runs = scaled(500, ctx.scale);
  await flowgate.putDag(gated('bench_w2'));
  const baseline = rssMb();
  const rss = new RssSampler();

  const t0 = performance.now();
  const started = await flowgate.startMany('bench_w2', inputs(runs));
  await waitForCounts(
    ctx,
    `all ${runs} W2 runs paused at the gate`,
    (c) => (c.paused ?? 0) >= runs,
  );
  const allPausedMs = performance.now() - t0;

  const ours = new Set(started.map((s) => s.workflowId));
  const requests = (await pendingRequests(flowgate)).filter((r) => ours.has(r.workflowId));
  if (requests.length !== runs) {
    throw new Error(`W2: expected ${runs} pending requests, found ${requests.length}`);
  }

  const resume: number[] = [];
  const approve: number[] = [];
  for (const request of requests) {
    const before = performance.now();
    await flowgate.approve(request.requestId, 'user', { comment: 'bench' });
    const decided = performance.now();
    const run = await flowgate.waitFor(request.workflowId, {
      until: ['completed', 'failed', 'cancelled'],
      timeoutMs: ctx.timeoutMs,
    });
    if (run.status !== 'completed')
      throw new Error(`W2: run ${run.workflowId} ended ${run.status}: ${run.error}`);
    resume.push(performance.now() - before);
    approve.push(decided - before);
  }
  const wallMs = performance.now() - t0;
  const peak = rss.stop();
  return {
    workload: 'W2',
    store: ctx.store,
    runs,
    stepsPerSec: null,
    wallMs: round(wallMs, 1),
    p50Ms: round(percentile(resume, 50), 2),
    p99Ms: round(percentile(resume, 99), 2),
    rssMb: round(peak, 1),
    allPausedMs: round(allPausedMs, 1),
    approvePhaseMs: round(wallMs - allPausedMs, 1),
    approveP50Ms: round(percentile(approve, 50), 2),
    approveP99Ms: round(percentile(approve, 99), 2),
    rssBaselineMb: round(baseline, 1),
    concurrency: ctx.concurrency,
    notes:
      `allPaused ${Math.round(allPausedMs)} ms; p50/p99: resume (approve -> completed); ` +
      `approve() alone p50 ${round(percentile(approve, 50), 2)} ms`,
  };
}

/** W3: one run of 100 parallel steps and a join, five times. */
async function fanOutJoin(ctx: WorkloadContext): Promise<BenchResult> {
  const { flowgate } = ctx;
  const width = 100;
  const repetitions = 5;
  const branches = Array.from({ length: width }, (_, i) => `p${String(i).padStart(3, '0')}`);
  await flowgate.putDag({
    dag_id: 'bench_w3',
    nodes: [...branches.map((id) => tool(id, [])), tool('join', branches)],
  });
  const baseline = rssMb();
  const rss = new RssSampler();
  const times: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const t0 = performance.now();
    const { workflowId } = await flowgate.start('bench_w3', { input: { i } });
    const run = await flowgate.waitFor(workflowId, { timeoutMs: ctx.timeoutMs });
    if (run.status !== 'completed')
      throw new Error(`W3: run ${workflowId} ended ${run.status}: ${run.error}`);
    times.push(performance.now() - t0);
  }
  const peak = rss.stop();
  const wallMs = median(times);
  return {
    workload: 'W3',
    store: ctx.store,
    runs: 1,
    stepsPerSec: round(((width + 1) / wallMs) * 1000, 0),
    wallMs: round(wallMs, 1),
    p50Ms: round(percentile(times, 50), 1),
    p99Ms: round(percentile(times, 99), 1),
    rssMb: round(peak, 1),
    repetitions,
    timesMs: times.map((t) => round(t, 1)),
    rssBaselineMb: round(baseline, 1),
    concurrency: ctx.concurrency,
    notes: `${width} parallel + join; wall = median of ${repetitions}; p50/p99 over repetitions`,
  };
}

/** W4: 10,000 runs paused at a gate (started 1,000 at a time); memory, and listing the first page of requests. */
async function manyPaused(ctx: WorkloadContext): Promise<BenchResult> {
  const { flowgate } = ctx;
  const runs = scaled(10_000, ctx.scale);
  const chunk = 1000;
  const listings = 100;
  await flowgate.putDag(gated('bench_w4'));
  const baseline = rssMb();
  const rss = new RssSampler();

  const t0 = performance.now();
  await startInChunks(flowgate, 'bench_w4', runs, chunk);
  const startCallsMs = performance.now() - t0;
  await waitForCounts(
    ctx,
    `all ${runs} W4 runs paused at the gate`,
    (c) => (c.paused ?? 0) >= runs,
  );
  const allPausedMs = performance.now() - t0;
  const rssAfter = rss.sample() / (1024 * 1024);

  const listMs: number[] = [];
  for (let i = 0; i < listings; i++) {
    const before = performance.now();
    const page = await flowgate.listHitl({ status: 'pending', limit: 50 });
    listMs.push(performance.now() - before);
    if (page.items.length !== Math.min(50, runs)) {
      throw new Error(
        `W4: the first page held ${page.items.length} requests, not ${Math.min(50, runs)}`,
      );
    }
  }
  const peak = rss.stop();
  return {
    workload: 'W4',
    store: ctx.store,
    runs,
    stepsPerSec: round((runs / allPausedMs) * 1000, 0),
    wallMs: round(allPausedMs, 1),
    p50Ms: round(percentile(listMs, 50), 2),
    p99Ms: round(percentile(listMs, 99), 2),
    rssMb: round(rssAfter, 1),
    allPausedMs: round(allPausedMs, 1),
    startManyTotalMs: round(startCallsMs, 1),
    peakRssMb: round(peak, 1),
    rssBaselineMb: round(baseline, 1),
    concurrency: ctx.concurrency,
    notes:
      `wall = until all paused (steps/s: first steps); p50/p99: listHitl 50 of ${runs} pending; ` +
      `RSS after all paused (peak ${round(peak, 1)})`,
  };
}

// ---------------------------------------------------------------------------------------------------------------

function gated(dagId: string) {
  return {
    dag_id: dagId,
    nodes: [
      tool('s1', []),
      {
        node_id: 'gate',
        node_type: 'human_in_loop',
        config: { message: 'Go on?' },
        dependencies: ['s1'],
      },
      tool('s2', ['gate']),
    ],
  };
}

/** The `completedAt` (epoch ms) of the given runs, read through the API's pages. */
async function completionTimes(
  flowgate: Flowgate,
  ids: ReadonlySet<string>,
): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  let cursor: string | undefined;
  do {
    const page = await flowgate.listWorkflows({
      status: 'completed',
      limit: 500,
      ...(cursor ? { cursor } : {}),
    });
    for (const run of page.items) {
      if (ids.has(run.workflowId) && run.completedAt)
        times.set(run.workflowId, Date.parse(run.completedAt));
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  if (times.size !== ids.size)
    throw new Error(`Found the completion time of ${times.size} of ${ids.size} runs`);
  return times;
}
