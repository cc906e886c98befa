/**
 * N2: what notifications cost the engine when requests are raised (issue 6's target: at most 10 % of W2's paused
 * phase). W2's first phase — runs of step → human gate → step started at once and waited on until all are paused —
 * on a fresh database each time, alternately with nothing to notify and with every channel on: the gate names an
 * approver with an address (a mail each, to a local SMTP sink), a webhook subscription to `hitl.*` (a
 * `hitl.requested` each, to a local HTTP sink) and a Slack destination (a chat post each, to the same sink). Both
 * sinks run in processes of their own, so receiving costs the measured process nothing; the delivery loop sends
 * meanwhile, as it would in production, so its work is part of the cost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import pg from 'pg';

import { createFlowgate, type Flowgate } from '../src/app/flowgate.js';
import { AuthService } from '../src/auth/auth-service.js';
import { systemClock } from '../src/shared/clock.js';
import { listOutboxMessages } from '../src/store/repositories/outbox.js';
import { inputs, POLL_MS, scaled, TOOLS, tool, type WorkloadContext } from './kit.js';
import type { BenchResult } from './result.js';
import { RssSampler } from './rss.js';
import { median, round } from './stats.js';

const ROUNDS = 5;
const SECRET = 'a-bench-secret-of-at-least-32-characters';

interface Phase {
  readonly ms: number;
  /** CPU time of this process over the phase: less at the mercy of other processes than wall time. */
  readonly cpuMs: number;
  readonly messages: Readonly<Record<string, number>>;
  /** From all paused to every message sent (notifications on). */
  readonly sentMs?: number;
  /** From the start to the last mail accepted by the SMTP sink (issue 6: 500 mails in at most 3 s). */
  readonly mailsSentMs?: number;
  readonly failed?: number;
}

interface Sinks {
  readonly smtpPort: number;
  readonly httpPort: number;
}

export async function raiseCost(ctx: WorkloadContext): Promise<BenchResult> {
  const runs = scaled(500, ctx.scale);
  const smtp = await startSink('smtp-sink.ts');
  const http = await startSink('http-sink.ts');
  const sinks = { smtpPort: smtp.port, httpPort: http.port };
  const rss = new RssSampler();
  const off: Phase[] = [];
  const on: Phase[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      off.push(await pausedPhase(ctx, runs, undefined));
      on.push(await ctx.measured(() => pausedPhase(ctx, runs, sinks)));
      console.error(
        `[N2/${ctx.store}] round ${i + 1}: none ${Math.round(off[i]!.ms)} ms, ` +
          `notifications ${Math.round(on[i]!.ms)} ms (${JSON.stringify(on[i]!.messages)})`,
      );
    }
  } finally {
    smtp.process.kill('SIGTERM');
    http.process.kill('SIGTERM');
  }
  const peak = rss.stop();
  const offMs = median(off.map((p) => p.ms));
  const onMs = median(on.map((p) => p.ms));
  const offCpuMs = median(off.map((p) => p.cpuMs));
  const onCpuMs = median(on.map((p) => p.cpuMs));
  const overheadPct = round((onMs / offMs - 1) * 100, 1);
  const cpuOverheadPct = round((onCpuMs / offCpuMs - 1) * 100, 1);
  const messages = on[on.length - 1]!.messages;
  const failed = Math.max(...on.map((p) => p.failed ?? 0));
  return {
    workload: 'N2',
    store: ctx.store,
    runs,
    stepsPerSec: null,
    wallMs: round(onMs, 1),
    p50Ms: null,
    p99Ms: null,
    rssMb: round(peak, 1),
    offMs: round(offMs, 1),
    onMs: round(onMs, 1),
    overheadPct,
    offCpuMs: round(offCpuMs, 1),
    onCpuMs: round(onCpuMs, 1),
    cpuOverheadPct,
    offRoundsMs: off.map((p) => round(p.ms, 1)),
    onRoundsMs: on.map((p) => round(p.ms, 1)),
    messages,
    failedMessages: failed,
    sentAfterPausedMs: round(median(on.map((p) => p.sentMs ?? 0)), 1),
    mailsSentMs: round(median(on.map((p) => p.mailsSentMs ?? 0)), 1),
    rounds: ROUNDS,
    notes:
      `W2 paused phase, ${runs} runs, median of ${ROUNDS}: none ${Math.round(offMs)} ms -> mail+webhook+chat ` +
      `${Math.round(onMs)} ms (${overheadPct >= 0 ? '+' : ''}${overheadPct} %; target <= 10 %), CPU ` +
      `${cpuOverheadPct >= 0 ? '+' : ''}${cpuOverheadPct} %; all ${sum(messages)} messages sent ` +
      `${Math.round(median(on.map((p) => p.sentMs ?? 0)))} ms after the last pause, ${failed} failed; ` +
      `the ${runs} mails accepted ${Math.round(median(on.map((p) => p.mailsSentMs ?? 0)))} ms after the start ` +
      `(target <= 3,000)`,
  };
}

