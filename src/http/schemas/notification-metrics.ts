/** Notification figures: deliveries by channel, pending requests' age, SLA breaches. */
import { z } from 'zod';

const count = z.number().int();

export const NotificationMetrics = z
  .object({
    deliveries: z
      .array(
        z.object({
          channel: z.string().describe('`email` or `webhook`.'),
          pending: count.describe('Waiting to be sent, or between retries.'),
          sent: count,
          failed: count.describe('Given up: attempts ran out, or a permanent refusal.'),
          skipped: count.describe('Dropped as moot (the request closed, the subscription went).'),
          retried: count.describe('Attempts that failed and were tried again.'),
        }),
      )
      .readonly(),
    pending: z.object({
      count: count.describe('HITL requests waiting for a decision.'),
      oldestSeconds: z.number().nullable().describe('How long the oldest has waited.'),
      averageSeconds: z.number().nullable(),
    }),
    slaBreaches: z.object({
      escalated: count.describe('Requests escalated at least once.'),
      timedOut: count.describe('Requests closed by their timeout, or still pending past it.'),
      total: count.describe('Requests escalated, timed out, or both.'),
    }),
  })
  .describe('Notification figures over the DAGs the caller may see');
