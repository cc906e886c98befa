/**
 * What every workload (the engine's W1–W4 and the HTTP H1–H3) shares: its context, the noop tool, DAG pieces, and
 * bounded waits. Waiting never spins: run counts are polled every POLL_MS and every wait gives up with a clear message
 * after `timeoutMs`.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Flowgate } from '../src/app/flowgate.js';
import type { StoreName } from './result.js';

export interface WorkloadContext {
  readonly flowgate: Flowgate;
  readonly store: StoreName;
  /** The workload's database URL (N2 makes fresh ones beside it, on the same server). */
  readonly db: string;
  /** Multiplies the number of runs (all but W3); 1 for the full benchmark. */
  readonly scale: number;
  /** The longest any single wait may take. */
  readonly timeoutMs: number;
  readonly concurrency: number;
  /**
   * Runs the phase a workload measures. With `--cpu-prof` the profile covers only this phase (the whole workload when
   * it has none), so preparing thousands of runs does not drown the figures of the load.
   */
  measured<T>(phase: () => Promise<T>): Promise<T>;
}

export const TOOLS = { noop: () => Promise.resolve({ ok: true }) };

export const POLL_MS = 20;

export type Counts = Readonly<Record<string, number>>;

export function scaled(runs: number, scale: number): number {
  return Math.max(1, Math.round(runs * scale));
}

export function inputs(count: number, offset = 0): unknown[] {
  return Array.from({ length: count }, (_, i) => ({ i: offset + i }));
}

export function tool(nodeId: string, dependencies: readonly string[]) {
  return { node_id: nodeId, node_type: 'tool', tool_name: 'noop', dependencies };
}

/** A DAG of noop steps, one after the other. */
export function chain(dagId: string, ids: readonly string[]) {
  return { dag_id: dagId, nodes: ids.map((id, i) => tool(id, i === 0 ? [] : [ids[i - 1]!])) };
}

/** Starts `total` runs of a stored DAG, `chunk` per `startMany` (one transaction each). */
export async function startInChunks(
  flowgate: Flowgate,
  dagId: string,
  total: number,
  chunk = 1000,
): Promise<void> {
  for (let offset = 0; offset < total; offset += chunk) {
    await flowgate.startMany(dagId, inputs(Math.min(chunk, total - offset), offset));
  }
}

/** Polls the run counts every POLL_MS until `done`; fails at once when a run failed or was cancelled. */
export async function waitForCounts(
  ctx: WorkloadContext,
  what: string,
  done: (counts: Counts) => boolean,
): Promise<void> {
  const deadline = performance.now() + ctx.timeoutMs;
  for (;;) {
    // One GROUP BY query (the API's listings hold at most 500 rows a page).
    const counts = await ctx.flowgate.countWorkflows();
    if (done(counts)) return;
    if ((counts.failed ?? 0) > 0 || (counts.cancelled ?? 0) > 0) {
      throw new Error(`Waiting for ${what}: runs ended badly (${JSON.stringify(counts)})`);
    }
    if (performance.now() > deadline) {
      throw new Error(
        `Timed out after ${ctx.timeoutMs} ms waiting for ${what}; runs by status: ${JSON.stringify(counts)}`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** Every pending request, oldest first, through the API's pages. */
export async function pendingRequests(
  flowgate: Flowgate,
): Promise<{ requestId: string; workflowId: string }[]> {
  const all: { requestId: string; workflowId: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await flowgate.listHitl({
      status: 'pending',
      limit: 500,
      ...(cursor ? { cursor } : {}),
    });
    for (const item of page.items)
      all.push({ requestId: item.requestId, workflowId: item.workflowId });
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}
