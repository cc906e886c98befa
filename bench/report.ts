/** The printed table, the saved results files, and the comparison with the previous results file. */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { BenchFailure, BenchResult } from './result.js';

export interface ResultsFile {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly environment: Record<string, unknown>;
  readonly options: Record<string, unknown>;
  readonly results: readonly BenchResult[];
  readonly failures: readonly BenchFailure[];
}

const HEADERS = [
  'workload',
  'store',
  'runs',
  'rate/s',
  'wall ms',
  'p50 ms',
  'p99 ms',
  'RSS MB',
  'notes',
];
/** Columns aligned right (the numbers). */
const RIGHT = new Set([2, 3, 4, 5, 6, 7]);

export function formatTable(
  results: readonly BenchResult[],
  failures: readonly BenchFailure[],
): string {
  const rows: string[][] = results.map((r) => [
    r.workload,
    r.store,
    String(r.runs),
    num(rate(r), 0),
    num(r.wallMs, 1),
    num(r.p50Ms, r.p50Ms !== null && r.p50Ms < 10 ? 2 : 1),
    num(r.p99Ms, r.p99Ms !== null && r.p99Ms < 10 ? 2 : 1),
    num(r.rssMb, 1),
    [
      typeof r.notes === 'string' ? r.notes : '',
      typeof r.workerErrors === 'number' && r.workerErrors > 0
        ? `${r.workerErrors} worker errors`
        : '',
    ]
      .filter(Boolean)
      .join('; '),
  ]);
  for (const f of failures)
    rows.push([f.workload, f.store, '', '', '', '', '', '', `FAILED: ${firstLine(f.error)}`]);
  return grid(HEADERS, rows, RIGHT);
}

/** Writes the results file, named by the ISO start time (colons made dashes, so it sorts and copies anywhere). */
export function saveResults(dir: string, file: ResultsFile): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${file.startedAt.replace(/:/g, '-')}.json`);
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}

/** The most recent results file written before `currentPath`, if any. */
export function previousResults(
  dir: string,
  currentPath: string,
): { path: string; file: ResultsFile } | undefined {
  const current = currentPath.slice(dir.length + 1);
  const earlier = readdirSync(dir)
    .filter((name) => name.endsWith('.json') && name < current)
    .sort();
  const name = earlier[earlier.length - 1];
  if (!name) return undefined;
  const path = join(dir, name);
  return { path, file: JSON.parse(readFileSync(path, 'utf8')) as ResultsFile };
}

/**
 * The throughput a workload reports: steps/s (W1, W3, W4), decisions/s (H1, H1g) or deliveries/s (N1); null where
 * none means anything (W2, H2, H3).
 */
export function rate(result: BenchResult): number | null {
  if (result.stepsPerSec !== null) return result.stepsPerSec;
  if (typeof result.decisionsPerSec === 'number') return result.decisionsPerSec;
  return typeof result.deliveriesPerSec === 'number' ? result.deliveriesPerSec : null;
}

const FIGURES: readonly (readonly [(r: BenchResult) => unknown, string, 'higher' | 'lower'])[] = [
  [rate, 'rate/s', 'higher'],
  [(r) => r.wallMs, 'wall', 'lower'],
  [(r) => r.p50Ms, 'p50', 'lower'],
  [(r) => r.p99Ms, 'p99', 'lower'],
  [(r) => r.rssMb, 'RSS', 'lower'],
  [(r) => r.allPausedMs, 'allPaused', 'lower'],
];

/** The change of each figure against the previous file, in percent (+ means larger, whatever is better). */
export function formatComparison(
  current: readonly BenchResult[],
  previous: ResultsFile,
  previousPath: string,
): string {
  const rows: string[][] = [];
  for (const now of current) {
    const before = previous.results.find(
      (r) => r.workload === now.workload && r.store === now.store,
    );
    if (!before) {
      rows.push([now.workload, now.store, ...FIGURES.map(() => ''), 'not in the previous file']);
      continue;
    }
    const cells = FIGURES.map(([get]) => change(get(now), get(before)));
    const worse = FIGURES.filter(([get, , better]) => {
      const pct = percentChange(get(now), get(before));
      return pct !== undefined && (better === 'higher' ? pct < -10 : pct > 10);
    }).map(([, label]) => label);
    const notes = [
      now.runs !== before.runs ? `runs differ (${before.runs} -> ${now.runs})` : '',
      worse.length > 0 ? `worse by >10%: ${worse.join(', ')}` : '',
    ].filter(Boolean);
    rows.push([now.workload, now.store, ...cells, notes.join('; ')]);
  }
  const header = ['workload', 'store', ...FIGURES.map(([, label]) => label), 'notes'];
  const right = new Set(FIGURES.map((_, i) => i + 2));
  return `Change against ${previousPath} (${previous.startedAt}):\n${grid(header, rows, right)}`;
}

function percentChange(now: unknown, before: unknown): number | undefined {
  if (typeof now !== 'number' || typeof before !== 'number' || before === 0) return undefined;
  return ((now - before) / before) * 100;
}

function change(now: unknown, before: unknown): string {
  const pct = percentChange(now, before);
  if (pct === undefined) return '-';
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

function num(value: number | null, digits: number): string {
  if (value === null || !Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '') ?? text;
}

function grid(
  headers: readonly string[],
  rows: readonly string[][],
  right: ReadonlySet<number>,
): string {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join(' | ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join(
    '\n',
  );
}
