import type { Selectable } from 'kysely';

import type { Tx } from '../port.js';
import type { DagsTable } from '../schema.js';
import { prepareQuery } from './prepared-query.js';

export interface DagVersionRecord {
  readonly dagId: string;
  readonly version: number;
  readonly format: string;
  /** The normalized definition, as JSON text. */
  readonly definition: string;
  readonly source: string | null;
  readonly checksum: string;
  readonly createdBy: string | null;
  readonly createdAt: string;
}

export interface DagRecord {
  readonly dagId: string;
  readonly name: string | null;
  readonly description: string | null;
  readonly latestVersion: number;
  readonly permissions: string | null;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly archivedAt: string | null;
}

export interface NewDagVersion {
  readonly dagId: string;
  readonly name: string | null;
  readonly description: string | null;
  readonly format: string;
  readonly definition: string;
  readonly source: string | null;
  readonly checksum: string;
  readonly permissions: string | null;
  readonly createdBy: string | null;
  readonly now: string;
}

/**
 * Stores a new immutable version of a DAG; returns its number. When the latest version has the same checksum, that
 * version is returned instead: storing the same document twice makes no new version.
 */
export async function insertDagVersion(
  tx: Tx,
  dag: NewDagVersion,
): Promise<{ version: number; created: boolean }> {
  // The DAG's row first, created or merely locked: concurrent stores of one DAG (two servers, or runs started from the
  // same new document at once) wait here for each other, so that each reads the version the other made.
  await tx
    .insertInto('dags')
    .values({
      dag_id: dag.dagId,
      name: dag.name,
      description: dag.description,
      latest_version: 0,
      permissions: dag.permissions,
      created_by: dag.createdBy,
      created_at: dag.now,
      updated_at: dag.now,
    })
    .onConflict((oc) =>
      oc.column('dag_id').doUpdateSet((eb) => ({ dag_id: eb.ref('excluded.dag_id') })),
    )
    .execute();
  const current = await tx
    .selectFrom('dags')
    .select(['latest_version', 'archived_at'])
    .where('dag_id', '=', dag.dagId)
    .executeTakeFirstOrThrow();
  if (current.latest_version > 0) {
    const latest = await tx
      .selectFrom('dag_versions')
      .select('checksum')
      .where('dag_id', '=', dag.dagId)
      .where('version', '=', current.latest_version)
      .executeTakeFirst();
    if (latest?.checksum === dag.checksum && current.archived_at === null) {
      return { version: current.latest_version, created: false };
    }
  }
  const version = current.latest_version + 1;
  await tx
    .insertInto('dag_versions')
    .values({
      dag_id: dag.dagId,
      version,
      format: dag.format,
      definition: dag.definition,
      source: dag.source,
      checksum: dag.checksum,
      created_by: dag.createdBy,
      created_at: dag.now,
    })
    .execute();
  await tx
    .updateTable('dags')
    .set({
      latest_version: version,
      name: dag.name,
      description: dag.description,
      permissions: dag.permissions,
      updated_at: dag.now,
      archived_at: null,
    })
    .where('dag_id', '=', dag.dagId)
    .execute();
  return { version, created: true };
}

/** One version, or the latest when `version` is undefined. */
export async function getDagVersion(
  tx: Tx,
  dagId: string,
  version?: number,
): Promise<DagVersionRecord | undefined> {
  let query = tx.selectFrom('dag_versions').selectAll().where('dag_id', '=', dagId);
  query =
    version === undefined
      ? query.orderBy('version', 'desc').limit(1)
      : query.where('version', '=', version);
  const row = await query.executeTakeFirst();
  return (
    row && {
      dagId: row.dag_id,
      version: row.version,
      format: row.format,
      definition: row.definition,
      source: row.source,
      checksum: row.checksum,
      createdBy: row.created_by,
      createdAt: row.created_at,
    }
  );
}

export async function getDag(tx: Tx, dagId: string): Promise<DagRecord | undefined> {
  const row = await tx
    .selectFrom('dags')
    .selectAll()
    .where('dag_id', '=', dagId)
    .executeTakeFirst();
  return row && toDagRecord(row);
}

/** DAGs by id; `afterDagId` and `limit` read them a page at a time. */
export async function listDags(
  tx: Tx,
  options: { includeArchived?: boolean; afterDagId?: string; limit?: number } = {},
): Promise<DagRecord[]> {
  let query = tx.selectFrom('dags').selectAll().orderBy('dag_id');
  if (!options.includeArchived) query = query.where('archived_at', 'is', null);
  if (options.afterDagId !== undefined) query = query.where('dag_id', '>', options.afterDagId);
  if (options.limit !== undefined) query = query.limit(options.limit);
  return (await query.execute()).map(toDagRecord);
}

/** The DAG of a HITL request's run, in one read (what deciding needs to check who may). */
// Checked before every decision made over HTTP.
const selectDagOfRequest = prepareQuery<{ requestId: string }, Selectable<DagsTable>>((db, slot) =>
  db
    .selectFrom('hitl_requests as r')
    .innerJoin('workflows as w', 'w.workflow_id', 'r.workflow_id')
    .innerJoin('dags as d', 'd.dag_id', 'w.dag_id')
    .selectAll('d')
    .where('r.request_id', '=', slot('requestId')),
);

export async function findDagOfRequest(tx: Tx, requestId: string): Promise<DagRecord | undefined> {
  const row = await selectDagOfRequest.first(tx, { requestId });
  return row && toDagRecord(row);
}

function toDagRecord(row: Selectable<DagsTable>): DagRecord {
  return {
    dagId: row.dag_id,
    name: row.name,
    description: row.description,
    latestVersion: row.latest_version,
    permissions: row.permissions,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
  };
}

/** Archives a DAG: it leaves the list and cannot be started; storing a new version brings it back. */
export async function archiveDag(tx: Tx, dagId: string, now: string): Promise<boolean> {
  const result = await tx
    .updateTable('dags')
    .set({ archived_at: now, updated_at: now })
    .where('dag_id', '=', dagId)
    .where('archived_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
