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
    'text/event-stream: one message per event (`event` = the event type, `data` = {id, workflowId, type, data, ' +
      'createdAt}, `id` = where to resume: everything up to it was sent, so it may trail `data.id` while an earlier ' +
      'event is still being committed elsewhere; a client that resumes may see an event twice and drops it by ' +
      '`data.id`), and a comment line as heartbeat every 15 s. A client that falls more than 10,000 events behind ' +
      'gets `event: stream_error` with `data` = {code: "SLOW_CONSUMER", message, resumeAfter}, and the stream ends: ' +
      'reconnect with `Last-Event-ID` to catch up from the database.',
  );
