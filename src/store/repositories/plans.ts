import type { Selectable } from 'kysely';

import type { Tx } from '../port.js';
import type { PlannerConversationsTable, PlansTable } from '../schema.js';
import { afterKeyset } from './keyset.js';

export interface PlanRecord {
  readonly planId: string;
  readonly userId: string;
  readonly request: string | null;
  /** The current version's document, as JSON text. */
  readonly planJson: string | null;
  readonly status: string;
  readonly conversationId: string | null;
  readonly version: number;
  /** The current version's problems, as JSON text (an array; empty when it is valid). */
  readonly problems: string | null;
  readonly model: string | null;
  readonly dagId: string | null;
  readonly dagVersion: number | null;
  readonly workflowId: string | null;
  readonly decidedBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string | null;
  readonly approvedAt: string | null;
  readonly rejectedAt: string | null;
  readonly rejectionReason: string | null;
  readonly executedAt: string | null;
}

function toPlan(row: Selectable<PlansTable>): PlanRecord {
  return {
    planId: row.plan_id,
    userId: row.user_id,
    request: row.request,
    planJson: row.plan_json,
    status: row.status,
    conversationId: row.thread_id,
    version: row.version ?? 1,
    problems: row.problems,
    model: row.model,
    dagId: row.dag_id,
    dagVersion: row.dag_version,
    workflowId: row.workflow_id,
    decidedBy: row.decided_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    approvedAt: row.approved_at,
    rejectedAt: row.rejected_at,
    rejectionReason: row.rejection_reason,
    executedAt: row.executed_at,
  };
}

export interface NewPlan {
  readonly planId: string;
  readonly userId: string;
  readonly request: string;
  readonly planJson: string;
  readonly status: string;
  readonly conversationId: string;
  readonly problems: string;
  readonly model: string;
  readonly now: string;
}

export async function insertPlan(tx: Tx, plan: NewPlan): Promise<void> {
  await tx
    .insertInto('plans')
    .values({
      plan_id: plan.planId,
      user_id: plan.userId,
      request: plan.request,
      plan_json: plan.planJson,
      status: plan.status,
      thread_id: plan.conversationId,
      version: 1,
      problems: plan.problems,
      model: plan.model,
      created_at: plan.now,
      updated_at: plan.now,
    })
    .execute();
  await insertPlanVersion(tx, {
    planId: plan.planId,
    version: 1,
    planJson: plan.planJson,
    problems: plan.problems,
    createdBy: plan.userId,
    now: plan.now,
  });
}

async function insertPlanVersion(
  tx: Tx,
  version: {
    planId: string;
    version: number;
    planJson: string;
    problems: string;
    createdBy: string;
    now: string;
  },
): Promise<void> {
  await tx
    .insertInto('plan_versions')
    .values({
      plan_id: version.planId,
      version: version.version,
      plan_json: version.planJson,
      problems: version.problems,
      created_by: version.createdBy,
      created_at: version.now,
    })
    .execute();
}

