/**
 * What mail costs the engine when requests are raised (issue 6's target: at most 10 % of W2's paused phase). W2's
 * first phase, twice per round on fresh SQLite files: 500 runs of step → human gate → step started at once and waited
 * on until all are paused, once with mail off and once with mail on, the gate naming an approver with an address
 * (so each raise writes an outbox row, and the delivery loop sends 500 mails to a local SMTP sink meanwhile).
 *
 *   node --import tsx bench/mail-raise.ts [--runs 500] [--rounds 3]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { createFlowgate } from '../src/app/flowgate.js';
import { AuthService } from '../src/auth/auth-service.js';
import { systemClock } from '../src/shared/clock.js';
import { listOutboxMessages } from '../src/store/repositories/outbox.js';
import { inputs, TOOLS, tool } from './kit.js';
import { median, round } from './stats.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '500' }, rounds: { type: 'string', default: '3' } },
});
const runs = Number(values.runs);
const rounds = Number(values.rounds);

const sink = spawn(
  process.execPath,
  ['--import', 'tsx', join(import.meta.dirname, 'smtp-sink.ts')],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const port = await new Promise<number>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('the SMTP sink did not start')), 20_000);
  sink.stdout.on('data', (chunk: Buffer) => {
    const match = /port (\d+)/.exec(chunk.toString());
    if (match) {
      clearTimeout(timer);
      resolve(Number(match[1]));
    }
  });
});

interface Phase {
  readonly ms: number;
  /** CPU time of this process over the phase: less at the mercy of other processes than wall time. */
  readonly cpuMs: number;
  readonly messages: number;
  /** From all paused to all mails accepted by the sink. */
  readonly sentMs?: number;
}

async function pausedPhase(mail: boolean): Promise<Phase> {
  const dir = mkdtempSync(join(tmpdir(), 'flowgate-mail-bench-'));
  const flowgate = await createFlowgate({
    db: `sqlite:${join(dir, 'flowgate.db')}`,
    tools: TOOLS,
    workers: { concurrency: 200, leaseMs: 30_000, pollMs: 1_000 },
    ...(mail
      ? {
          mail: {
            smtpUrl: `smtp://127.0.0.1:${port}`,
            from: 'flowgate@bench.test',
            publicUrl: 'https://flowgate.bench.test',
          },
        }
      : {}),
  });
  try {
    const auth = new AuthService({
      store: flowgate.store,
      clock: systemClock,
      jwtSecret: 'a-bench-secret-of-at-least-32-characters',
    });
    await auth.createUser({
      username: 'approver',
      password: 'bench-password',
      role: 'user',
      email: 'approver@bench.test',
    });
    await flowgate.putDag({
      dag_id: 'bench_mail',
      nodes: [
        tool('s1', []),
        {
          node_id: 'gate',
          node_type: 'human_in_loop',
          config: { message: 'Go on?', approvers: ['approver'] },
          dependencies: ['s1'],
        },
        tool('s2', ['gate']),
      ],
    });
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await flowgate.startMany('bench_mail', inputs(runs));
    const deadline = Date.now() + 120_000;
    for (;;) {
      const counts = await flowgate.countWorkflows();
      if ((counts.paused ?? 0) >= runs) break;
      if (Date.now() > deadline) throw new Error(`not all paused: ${JSON.stringify(counts)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const messages = (await flowgate.store.read((db) => listOutboxMessages(db))).length;
    if (!mail) return { ms, cpuMs, messages };
    const t1 = performance.now();
    for (;;) {
      const pending = await flowgate.store.read((db) =>
        listOutboxMessages(db, { status: 'pending' }),
      );
      if (pending.length === 0) break;
      if (Date.now() > deadline) throw new Error(`${pending.length} mails not sent`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { ms, cpuMs, messages, sentMs: performance.now() - t1 };
  } finally {
    await flowgate.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const off: Phase[] = [];
const on: Phase[] = [];
for (let round = 0; round < rounds; round++) {
  const a = await pausedPhase(false);
  const b = await pausedPhase(true);
  off.push(a);
  on.push(b);
  console.log(
    `round ${round + 1}: mail off ${round_(a.ms)} ms (cpu ${round_(a.cpuMs)}), ` +
      `mail on ${round_(b.ms)} ms (cpu ${round_(b.cpuMs)}; ${b.messages} messages, ` +
      `all sent ${round_(b.sentMs ?? 0)} ms later)`,
  );
}
const change = (f: (p: Phase) => number) =>
  round((median(on.map(f)) / median(off.map(f)) - 1) * 100, 1);
console.log(
  `W2 paused phase, ${runs} runs, median of ${rounds}: wall ${round_(median(off.map((p) => p.ms)))} -> ` +
    `${round_(median(on.map((p) => p.ms)))} ms (${change((p) => p.ms)} %), cpu ` +
    `${round_(median(off.map((p) => p.cpuMs)))} -> ${round_(median(on.map((p) => p.cpuMs)))} ms ` +
    `(${change((p) => p.cpuMs)} %); ${runs} mails sent in ${round_(median(on.map((p) => p.sentMs ?? 0)))} ms (median)`,
);
sink.kill('SIGTERM');

function round_(ms: number): number {
  return round(ms, 1);
}
