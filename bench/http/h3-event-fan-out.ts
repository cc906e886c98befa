/**
 * H3: SSE fan-out. 100 subscribers (the approver's token) open `GET /api/events?after=<newest id>`; then 1,000 runs
 * (× --runs-scale) of a two-step DAG are started, 100 per `startMany`, and run to completion. The events committed
 * meanwhile (read back from the table, in id order) are what every subscriber must receive: each id exactly once, in
 * order. Latency is from each event's `createdAt` (its transaction's clock reading, just before the commit) to its
 * receipt by the subscriber.
 */
import { performance } from 'node:perf_hooks';

import type { Flowgate } from '../../src/app/flowgate.js';
import { latestEventId } from '../../src/store/repositories/event-feed.js';
import { chain, scaled, startInChunks, waitForCounts, type WorkloadContext } from '../kit.js';
import type { BenchResult } from '../result.js';
import { RssSampler, rssMb } from '../rss.js';
import { round } from '../stats.js';
import { withHttp } from './harness.js';

const SUBSCRIBERS = 100;
const CHUNK = 100;
/** After the runs completed, how long the streams may take to catch up before what is missing counts as dropped. */
const SETTLE_MS = 30_000;

export async function eventFanOut(ctx: WorkloadContext): Promise<BenchResult> {
  const { flowgate } = ctx;
  const runs = scaled(1000, ctx.scale);
  await flowgate.putDag(chain('bench_h3', ['s1', 's2']));

  return withHttp(flowgate, async (server, client) => {
    const afterId = await flowgate.store.read((db) => latestEventId(db));
    await client.call(
      {
        kind: 'subscribe',
        url: server.url,
        token: server.approverToken,
        subscribers: SUBSCRIBERS,
        afterId,
      },
      ctx.timeoutMs,
    );
    const baseline = rssMb();
    const rss = new RssSampler();
    const startedAt = performance.timeOrigin + performance.now();
    await startInChunks(flowgate, 'bench_h3', runs, CHUNK);
    await waitForCounts(ctx, `all ${runs} H3 runs completed`, (c) => (c.completed ?? 0) >= runs);
    const generateMs = performance.timeOrigin + performance.now() - startedAt;
    const expectedIds = await eventIdsAfter(flowgate, afterId);
    const got = await client.call(
      { kind: 'collect', expectedIds, settleMs: Math.min(SETTLE_MS, ctx.timeoutMs) },
      ctx.timeoutMs + SETTLE_MS,
    );
    const peak = rss.stop();
    const wallMs = got.lastReceiptAt - startedAt;
    const messages = expectedIds.length * SUBSCRIBERS - got.dropped;
    const problems = [
      got.dropped > 0 ? `DROPPED ${got.dropped}` : '',
      got.duplicates > 0 ? `DUPLICATES ${got.duplicates}` : '',
      got.outOfOrder > 0 ? `OUT OF ORDER ${got.outOfOrder}` : '',
      got.unexpected > 0 ? `UNEXPECTED ${got.unexpected}` : '',
      got.streamsEnded > 0 ? `${got.streamsEnded} STREAMS ENDED EARLY` : '',
    ].filter(Boolean);
    return {
      workload: 'H3',
      store: ctx.store,
      runs,
      stepsPerSec: null,
      wallMs: round(wallMs, 1),
      p50Ms: got.p50Ms,
      p99Ms: got.p99Ms,
      rssMb: round(peak, 1),
      subscribers: got.subscribers,
      eventsExpected: expectedIds.length,
      minDelivered: got.minDelivered,
      maxDelivered: got.maxDelivered,
      dropped: got.dropped,
      duplicates: got.duplicates,
      outOfOrder: got.outOfOrder,
      unexpected: got.unexpected,
      streamsEndedEarly: got.streamsEnded,
      maxMs: got.maxMs,
      messagesPerSec: round((messages / wallMs) * 1000, 0),
      generateMs: round(generateMs, 1),
      clientCpuMs: got.clientCpuMs,
      rssBaselineMb: round(baseline, 1),
      concurrency: ctx.concurrency,
      notes: [
        `${SUBSCRIBERS} subscribers x ${expectedIds.length} events; delivered min ${got.minDelivered} max ${got.maxDelivered}, dropped ${got.dropped}`,
        'p50/p99: createdAt -> receipt; wall: first start -> last receipt',
        ...problems,
      ].join('; '),
    };
  });
}

/** The ids of the events committed after `afterId`, in order: what every subscriber should have received. */
async function eventIdsAfter(flowgate: Flowgate, afterId: number): Promise<number[]> {
  const rows = await flowgate.store.read((db) =>
    db.selectFrom('workflow_events').select('id').where('id', '>', afterId).orderBy('id').execute(),
  );
  return rows.map((row) => Number(row.id));
}