export async function getPlan(
  tx: Tx,
  planId: string,
  options: { lock?: boolean } = {},
): Promise<PlanRecord | undefined> {
  let query = tx.selectFrom('plans').selectAll().where('plan_id', '=', planId);
  if (options.lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row && toPlan(row);
}

export interface PlanListFilter {
  /** Only the plans of this user (everyone's when absent: an admin). */
  readonly userId?: string;
  readonly status?: string;
  readonly limit: number;
  readonly after?: { readonly createdAt: string; readonly planId: string };
}

/** Newest first, keyset-paginated on (created_at, plan_id). */
export async function listPlans(tx: Tx, filter: PlanListFilter): Promise<PlanRecord[]> {
  let query = tx.selectFrom('plans').selectAll();
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.after) {
    query = query.where(
      afterKeyset(
        { time: 'created_at', id: 'plan_id' },
        { time: filter.after.createdAt, id: filter.after.planId },
        'desc',
      ),
    );
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('plan_id', 'desc')
    .limit(filter.limit)
    .execute();
  return rows.map(toPlan);
}

/** A new version of a pending plan (an edit); false when the plan is no longer pending or at another version. */
export async function replacePlanVersion(
  tx: Tx,
  planId: string,
  next: {
    version: number;
    planJson: string;
    problems: string;
    status: string;
    editedBy: string;
    now: string;
  },
): Promise<boolean> {
  const result = await tx
    .updateTable('plans')
    .set({
      plan_json: next.planJson,
      problems: next.problems,
      status: next.status,
      version: next.version,
      updated_at: next.now,
    })
    .where('plan_id', '=', planId)
    .where('version', '=', next.version - 1)
    .where('status', 'in', ['pending_approval', 'invalid'])
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  await insertPlanVersion(tx, {
    planId,
    version: next.version,
    planJson: next.planJson,
    problems: next.problems,
    createdBy: next.editedBy,
    now: next.now,
  });
  return true;
}

export interface PlanDecision {
  readonly status: 'executed' | 'rejected';
  readonly decidedBy: string;
  readonly now: string;
  readonly rejectionReason?: string;
  readonly dagId?: string;
  readonly dagVersion?: number;
  readonly workflowId?: string;
}

/** Moves a plan at `version` from one status to another (claiming an approval, or giving it back). */
export async function updatePlanStatus(
  tx: Tx,
  planId: string,
  version: number,
  move: { from: string; to: string; decidedBy: string | null; now: string },
): Promise<boolean> {
  const result = await tx
    .updateTable('plans')
    .set({ status: move.to, decided_by: move.decidedBy, updated_at: move.now })
    .where('plan_id', '=', planId)
    .where('version', '=', version)
    .where('status', '=', move.from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Records the decision on a plan at `version` still in status `from`; false when someone decided or edited first. */
export async function decidePlan(
  tx: Tx,
  planId: string,
  version: number,
  from: string,
  decision: PlanDecision,
): Promise<boolean> {
  const executed = decision.status === 'executed';
  const result = await tx
    .updateTable('plans')
    .set({
      status: decision.status,
      decided_by: decision.decidedBy,
      updated_at: decision.now,
      ...(executed
        ? {
            approved_at: decision.now,
            executed_at: decision.now,
            dag_id: decision.dagId ?? null,
            dag_version: decision.dagVersion ?? null,
            workflow_id: decision.workflowId ?? null,
          }
        : { rejected_at: decision.now, rejection_reason: decision.rejectionReason ?? null }),
    })
    .where('plan_id', '=', planId)
    .where('version', '=', version)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface PlanVersionRecord {
  readonly version: number;
  readonly planJson: string;
  readonly problems: string | null;
  readonly createdBy: string | null;
  readonly createdAt: string;
}

export async function listPlanVersions(tx: Tx, planId: string): Promise<PlanVersionRecord[]> {
  const rows = await tx
    .selectFrom('plan_versions')
    .selectAll()
    .where('plan_id', '=', planId)
    .orderBy('version')
    .execute();
  return rows.map((row) => ({
    version: row.version,
    planJson: row.plan_json,
    problems: row.problems,
    createdBy: row.created_by,
    createdAt: row.created_at,
  }));
}

export interface PlannerTurnRecord {
  readonly turnId: string;
  readonly conversationId: string;
  readonly userId: string;
  readonly turn: number;
  readonly message: string | null;
  readonly response: string | null;
  readonly planId: string | null;
  readonly createdAt: string;
}

function toTurn(row: Selectable<PlannerConversationsTable>): PlannerTurnRecord {
  return {
    turnId: row.conversation_id,
    conversationId: row.thread_id ?? row.conversation_id,
    userId: row.user_id,
    turn: row.turn ?? 1,
    message: row.message,
    response: row.response,
    planId: row.plan_id,
    createdAt: row.created_at,
  };
}

export async function insertPlannerTurn(
  tx: Tx,
  turn: Omit<PlannerTurnRecord, 'createdAt'> & { now: string },
): Promise<void> {
  await tx
    .insertInto('planner_conversations')
    .values({
      conversation_id: turn.turnId,
      thread_id: turn.conversationId,
      user_id: turn.userId,
      turn: turn.turn,
      message: turn.message,
      response: turn.response,
      plan_id: turn.planId,
      created_at: turn.now,
    })
    .execute();
}

export async function listPlannerTurns(
  tx: Tx,
  conversationId: string,
): Promise<PlannerTurnRecord[]> {
  const rows = await tx
    .selectFrom('planner_conversations')
    .selectAll()
    .where('thread_id', '=', conversationId)
    .orderBy('turn')
    .execute();
  return rows.map(toTurn);
}
