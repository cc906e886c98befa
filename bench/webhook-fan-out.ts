/**
 * N1: webhook fan-out. Three subscriptions to `workflow.completed` on a receiver at 127.0.0.1 (allow-listed, as an
 * operator would); 1,000 runs of one noop step start at once, so 1,000 events each go to three subscriptions through
 * the outbox. Every delivery is counted by its `webhook-id`: each (subscription, run) must arrive once, and a
 * `webhook-id` twice only as a retry (the receiver never fails here, so never).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

import { chain, scaled, startInChunks, type WorkloadContext } from './kit.js';
import type { BenchResult } from './result.js';
import { RssSampler } from './rss.js';
import { percentile, round } from './stats.js';

const SUBSCRIPTIONS = 3;

interface Delivery {
  readonly webhookId: string;
  readonly path: string;
  readonly workflowId: string;
  readonly latencyMs: number;
  readonly at: number;
}

export async function webhookFanOut(ctx: WorkloadContext): Promise<BenchResult> {
  const { flowgate } = ctx;
  const runs = scaled(1_000, ctx.scale);
  const expected = runs * SUBSCRIPTIONS;
  const deliveries: Delivery[] = [];
  const receiver = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        timestamp: string;
        data: { workflowId: string };
      };
      deliveries.push({
        webhookId: String(request.headers['webhook-id']),
        path: request.url ?? '',
        workflowId: body.data.workflowId,
        // The event's transaction time (the engine's clock) to its arrival here.
        latencyMs: Date.now() - Date.parse(body.timestamp),
        at,
      });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  try {
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      await flowgate.webhooks.create({ url: `${base}/s${i}`, events: ['workflow.completed'] });
    }
    await flowgate.putDag(chain('bench_n1', ['only']));
    const rss = new RssSampler();
    const t0 = performance.now();
    await ctx.measured(async () => {
      await startInChunks(flowgate, 'bench_n1', runs);
      const deadline = t0 + ctx.timeoutMs;
      while (uniqueDeliveries(deliveries) < expected) {
        if (performance.now() > deadline) {
          throw new Error(
            `N1: ${uniqueDeliveries(deliveries)} of ${expected} deliveries after ${ctx.timeoutMs} ms`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    // Late duplicates would arrive shortly after: give them a moment to show.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const peak = rss.stop();

    const unique = uniqueDeliveries(deliveries);
    const ids = new Set(deliveries.map((d) => d.webhookId));
    const first = Math.min(...deliveries.map((d) => d.at));
    const last = Math.max(...deliveries.map((d) => d.at));
    const latencies = deliveries.map((d) => d.latencyMs);
    const deliveriesPerSec = round((unique / (last - first)) * 1000, 0);
    const lost = expected - unique;
    const duplicates = deliveries.length - unique;
    const retriedIds = deliveries.length - ids.size;
    return {
      workload: 'N1',
      store: ctx.store,
      runs,
      stepsPerSec: null,
      wallMs: round(last - t0, 1),
      p50Ms: round(percentile(latencies, 50), 1),
      p99Ms: round(percentile(latencies, 99), 1),
      rssMb: round(peak, 1),
      deliveriesPerSec,
      deliveries: deliveries.length,
      expected,
      lost,
      duplicates,
      sameIdRedeliveries: retriedIds,
      firstToLastMs: round(last - first, 1),
      notes: [
        `rate: deliveries/s (first to last delivery), ${runs} events x ${SUBSCRIPTIONS} subscriptions`,
        `p50/p99: event -> receipt; lost ${lost}, duplicates ${duplicates}`,
      ].join('; '),
    };
  } finally {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
}

/** Distinct (subscription, run) pairs received. */
function uniqueDeliveries(deliveries: readonly Delivery[]): number {
  return new Set(deliveries.map((d) => `${d.path} ${d.workflowId}`)).size;
}
