/**
 * What the workload process (the server) asks of the client process (the load), over the fork IPC channel: one
 * command at a time, each answered by one reply. The client keeps state between commands (the SSE subscribers stay
 * open from `subscribe` to `collect`).
 */

/** H1: POST `/api/hitl/{id}/approve` once for each id, `connections` at a time (autocannon). */
export interface ApproveCommand {
  readonly kind: 'approve';
  readonly url: string;
  readonly token: string;
  readonly requestIds: readonly string[];
  readonly connections: number;
}

export interface ApproveReply {
  readonly durationMs: number;
  readonly requests: number;
  readonly ok2xx: number;
  readonly non2xx: number;
  /** Responses by status code (`{"200": 9990, "409": 10}`). */
  readonly statusCodes: Readonly<Record<string, number>>;
  /** Connection errors and timeouts (no response at all). */
  readonly errors: number;
  readonly timeouts: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** H2: GET `path` `count` times, one after the other, after `warmup` unmeasured ones. */
export interface ListCommand {
  readonly kind: 'list';
  readonly url: string;
  readonly path: string;
  readonly token: string;
  readonly warmup: number;
  readonly count: number;
  /** Every page must hold this many items and name a next page, or the command fails. */
  readonly expectItems: number;
}

export interface ListReply {
  readonly totalMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly bytes: number;
}

/** H3: open `subscribers` streams of `GET /api/events?after=afterId`; answers once all are open. */
export interface SubscribeCommand {
  readonly kind: 'subscribe';
  readonly url: string;
  readonly token: string;
  readonly subscribers: number;
  readonly afterId: number;
}

export interface SubscribeReply {
  readonly open: number;
}

/**
 * H3: wait until every stream has received the last expected id (at most `settleMs`), close them, and compare what
 * each received with `expectedIds` (the committed events, in id order).
 */
export interface CollectCommand {
  readonly kind: 'collect';
  readonly expectedIds: readonly number[];
  readonly settleMs: number;
}

export interface CollectReply {
  readonly subscribers: number;
  readonly minDelivered: number;
  readonly maxDelivered: number;
  /** Expected events that never arrived, summed over the subscribers. */
  readonly dropped: number;
  /** Events that arrived more than once, summed. */
  readonly duplicates: number;
  /** Messages whose id was not greater than the one before on the same stream, summed. */
  readonly outOfOrder: number;
  /** Messages with ids that were not expected, summed. */
  readonly unexpected: number;
  /** Streams that ended (or failed) before the end. */
  readonly streamsEnded: number;
  /** Epoch ms when the last stream received the last expected id (or when waiting stopped). */
  readonly lastReceiptAt: number;
  /** From each event's `createdAt` to its receipt, over every subscriber and event. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** CPU the client process spent from `subscribe` to here: near the wall time would mean it was the bottleneck. */
  readonly clientCpuMs: number;
}

export type ClientCommand = ApproveCommand | ListCommand | SubscribeCommand | CollectCommand;

export interface ClientReplies {
  approve: ApproveReply;
  list: ListReply;
  subscribe: SubscribeReply;
  collect: CollectReply;
}

/** What travels back: the reply, or the error that ended the command. */
export type ClientMessage = { ok: true; reply: unknown } | { ok: false; error: string };
