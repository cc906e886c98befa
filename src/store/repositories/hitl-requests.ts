import type { Tx } from '../port.js';
import type { ExpressionBuilder, Selectable } from 'kysely';

import type { Database, HitlDecisionsTable, HitlRequestsTable } from '../schema.js';
import { revokeRequestTokens } from './action-tokens.js';
import { prepareQuery } from './prepared-query.js';
import { insertRows, type ColumnSpec } from './sql-dialect.js';
import { afterKeyset } from './keyset.js';

export interface HitlRequestRecord {
  readonly requestId: string;
  readonly workflowId: string;
  readonly nodeId: string;
  readonly dagId: string | null;
  readonly attempt: number;
  readonly message: string | null;
  readonly status: string;
  readonly spec: string | null;
  readonly context: string | null;
  readonly decision: string | null;
  readonly response: string | null;
  readonly respondedAt: string | null;
  readonly respondedBy: string | null;
  readonly runStartedBy: string | null;
  readonly expiresAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string | null;
}

export interface NewHitlRequest {
  readonly requestId: string;
  readonly workflowId: string;
  readonly nodeId: string;
  readonly dagId: string;
  readonly attempt: number;
  readonly message: string;
  readonly spec: string;
  readonly context: string;
  readonly runStartedBy: string | null;
  readonly expiresAt: string | null;
  readonly now: string;
  /** The first reminder's and the first escalation level's due times, when the node has them. */
  readonly nextReminderAt?: string | null;
  readonly nextEscalationAt?: string | null;
}

export interface HitlDecisionRecord {
  readonly userId: string;
  readonly decision: string;
  readonly comment: string | null;
  readonly value: string | null;
  readonly edits: string | null;
  readonly channel: string | null;
  readonly metadata: string | null;
  readonly createdAt: string;
}

const columns = [
  'request_id',
  'workflow_id',
  'node_id',
  'dag_id',
  'attempt',
  'message',
  'status',
  'spec',
  'context',
  'decision',
  'response',
  'responded_at',
  'responded_by',
  'run_started_by',
  'expires_at',
  'created_at',
  'updated_at',
] as const;

type Row = Pick<Selectable<HitlRequestsTable>, (typeof columns)[number]>;

