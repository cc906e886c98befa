/**
 * H2: the pending list with 100,000 pending requests (× --runs-scale). They are made the way production makes them,
 * by `startMany` of the approval DAG (its gate comes first, so each start commits the run, its nodes, the request and
 * the events at once), 1,000 runs a transaction. Then `GET /api/hitl?status=pending` (the first page, default limit)
 * is timed 200 times one after the other after a warm-up: as the approver (a plain user, so the list is filtered by
 * the DAGs they may see), and, as an extra figure, as the admin (no filter).
 */
import { performance } from 'node:perf_hooks';

import { scaled, startInChunks, waitForCounts, type WorkloadContext } from '../kit.js';
import type { BenchResult } from '../result.js';
import { RssSampler, rssMb } from '../rss.js';
import { round } from '../stats.js';
import { approvalDag, withHttp } from './harness.js';

const PATH = '/api/hitl?status=pending';
/** The API's default page size. */
const PAGE = 50;
const WARMUP = 50;
const REQUESTS = 200;

export async function pendingListing(ctx: WorkloadContext): Promise<BenchResult> {
  const { flowgate } = ctx;
  const rows = Math.max(PAGE + 1, scaled(100_000, ctx.scale));
  await flowgate.putDag(approvalDag('bench_h2'));

  const t0 = performance.now();
  await startInChunks(flowgate, 'bench_h2', rows);
  await waitForCounts(ctx, `all ${rows} H2 runs at the gate`, (c) => (c.paused ?? 0) >= rows);
  const seedMs = performance.now() - t0;

  return withHttp(flowgate, async (server, client) => {
    const list = (token: string) =>
      client.call(
        {
          kind: 'list',
          url: server.url,
          path: PATH,
          token,
          warmup: WARMUP,
          count: REQUESTS,
          expectItems: PAGE,
        },
        ctx.timeoutMs,
      );
    const baseline = rssMb();
    const rss = new RssSampler();
    const approver = await list(server.approverToken);
    const admin = await list(server.adminToken);
    const peak = rss.stop();
    return {
      workload: 'H2',
      store: ctx.store,
      runs: rows,
      stepsPerSec: null,
      wallMs: approver.totalMs,
      p50Ms: approver.p50Ms,
      p99Ms: approver.p99Ms,
      rssMb: round(peak, 1),
      pendingRows: rows,
      requests: REQUESTS,
      maxMs: approver.maxMs,
      adminP50Ms: admin.p50Ms,
      adminP99Ms: admin.p99Ms,
      pageBytes: approver.bytes,
      seedMs: round(seedMs, 1),
      rssBaselineMb: round(baseline, 1),
      concurrency: ctx.concurrency,
      notes:
        `p50/p99: GET ${PATH} first page (${PAGE}) of ${rows} as the approver, ${REQUESTS} in a row; ` +
        `as admin p50 ${admin.p50Ms} / p99 ${admin.p99Ms} ms; seeded in ${Math.round(seedMs / 1000)} s`,
    };
  });
}
