/**
 * @module One retention pass: deletes the finished runs older than their limit (the DAG's own `settings.retention`,
 * else the global one) and the delivered or failed outbox messages older than the global limit, in batches.
 */
import type { Store } from '../store/port.js';
import {
  deleteFinishedMessages,
  deleteFinishedRunBatch,
  listLatestDagDefinitions,
  type OutboxRetentionCounts,
  type RetentionCounts,
  type RetentionCursor,
} from '../store/repositories/retention.js';
import { toIso, type Clock } from '../shared/clock.js';

export interface RetentionPassEnv {
  readonly store: Store;
  readonly clock: Clock;
}

export interface RetentionPassOptions {
  /** The global limit in milliseconds; undefined keeps everything but the runs of DAGs with their own. */
  readonly defaultMs?: number;
  /** Runs (or messages) per transaction. */
  readonly batchSize: number;
  /** Asked between batches: a closing process stops after the batch in progress. */
  readonly isStopping?: () => boolean;
}

/** What one pass deleted, by table, and when it ran. */
export interface RetentionPass extends RetentionCounts, OutboxRetentionCounts {
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Transactions it took. */
  readonly batches: number;
  /** The global cutoff it used (null: none), and each DAG's own. */
  readonly cutoff: string | null;
  readonly dagCutoffs: Readonly<Record<string, string>>;
}

const NO_COUNTS = {
  workflows: 0,
  workflow_nodes: 0,
  workflow_events: 0,
  hitl_requests: 0,
  hitl_decisions: 0,
  agent_executions: 0,
  outbox_messages: 0,
  outbox_attempts: 0,
};

type Counts = typeof NO_COUNTS;

/**
 * Runs one pass. Each batch is its own short transaction, so the SQLite writer is never held for a whole pass;
 * deletes are idempotent, so two processes passing at once only split the work.
 */
export async function runRetentionPass(
  env: RetentionPassEnv,
  options: RetentionPassOptions,
): Promise<RetentionPass> {
  const now = env.clock.now();
  const startedAt = toIso(now);
  const cutoff = options.defaultMs === undefined ? undefined : toIso(now - options.defaultMs);
  const dagCutoffs = await readDagCutoffs(env.store, now);
  const counts: Counts = { ...NO_COUNTS };
  const stopping = options.isStopping ?? (() => false);
  let batches = 0;

  if (cutoff !== undefined || Object.keys(dagCutoffs).length > 0) {
    let after: RetentionCursor | undefined;
    do {
      const batch = await env.store.transaction((tx) =>
        deleteFinishedRunBatch(tx, {
          ...(cutoff !== undefined ? { cutoff } : {}),
          dagCutoffs,
          limit: options.batchSize,
          ...(after ? { after } : {}),
        }),
      );
      batches += 1;
      add(counts, batch.counts);
      after = batch.last ?? undefined;
    } while (after && !stopping());
  }

  if (cutoff !== undefined) {
    let deleted: OutboxRetentionCounts;
    do {
      if (stopping()) break;
      deleted = await env.store.transaction((tx) =>
        deleteFinishedMessages(tx, { cutoff, limit: options.batchSize }),
      );
      batches += 1;
      add(counts, deleted);
    } while (deleted.outbox_messages >= options.batchSize);
  }

  return {
    ...counts,
    startedAt,
    finishedAt: toIso(env.clock.now()),
    batches,
    cutoff: cutoff ?? null,
    dagCutoffs,
  };
}

function add(total: Counts, part: Partial<Counts>): void {
  for (const key of Object.keys(total) as (keyof Counts)[]) total[key] += part[key] ?? 0;
}

/** Each DAG's own cutoff, from its latest version: a changed retention applies to the DAG's older runs too. */
export async function readDagCutoffs(store: Store, now: number): Promise<Record<string, string>> {
  const definitions = await store.read((db) => listLatestDagDefinitions(db));
  const cutoffs: Record<string, string> = {};
  for (const { dagId, definition } of definitions) {
    const retentionMs = retentionOf(definition);
    if (retentionMs !== undefined) cutoffs[dagId] = toIso(now - retentionMs);
  }
  return cutoffs;
}

function retentionOf(definition: string): number | undefined {
  try {
    const parsed = JSON.parse(definition) as { settings?: { retentionMs?: unknown } } | null;
    const value = parsed?.settings?.retentionMs;
    // Stored definitions were validated on the way in; a value that is not one now is ignored, never guessed at.
    return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