async function pausedPhase(
  ctx: WorkloadContext,
  runs: number,
  sinks: Sinks | undefined,
): Promise<Phase> {
  const db = await freshDatabase(ctx);
  const flowgate = await createFlowgate({
    db: db.url,
    tools: TOOLS,
    workers: { concurrency: ctx.concurrency, leaseMs: 30_000, pollMs: 1_000 },
    // The sinks listen on 127.0.0.1, as an operator's allow-list would let them.
    outbound: { allowedCidrs: ['127.0.0.1/32'], allowHttp: true },
    ...(sinks
      ? {
          mail: {
            smtpUrl: `smtp://127.0.0.1:${sinks.smtpPort}`,
            from: 'flowgate@bench.test',
            publicUrl: 'https://flowgate.bench.test',
          },
          chat: { publicUrl: 'https://flowgate.bench.test', secret: SECRET },
        }
      : {}),
  });
  try {
    // The same database contents both ways but for the subscription and the destination: the approver has an
    // address, and the gate asks for chat, which only a configured server acts on.
    const auth = new AuthService({ store: flowgate.store, clock: systemClock, jwtSecret: SECRET });
    await auth.createUser({
      username: 'approver',
      password: 'bench-password',
      role: 'user',
      email: 'approver@bench.test',
    });
    if (sinks) {
      const base = `http://127.0.0.1:${sinks.httpPort}`;
      await flowgate.webhooks.create({ url: `${base}/hooks`, events: ['hitl.*'] });
      await flowgate.chat.create({
        kind: 'slack',
        name: 'ops',
        url: `${base}/chat/services/T/B/x`,
      });
    }
    await flowgate.putDag({
      dag_id: 'bench_n2',
      nodes: [
        tool('s1', []),
        {
          node_id: 'gate',
          node_type: 'human_in_loop',
          config: { message: 'Go on?', approvers: ['approver'], outputTypes: ['chat'] },
          dependencies: ['s1'],
        },
        tool('s2', ['gate']),
      ],
    });
    const t0 = performance.now();
    const startedAt = Date.now();
    const cpu0 = process.cpuUsage();
    await flowgate.startMany('bench_n2', inputs(runs));
    const deadline = t0 + ctx.timeoutMs;
    await until(deadline, `all ${runs} N2 runs paused`, async () => {
      const counts = await flowgate.countWorkflows();
      return (counts.paused ?? 0) >= runs;
    });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    if (!sinks) return { ms, cpuMs, messages: await messagesByChannel(flowgate) };
    const t1 = performance.now();
    await until(deadline, 'every N2 message sent', async () => {
      const pending = await flowgate.store.read((tx) =>
        listOutboxMessages(tx, { status: 'pending' }),
      );
      return pending.length === 0;
    });
    const sentMs = performance.now() - t1;
    const all = await flowgate.store.read((tx) => listOutboxMessages(tx));
    const failed = all.filter((m) => m.status !== 'sent').length;
    const lastMail = Math.max(
      ...all.filter((m) => m.channel === 'email' && m.sentAt).map((m) => Date.parse(m.sentAt!)),
    );
    const mailsSentMs = lastMail - startedAt;
    return { ms, cpuMs, messages: await messagesByChannel(flowgate), sentMs, mailsSentMs, failed };
  } finally {
    await flowgate.close();
    await db.drop();
  }
}

async function messagesByChannel(flowgate: Flowgate): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const message of await flowgate.store.read((tx) => listOutboxMessages(tx))) {
    counts[message.channel] = (counts[message.channel] ?? 0) + 1;
  }
  return counts;
}

async function until(deadline: number, what: string, done: () => Promise<boolean>) {
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** A fresh database beside the workload's: a new SQLite file, or a new database on the same PostgreSQL server. */
async function freshDatabase(
  ctx: WorkloadContext,
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (ctx.store === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'flowgate-bench-n2-'));
    return {
      url: `sqlite:${join(dir, 'flowgate.db')}`,
      drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const name = `flowgate_bench_n2_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: ctx.db });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(ctx.db);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(`drop database if exists ${name} with (force)`),
  };
}

/**
 * Starts a sink script in a process of its own, from the bench sources (the workload process may be running compiled
 * into bench/results/.build/bench, three folders below them), and reads the port it prints.
 */
async function startSink(file: string): Promise<{ process: ChildProcess; port: number }> {
  const sources = import.meta.filename.endsWith('.ts')
    ? import.meta.dirname
    : resolve(import.meta.dirname, '../../..');
  const child = spawn(process.execPath, ['--import', 'tsx', join(sources, file)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${file} did not start within 20 s`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (${code}) before listening`));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      const match = /port (\d+)/.exec(chunk.toString());
      if (match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    });
  });
  return { process: child, port };
}

function sum(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
