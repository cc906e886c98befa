/**
 * Figures on notifications and on requests kept waiting (issue 6, item 8): deliveries sent, failed, skipped, pending
 * and retried, by channel; how long pending requests have waited; requests past their service level. The API
 * answers them over the DAGs the caller may see; Prometheus gets the unscoped totals.
 */
import type { Store } from '../store/port.js';
import {
  deliveryCounts,
  pendingAge,
  retryCounts,
  slaBreaches,
} from '../store/repositories/notification-metrics.js';
import { toIso, type Clock } from '../shared/clock.js';
import type { MetricsScope } from './metrics.js';

/** The statuses an outbox message is in: waiting (or between retries), delivered, given up, or dropped as moot. */
export const DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface ChannelDeliveries extends Readonly<Record<DeliveryStatus, number>> {
  /** `email` or `webhook`. */
  readonly channel: string;
  /** Attempts that failed and were tried again. */
  readonly retried: number;
}

export interface NotificationMetrics {
  readonly deliveries: readonly ChannelDeliveries[];
  readonly pending: {
    readonly count: number;
    /** Seconds the oldest pending request has waited; null when none waits. */
    readonly oldestSeconds: number | null;
    readonly averageSeconds: number | null;
  };
  readonly slaBreaches: {
    /** Requests escalated at least once. */
    readonly escalated: number;
    /** Requests closed by their timeout, or pending past it. */
    readonly timedOut: number;
    /** Requests escalated, timed out, or both. */
    readonly total: number;
  };
}

export async function getNotificationMetrics(
  store: Store,
  clock: Clock,
  scope: MetricsScope = {},
): Promise<NotificationMetrics> {
  const now = toIso(clock.now());
  const filter = scope.dagIds ? { dagIds: scope.dagIds } : {};
  return store.read(async (db) => {
    const byChannel = new Map<string, Record<DeliveryStatus, number> & { retried: number }>();
    const entry = (channel: string) => {
      let found = byChannel.get(channel);
      if (!found) {
        found = { pending: 0, sent: 0, failed: 0, skipped: 0, retried: 0 };
        byChannel.set(channel, found);
      }
      return found;
    };
    for (const row of await deliveryCounts(db, filter)) {
      if ((DELIVERY_STATUSES as readonly string[]).includes(row.status))
        entry(row.channel)[row.status as DeliveryStatus] += row.count;
    }
    for (const row of await retryCounts(db, filter)) entry(row.channel).retried += row.retries;
    const age = await pendingAge(db, now, filter);
    return {
      deliveries: [...byChannel]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([channel, counts]) => ({ channel, ...counts })),
      pending: {
        count: age.count,
        oldestSeconds: age.oldestSeconds,
        averageSeconds: age.averageSeconds,
      },
      slaBreaches: await slaBreaches(db, now, filter),
    };
  });
}
