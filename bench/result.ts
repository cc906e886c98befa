/** What one workload on one store reports: the fixed keys first (in this order), then workload-specific extras. */
export interface BenchResult {
  readonly workload: string;
  readonly store: string;
  readonly runs: number;
  readonly stepsPerSec: number | null;
  readonly wallMs: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly rssMb: number;
  readonly [extra: string]: unknown;
}

/** A workload that did not finish: reported in the table and saved, never silently dropped. */
export interface BenchFailure {
  readonly workload: string;
  readonly store: string;
  readonly error: string;
}

export const WORKLOADS = [
  'W1',
  'W2',
  'W3',
  'W4',
  'H1',
  'H1g',
  'H2',
  'H3',
  'N1',
  'N2',
  'U1',
] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

/**
 * Workloads measured on SQLite only: U1 measures the web UI in a browser, and the API under it is measured on both
 * stores by H1–H3.
 */
export const SQLITE_ONLY: ReadonlySet<WorkloadName> = new Set(['U1']);

export const STORES = ['sqlite', 'postgres'] as const;
export type StoreName = (typeof STORES)[number];

/** The line prefix a workload process puts before its JSON result on stdout. */
export const RESULT_MARKER = '@@flowgate-bench-result@@ ';

/** Puts the fixed keys first, in the documented order, so `--json` lines read the same every time. */
export function ordered(result: BenchResult): BenchResult {
  const { workload, store, runs, stepsPerSec, wallMs, p50Ms, p99Ms, rssMb, ...extras } = result;
  return { workload, store, runs, stepsPerSec, wallMs, p50Ms, p99Ms, rssMb, ...extras };
}
