/**
 * The Prometheus side of monitoring: a registry of this server's own (never prom-client's global one, so that two
 * servers in a process, or a host application's metrics, do not collide), with the process's default metrics, gauges
 * read from the store at scrape time (runs by status, pending HITL requests) and a histogram of HTTP request
 * durations that `hook(app)` records. Only aggregate numbers: no ids, names or users leave through `/metrics`.
 */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { GaugeCounts } from '../app/metrics.js';
import type { NotificationMetrics } from '../app/notification-metrics.js';

export interface MetricsCollectorOptions {
  /** Reads the gauges' figures; called at most once per scrape. */
  readonly readCounts: () => Promise<GaugeCounts>;
  /** Reads the notification gauges' figures (deliveries, pending age, SLA breaches); absent: no such gauges. */
  readonly readNotifications?: () => Promise<NotificationMetrics>;
  /** Process metrics (CPU, memory, event loop lag, ...); default true. */
  readonly defaultMetrics?: boolean;
  /** Histogram buckets in seconds. */
  readonly buckets?: readonly number[];
}

const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class MetricsCollector {
  readonly registry = new Registry();
  readonly #requests: Histogram<'method' | 'route' | 'status'>;

  constructor(options: MetricsCollectorOptions) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    // Both gauges read the same counts; one read per scrape serves them.
    let pendingRead: Promise<GaugeCounts> | undefined;
    const counts = () => {
      pendingRead ??= options.readCounts().finally(() => {
        pendingRead = undefined;
      });
      return pendingRead;
    };
    const runs: Gauge<'status'> = new Gauge({
      name: 'flowgate_runs',
      help: 'Workflow runs by status.',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const { runs: rows } = await counts();
        runs.reset();
        for (const row of rows) runs.set({ status: row.status }, row.count);
      },
    });
    const pending: Gauge = new Gauge({
      name: 'flowgate_hitl_pending',
      help: 'HITL requests waiting for a decision.',
      registers: [this.registry],
      async collect() {
        pending.set((await counts()).pendingHitl);
      },
    });
    if (options.readNotifications) this.#notificationGauges(options.readNotifications);
    this.#aiCounters(counts);
    this.#requests = new Histogram({
      name: 'flowgate_http_request_duration_seconds',
      help: 'HTTP request durations by method, route (as registered) and status code.',
      labelNames: ['method', 'route', 'status'],
      buckets: [...(options.buckets ?? DEFAULT_BUCKETS)],
      registers: [this.registry],
    });
  }

  /** Deliveries by channel and status, retries by channel, the oldest pending request's age, SLA breaches. */
  #notificationGauges(read: () => Promise<NotificationMetrics>): void {
    let pendingRead: Promise<NotificationMetrics> | undefined;
    const figures = () => {
      pendingRead ??= read().finally(() => {
        pendingRead = undefined;
      });
      return pendingRead;
    };
    const registers = [this.registry];
    const deliveries: Gauge<'channel' | 'status'> = new Gauge({
      name: 'flowgate_deliveries',
      help: 'Outbox messages (mail, webhooks) by channel and status: pending, sent, failed, skipped.',
      labelNames: ['channel', 'status'],
      registers,
      async collect() {
        const rows = (await figures()).deliveries;
        deliveries.reset();
        for (const row of rows) {
          for (const status of ['pending', 'sent', 'failed', 'skipped'] as const)
            deliveries.set({ channel: row.channel, status }, row[status]);
        }
      },
    });
    const retried: Gauge<'channel'> = new Gauge({
      name: 'flowgate_delivery_retries',
      help: 'Delivery attempts that failed and were tried again, by channel.',
      labelNames: ['channel'],
      registers,
      async collect() {
        const rows = (await figures()).deliveries;
        retried.reset();
        for (const row of rows) retried.set({ channel: row.channel }, row.retried);
      },
    });
    const oldest: Gauge = new Gauge({
      name: 'flowgate_hitl_oldest_pending_seconds',
      help: 'How long the oldest pending HITL request has waited (0 when none waits).',
      registers,
      async collect() {
        oldest.set((await figures()).pending.oldestSeconds ?? 0);
      },
    });
    const breaches: Gauge<'kind'> = new Gauge({
      name: 'flowgate_hitl_sla_breaches',
      help: 'HITL requests past their service level: escalated, timed_out, or total (either).',
      labelNames: ['kind'],
      registers,
      async collect() {
        const { escalated, timedOut, total } = (await figures()).slaBreaches;
        breaches.set({ kind: 'escalated' }, escalated);
        breaches.set({ kind: 'timed_out' }, timedOut);
        breaches.set({ kind: 'total' }, total);
      },
    });
  }

  /**
   * AI calls, tokens and cost by source (`runs`: AI nodes; `planner`: drafting plans), provider and model. They are
   * totals kept in the store (every worker process's calls, this one's or not), set at each scrape: they only grow,
   * except when retention deletes old runs, which Prometheus reads as a counter reset.
   */
  #aiCounters(counts: () => Promise<GaugeCounts>): void {
    const registers = [this.registry];
    const calls: Counter<'source' | 'provider' | 'model' | 'status'> = new Counter({
      name: 'flowgate_ai_calls_total',
      help: 'AI model calls (every try) by source (runs, planner), provider, model and status (completed, failed).',
      labelNames: ['source', 'provider', 'model', 'status'],
      registers,
      async collect() {
        const rows = (await counts()).aiUsage;
        calls.reset();
        for (const row of rows) {
          const labels = { source: row.source, provider: row.provider, model: row.model };
          calls.inc({ ...labels, status: 'completed' }, row.calls - row.failedCalls);
          if (row.failedCalls > 0) calls.inc({ ...labels, status: 'failed' }, row.failedCalls);
        }
      },
    });
    const tokens: Counter<'source' | 'provider' | 'model' | 'type'> = new Counter({
      name: 'flowgate_ai_tokens_total',
      help: 'AI tokens by source, provider, model and type (input, output, cached_input, reasoning).',
      labelNames: ['source', 'provider', 'model', 'type'],
      registers,
      async collect() {
        const rows = (await counts()).aiUsage;
        tokens.reset();
        for (const row of rows) {
          const labels = { source: row.source, provider: row.provider, model: row.model };
          tokens.inc({ ...labels, type: 'input' }, row.inputTokens);
          tokens.inc({ ...labels, type: 'output' }, row.outputTokens);
          tokens.inc({ ...labels, type: 'cached_input' }, row.cachedInputTokens);
          tokens.inc({ ...labels, type: 'reasoning' }, row.reasoningTokens);
        }
      },
    });
    const cost: Counter<'source' | 'provider' | 'model'> = new Counter({
      name: 'flowgate_ai_cost_usd_total',
      help: 'AI cost in US dollars by source, provider and model, over the priced calls.',
      labelNames: ['source', 'provider', 'model'],
      registers,
      async collect() {
        const rows = (await counts()).aiUsage;
        cost.reset();
        for (const row of rows) {
          cost.inc({ source: row.source, provider: row.provider, model: row.model }, row.costUsd);
        }
      },
    });
    const unpriced: Counter<'source' | 'provider' | 'model'> = new Counter({
      name: 'flowgate_ai_unpriced_calls_total',
      help: 'Completed AI calls without a known price (their cost is missing from flowgate_ai_cost_usd_total).',
      labelNames: ['source', 'provider', 'model'],
      registers,
      async collect() {
        const rows = (await counts()).aiUsage;
        unpriced.reset();
        for (const row of rows) {
          unpriced.inc(
            { source: row.source, provider: row.provider, model: row.model },
            row.unpricedCalls,
          );
        }
      },
    });
  }

  /**
   * Records every response's duration. Call on the root instance before `ready()`. The route label is the route as
   * registered (`/api/workflows/:id`), never the URL, so that ids do not multiply the series; unmatched URLs share
   * one label.
   */
  hook(app: FastifyInstance): void {
    app.addHook('onResponse', (request, reply, done) => {
      this.#requests.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for a scrape. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