function toRecord(row: Row): HitlRequestRecord {
  return {
    requestId: row.request_id,
    workflowId: row.workflow_id,
    nodeId: row.node_id,
    dagId: row.dag_id,
    attempt: row.attempt,
    message: row.message,
    status: row.status,
    spec: row.spec,
    context: row.context,
    decision: row.decision,
    response: row.response,
    respondedAt: row.responded_at,
    respondedBy: row.responded_by,
    runStartedBy: row.run_started_by,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const newRequestColumns: ColumnSpec[] = [
  { name: 'request_id', kind: 'text' },
  { name: 'workflow_id', kind: 'text' },
  { name: 'node_id', kind: 'text' },
  { name: 'dag_id', kind: 'text' },
  { name: 'attempt', kind: 'integer' },
  { name: 'message', kind: 'text' },
  { name: 'status', kind: 'text' },
  { name: 'spec', kind: 'json' },
  { name: 'context', kind: 'json' },
  { name: 'run_started_by', kind: 'text' },
  { name: 'expires_at', kind: 'text' },
  { name: 'created_at', kind: 'text' },
  { name: 'updated_at', kind: 'text' },
  { name: 'next_reminder_at', kind: 'text' },
  { name: 'next_escalation_at', kind: 'text' },
];

export async function insertHitlRequests(
  tx: Tx,
  requests: readonly NewHitlRequest[],
): Promise<void> {
  await insertRows(
    tx,
    'hitl_requests',
    newRequestColumns,
    requests.map((r) => [
      r.requestId,
      r.workflowId,
      r.nodeId,
      r.dagId,
      r.attempt,
      r.message,
      'pending',
      r.spec,
      r.context,
      r.runStartedBy,
      r.expiresAt,
      r.now,
      r.now,
      r.nextReminderAt ?? null,
      r.nextEscalationAt ?? null,
    ]),
  );
}

const selectRequest = prepareQuery<{ requestId: string }, Row>((db, slot) =>
  db.selectFrom('hitl_requests').select(columns).where('request_id', '=', slot('requestId')),
);

const lockRequest = prepareQuery<{ requestId: string }, Row>((db, slot) =>
  db
    .selectFrom('hitl_requests')
    .select(columns)
    .where('request_id', '=', slot('requestId'))
    .forUpdate(),
);

export async function getHitlRequest(
  tx: Tx,
  requestId: string,
  options: { lock?: boolean } = {},
): Promise<HitlRequestRecord | undefined> {
  const row = await (options.lock ? lockRequest : selectRequest).first(tx, { requestId });
  return row && toRecord(row);
}

export interface RequestClosing {
  readonly status: string;
  readonly respondedAt: string;
  readonly respondedBy: string | null;
  readonly response: string | null;
  readonly decision: string | null;
}

const closePending = prepareQuery<RequestClosing & { requestId: string }, never>((db, slot) =>
  db
    .updateTable('hitl_requests')
    .set({
      status: slot('status'),
      responded_at: slot('respondedAt'),
      responded_by: slot('respondedBy'),
      response: slot('response'),
      decision: slot('decision'),
      updated_at: slot('respondedAt'),
    })
    .where('request_id', '=', slot('requestId'))
    .where('status', '=', 'pending'),
);

/** Compare-and-set: closes the request only if it is still pending; false when someone else closed it first. */
export async function closeHitlRequest(
  tx: Tx,
  requestId: string,
  closing: RequestClosing,
): Promise<boolean> {
  const closed = (await closePending.run(tx, { ...closing, requestId })) === 1;
  // However it closes (a decision on any channel, a timeout, a cancellation), its decision links die with it.
  if (closed) await revokeRequestTokens(tx, requestId, closing.respondedAt, 'closed');
  return closed;
}

export interface HitlListFilter {
  readonly status?: string;
  readonly workflowId?: string;
  /** Only requests of runs of these DAGs (an empty list matches nothing). */
  readonly dagIds?: readonly string[];
  readonly limit: number;
  readonly after?: { readonly createdAt: string; readonly requestId: string };
}

/**
 * Requests of runs of these DAGs. Correlated, so that a page is read in index order and each row's run looked up by
 * key until the page is full: `workflow_id IN (SELECT …)` made SQLite collect every run of those DAGs first (120 ms
 * at 100,000 pending).
 */
function ofDags(dagIds: readonly string[]) {
  return (eb: ExpressionBuilder<Database, 'hitl_requests'>) =>
    eb.exists(
      eb
        .selectFrom('workflows as w')
        .select('w.workflow_id')
        .whereRef('w.workflow_id', '=', 'hitl_requests.workflow_id')
        .where('w.dag_id', 'in', [...dagIds]),
    );
}

/** Oldest first (the longest waiting on top), keyset-paginated on (created_at, request_id). */
export async function listHitlRequests(
  tx: Tx,
  filter: HitlListFilter,
): Promise<HitlRequestRecord[]> {
  if (filter.dagIds?.length === 0) return [];
  let query = tx
    .selectFrom('hitl_requests')
    .select(columns)
    .orderBy('created_at')
    .orderBy('request_id')
    .limit(filter.limit);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.workflowId) query = query.where('workflow_id', '=', filter.workflowId);
  if (filter.dagIds) query = query.where(ofDags(filter.dagIds));
  if (filter.after) {
    const { createdAt: time, requestId: id } = filter.after;
    query = query.where(afterKeyset({ time: 'created_at', id: 'request_id' }, { time, id }));
  }
  return (await query.execute()).map(toRecord);
}

export interface DecidedHitlFilter {
  /** Only requests this person closed (`responded_by`: a username, or a user id where there was none). */
  readonly respondedBy?: string;
  readonly workflowId?: string;
  /** Only requests of runs of these DAGs (an empty list matches nothing). */
  readonly dagIds?: readonly string[];
  readonly limit: number;
  readonly after?: { readonly respondedAt: string; readonly requestId: string };
}

/**
 * Closed requests (any status but pending), newest decision first, keyset-paginated on (responded_at, request_id)
 * descending. `responded_at is not null` is spelled out so that both planners pick the partial indexes of migration
 * 0011 (`idx_hitl_requests_decided`, `_decided_by`) and read the page in index order instead of sorting every closed
 * request.
 */
export async function listDecidedHitlRequests(
  tx: Tx,
  filter: DecidedHitlFilter,
): Promise<HitlRequestRecord[]> {
  if (filter.dagIds?.length === 0) return [];
  return (await decidedHitlQuery(tx, filter).execute()).map(toRecord);
}

/** The query behind listDecidedHitlRequests, apart so that a test can ask the planner how it runs. */
export function decidedHitlQuery(tx: Tx, filter: DecidedHitlFilter) {
  let query = tx
    .selectFrom('hitl_requests')
    .select(columns)
    .where('responded_at', 'is not', null)
    .where('status', '<>', 'pending')
    .orderBy('responded_at', 'desc')
    .orderBy('request_id', 'desc')
    .limit(filter.limit);
  if (filter.respondedBy !== undefined) {
    query = query.where('responded_by', '=', filter.respondedBy);
  }
  if (filter.workflowId) query = query.where('workflow_id', '=', filter.workflowId);
  if (filter.dagIds) query = query.where(ofDags(filter.dagIds));
  if (filter.after) {
    const { respondedAt: time, requestId: id } = filter.after;
    // The redundant `responded_at <= t` bounds the index range: without it SQLite read the OR as two index
    // searches (MULTI-INDEX OR) and sorted their union with a temporary B-tree.
    query = query
      .where('responded_at', '<=', time)
      .where(afterKeyset({ time: 'responded_at', id: 'request_id' }, { time, id }, 'desc'));
  }
  return query;
}

/** Pending requests of a run. */
export async function listPendingHitlRequests(
  tx: Tx,
  workflowId: string,
): Promise<HitlRequestRecord[]> {
  const rows = await tx
    .selectFrom('hitl_requests')
    .select(columns)
    .where('workflow_id', '=', workflowId)
    .where('status', '=', 'pending')
    .execute();
  return rows.map(toRecord);
}

/** Pending requests whose timeout has passed, oldest deadline first. */
export async function findExpiredHitlRequests(
  tx: Tx,
  now: string,
  limit: number,
): Promise<string[]> {
  const rows = await tx
    .selectFrom('hitl_requests')
    .select('request_id')
    .where('status', '=', 'pending')
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
  return rows.map((row) => row.request_id);
}

/** The earliest pending deadline, so a worker can wake for it. */
export async function nextHitlExpiry(tx: Tx): Promise<string | undefined> {
  const row = await tx
    .selectFrom('hitl_requests')
    .select('expires_at')
    .where('status', '=', 'pending')
    .where('expires_at', 'is not', null)
    .orderBy('expires_at')
    .limit(1)
    .executeTakeFirst();
  return row?.expires_at ?? undefined;
}

export interface NewHitlDecision {
  readonly requestId: string;
  readonly userId: string;
  readonly decision: string;
  readonly comment: string | null;
  readonly value: string | null;
  readonly edits: string | null;
  readonly channel: string | null;
  readonly metadata: string | null;
  readonly createdAt: string;
}

const insertDecision = prepareQuery<NewHitlDecision, never>((db, slot) =>
  db.insertInto('hitl_decisions').values({
    request_id: slot('requestId'),
    user_id: slot('userId'),
    decision: slot('decision'),
    comment: slot('comment'),
    value: slot('value'),
    edits: slot('edits'),
    channel: slot('channel'),
    metadata: slot('metadata'),
    created_at: slot('createdAt'),
  }),
);

export async function insertHitlDecision(tx: Tx, decision: NewHitlDecision): Promise<void> {
  await insertDecision.run(tx, decision);
}

const decisionColumns = [
  'user_id',
  'decision',
  'comment',
  'value',
  'edits',
  'channel',
  'metadata',
  'created_at',
] as const;

type DecisionRow = Pick<Selectable<HitlDecisionsTable>, (typeof decisionColumns)[number]>;

const selectDecisions = prepareQuery<{ requestId: string }, DecisionRow>((db, slot) =>
  db
    .selectFrom('hitl_decisions')
    .select(decisionColumns)
    .where('request_id', '=', slot('requestId'))
    .orderBy('id'),
);

export async function listHitlDecisions(tx: Tx, requestId: string): Promise<HitlDecisionRecord[]> {
  const rows = await selectDecisions.all(tx, { requestId });
  return rows.map((row) => ({
    userId: row.user_id,
    decision: row.decision,
    comment: row.comment,
    value: row.value,
    edits: row.edits,
    channel: row.channel,
    metadata: row.metadata,
    createdAt: row.created_at,
  }));
}

/** How many requests of one node are still open: an AI node waits until every gated call of its step is decided. */
export async function countPendingRequestsOfNode(
  tx: Tx,
  workflowId: string,
  nodeId: string,
): Promise<number> {
  const row = await tx
    .selectFrom('hitl_requests')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('workflow_id', '=', workflowId)
    .where('node_id', '=', nodeId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}
