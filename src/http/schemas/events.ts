/** The live event stream: what `GET /api/events` takes, and what each of its server-sent messages carries. */
import { z } from 'zod';

export const EventStreamQuery = z.object({
  workflowId: z.string().min(1).max(200).optional(),
  /** Resume after this event id (as the `Last-Event-ID` header does; the header wins). */
  after: z.coerce.number().int().min(0).optional(),
  /** For EventSource, which cannot send headers: the bearer token. */
  access_token: z.string().min(1).max(4000).optional(),
});

/** Loose: the validated headers replace the request's, which must keep Authorization. */
export const EventStreamHeaders = z.looseObject({
  'last-event-id': z
    .string()
    .regex(/^\d{1,15}$/, 'Last-Event-ID must be an event id')
    .optional(),
});

export const EventStream = z
  .string()
  .describe(
    'text/event-stream: one message per event (`id`, `event` = the event type, `data` = {id, workflowId, type, ' +
      'data, createdAt}), and a comment line as heartbeat every 15 s.',
  );
