/**
 * CPU profiles: taken around one workload with the V8 profiler (the same one `node --cpu-prof` uses, but limited to
 * the workload, not the process start or the migrations), and summarized by self time.
 *
 * As a script: `node --import tsx bench/profile.ts FILE.cpuprofile [TOP]` prints the summary of any profile,
 * including one written by `node --cpu-prof`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface Profiler {
  /** Stops profiling and writes the profile to `path`. */
  stop(path: string): Promise<CpuProfile>;
  /** Stops profiling and keeps nothing. */
  discard(): Promise<void>;
}

export async function startProfiler(samplingIntervalUs = 250): Promise<Profiler> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
  await session.post('Profiler.start');
  return {
    async stop(path) {
      const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
      session.disconnect();
      writeFileSync(path, JSON.stringify(profile));
      return profile;
    },
    async discard() {
      await session.post('Profiler.stop');
      session.disconnect();
    },
  };
}

export interface SelfTime {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Time the thread waited (for the disk, the network, timers); not part of the percentages. */
  readonly idleMs: number;
  /** Self time per function (name and location), largest first. */
  readonly functions: SelfTime[];
  /** Self time per package or source folder (node_modules/kysely, src/engine, node:internal, native, …). */
  readonly areas: SelfTime[];
}

export function summarize(profile: CpuProfile, top = 20): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // Each sample's time is the gap to the next sample.
  for (let i = 0; i < samples.length; i++) {
    const next = deltas[i + 1] ?? 0;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + Math.max(0, next));
  }
  const sampledUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  let idleUs = 0;
  for (const [id, us] of selfUs)
    if (byId.get(id)?.callFrame.functionName === '(idle)') idleUs += us;
  // Percentages are of the busy time: waiting (idle) is reported on its own.
  const busyUs = sampledUs - idleUs || 1;
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    const name = frame.functionName || '(anonymous)';
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${name}@${where}`;
    const entry = functions.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const area = areaOf(frame);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const toSelf = (name: string, where: string, us: number): SelfTime => ({
    name,
    where,
    ms: us / 1000,
    percent: (us / busyUs) * 100,
  });
  return {
    totalMs: sampledUs / 1000,
    idleMs: idleUs / 1000,
    functions: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => toSelf(f.name, f.where, f.us)),
    areas: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([area, us]) => toSelf(area, '', us)),
  };
}

export function formatSummary(summary: ProfileSummary): string {
  const busy = summary.totalMs - summary.idleMs;
  const lines = [
    `CPU profile: ${summary.totalMs.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms busy, ` +
      `${summary.idleMs.toFixed(0)} ms idle (waiting); percentages are of the busy time`,
    '',
    'Top self time by function:',
  ];
  for (const f of summary.functions) {
    lines.push(
      `  ${f.percent.toFixed(1).padStart(5)} %  ${f.ms.toFixed(1).padStart(8)} ms  ${f.name}  ${f.where}`,
    );
  }
  lines.push('', 'Self time by area:');
  for (const a of summary.areas) {
    lines.push(
      `  ${a.percent.toFixed(1).padStart(5)} %  ${a.ms.toFixed(1).padStart(8)} ms  ${a.name}`,
    );
  }
  return lines.join('\n');
}

function shortUrl(url: string): string {
  let path = url.startsWith('file://') ? fileURLToPath(url) : url;
  // Compiled by bench/run.ts into bench/results/.build/{src,bench}/….
  const build = path.indexOf('/results/.build/');
  if (build >= 0) path = path.slice(build + '/results/.build/'.length);
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) return path.slice(modules);
  const src = path.search(/\/(src|bench|test)\//);
  return src >= 0 ? path.slice(src + 1) : path;
}

function areaOf(frame: CallFrame): string {
  if (!frame.url) {
    // (program), (garbage collector), (idle), or a native function (better-sqlite3's statement calls).
    return frame.functionName.startsWith('(')
      ? frame.functionName
      : 'native (C++: SQLite statements, socket I/O, …)';
  }
  if (frame.url.startsWith('node:')) return 'node: internals';
  const path = shortUrl(frame.url);
  const modules = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (modules) return `node_modules/${modules[1]}`;
  const ours = /^(src|bench|test)\/([^/]+)/.exec(path);
  if (ours) return ours[1] === 'src' ? `src/${ours[2]}` : ours[1]!;
  return path;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node --import tsx bench/profile.ts FILE.cpuprofile [TOP]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(formatSummary(summarize(profile, top ? Number(top) : 25)));
}
