/**
 * H1: the approve endpoint under load. 10,000 runs (× --runs-scale) wait at the approver's gate; autocannon then
 * POSTs `/api/hitl/{id}/approve` with the approver's access token over 50 connections, each request deciding a
 * different pending request. Before the measured load, a warm-up of other runs is decided the same way and let finish.
 */
import { performance } from 'node:perf_hooks';

import {
  pendingRequests,
  scaled,
  startInChunks,
  waitForCounts,
  type WorkloadContext,
} from '../kit.js';
import type { BenchResult } from '../result.js';
import { RssSampler, rssMb } from '../rss.js';
import { round } from '../stats.js';
import { approvalDag, withHttp } from './harness.js';

const CONNECTIONS = 50;

/** H1: gate → step, the step run by the deciding process. */
export function approveUnderLoad(ctx: WorkloadContext): Promise<BenchResult> {
  return approveMany(ctx, 'H1', { gateOnly: false });
}

/** H1g: a gate alone, so each decision also completes its run: the endpoint's own cost, without the next step's. */
export function approveGateOnly(ctx: WorkloadContext): Promise<BenchResult> {
  return approveMany(ctx, 'H1g', { gateOnly: true });
}

async function approveMany(
  ctx: WorkloadContext,
  workload: 'H1' | 'H1g',
  shape: { gateOnly: boolean },
): Promise<BenchResult> {
  const { flowgate } = ctx;
  const dagId = `bench_${workload.toLowerCase()}`;
  const decisions = Math.max(CONNECTIONS, scaled(10_000, ctx.scale));
  // Enough for the JIT and the statement cache to settle; not counted.
  const warmup = Math.max(CONNECTIONS, Math.round(decisions / 20));
  const total = decisions + warmup;
  await flowgate.putDag(approvalDag(dagId, shape));

  const t0 = performance.now();
  await startInChunks(flowgate, dagId, total);
  await waitForCounts(
    ctx,
    `all ${total} ${workload} runs at the gate`,
    (c) => (c.paused ?? 0) >= total,
  );
  const requests = (await pendingRequests(flowgate)).map((r) => r.requestId);
  if (requests.length !== total)
    throw new Error(`${workload}: expected ${total} pending requests, found ${requests.length}`);
  const prepareMs = performance.now() - t0;

  return withHttp(flowgate, async (server, client) => {
    const approve = (requestIds: readonly string[]) =>
      client.call(
        {
          kind: 'approve',
          url: server.url,
          token: server.approverToken,
          requestIds,
          connections: CONNECTIONS,
        },
        ctx.timeoutMs,
      );
    await approve(requests.slice(0, warmup));
    await waitForCounts(ctx, `the ${warmup} warm-up runs`, (c) => (c.completed ?? 0) >= warmup);

    const baseline = rssMb();
    const rss = new RssSampler();
    const loadStart = performance.now();
    const cpuBefore = process.cpuUsage();
    const load = await ctx.measured(() => approve(requests.slice(warmup)));
    const peak = rss.stop();
    // The decisions were real: every run goes on to its step and completes.
    await waitForCounts(
      ctx,
      `all ${total} ${workload} runs completed`,
      (c) => (c.completed ?? 0) >= total,
    );
    const allCompletedMs = performance.now() - loadStart;
    // This process serves the API and runs the workers: its CPU time from the first decision to the last run's end,
    // per decision, holds up on a busy machine where the rate does not.
    const cpu = process.cpuUsage(cpuBefore);
    const cpuUsPerDecision = round((cpu.user + cpu.system) / decisions, 0);

    const decisionsPerSec = round((load.ok2xx / load.durationMs) * 1000, 0);
    const problems = [
      load.non2xx > 0 ? `NON-2XX ${load.non2xx} ${JSON.stringify(load.statusCodes)}` : '',
      load.errors > 0 ? `ERRORS ${load.errors} (timeouts ${load.timeouts})` : '',
    ].filter(Boolean);
    return {
      workload,
      store: ctx.store,
      runs: decisions,
      stepsPerSec: null,
      wallMs: load.durationMs,
      p50Ms: load.p50Ms,
      p99Ms: load.p99Ms,
      rssMb: round(peak, 1),
      decisionsPerSec,
      non2xx: load.non2xx,
      errors: load.errors,
      timeouts: load.timeouts,
      statusCodes: load.statusCodes,
      maxMs: load.maxMs,
      connections: CONNECTIONS,
      warmupDecisions: warmup,
      allCompletedMs: round(allCompletedMs, 1),
      cpuUsPerDecision,
      prepareMs: round(prepareMs, 1),
      rssBaselineMb: round(baseline, 1),
      concurrency: ctx.concurrency,
      notes: [
        `rate: decisions/s (2xx / load time), ${CONNECTIONS} connections`,
        `p50/p99: response latency; non-2xx ${load.non2xx}`,
        `server CPU ${cpuUsPerDecision} µs per decision, run completed`,
        ...problems,
      ].join('; '),
    };
  });
}
