/**
 * H3's subscribers: `GET /api/events` streams over node:http, each parsed by a small server-sent-events parser that
 * keeps, per message, its id and the time from the event's `createdAt` to its receipt. `collect` then checks every
 * stream against the committed events: each id exactly once, in order.
 */
import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { percentile, round } from '../stats.js';
import type { CollectCommand, CollectReply, SubscribeCommand } from './protocol.js';

/** Wall-clock ms with a fraction (events carry wall-clock `createdAt`; Date.now() alone has 1 ms steps). */
const now = () => performance.timeOrigin + performance.now();

/** Splits a stream into messages (blank-line separated) and hands on each message's `id` and `data` fields. */
export class SseParser {
  readonly #onMessage: (id: string | undefined, data: string) => void;
  #buffer = '';

  constructor(onMessage: (id: string | undefined, data: string) => void) {
    this.#onMessage = onMessage;
  }

  push(chunk: string): void {
    // Scanned in place: the unfinished tail is all that is kept between chunks.
    const text = this.#buffer + chunk;
    let start = 0;
    let end: number;
    while ((end = text.indexOf('\n\n', start)) >= 0) {
      this.#message(text.slice(start, end));
      start = end + 2;
    }
    this.#buffer = text.slice(start);
  }

  #message(block: string): void {
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      // Comments (`: heartbeat`) and fields without a value are skipped; one leading space is not part of it.
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const value = line.slice(line[colon + 1] === ' ' ? colon + 2 : colon + 1);
      const field = line.slice(0, colon);
      if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) this.#onMessage(id, data.join('\n'));
  }
}

class Stream {
  readonly ids: number[] = [];
  readonly receivedAt: number[] = [];
  readonly createdAt: number[] = [];
  ended = false;
  #request: ClientRequest | undefined;

  /** Resolves once the server has answered 200 and written its first comment (the feed has subscribed us). */
  open(agent: Agent, url: URL, token: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const parser = new SseParser((id, data) => {
        this.ids.push(Number(id));
        this.receivedAt.push(now());
        this.createdAt.push(Date.parse((JSON.parse(data) as { createdAt: string }).createdAt));
      });
      const req = request(
        url,
        { agent, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } },
        (res: IncomingMessage) => {
          if (res.statusCode !== 200) {
            reject(new Error(`GET ${url.pathname}: ${res.statusCode}`));
            res.resume();
            return;
          }
          res.setEncoding('utf8');
          res.once('data', () => resolve());
          res.on('data', (chunk: string) => parser.push(chunk));
          res.on('close', () => (this.ended = true));
        },
      );
      req.on('error', (error) => {
        this.ended = true;
        reject(error);
      });
      req.end();
      this.#request = req;
    });
  }

  close(): void {
    this.#request?.destroy();
  }
}

export class Subscribers {
  readonly #streams: Stream[];
  readonly #agent: Agent;
  readonly #cpuAtStart = process.cpuUsage();

  private constructor(streams: Stream[], agent: Agent) {
    this.#streams = streams;
    this.#agent = agent;
  }

  get size(): number {
    return this.#streams.length;
  }

  static async open(command: SubscribeCommand): Promise<Subscribers> {
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
    const url = new URL(`/api/events?after=${command.afterId}`, command.url);
    const streams = Array.from({ length: command.subscribers }, () => new Stream());
    const subscribers = new Subscribers(streams, agent);
    try {
      await Promise.all(streams.map((stream) => stream.open(agent, url, command.token)));
    } catch (error) {
      subscribers.#close();
      throw error;
    }
    return subscribers;
  }

  /** Waits for the last expected id on every stream (bounded), closes them, and reports. */
  async collect(command: CollectCommand): Promise<CollectReply> {
    const expected = command.expectedIds;
    const lastId = expected[expected.length - 1] ?? 0;
    const deadline = performance.now() + command.settleMs;
    const done = (s: Stream) => s.ended || (s.ids.length > 0 && s.ids[s.ids.length - 1]! >= lastId);
    while (!this.#streams.every(done) && performance.now() < deadline) await sleep(5);
    const lastReceiptAt = Math.max(...this.#streams.map((s) => s.receivedAt.at(-1) ?? 0));
    // A moment more, so that a duplicate sent after the last event would still be seen.
    await sleep(300);
    const streamsEnded = this.#streams.filter((s) => s.ended).length;
    this.#close();
    const cpu = process.cpuUsage(this.#cpuAtStart);
    return {
      ...this.#report(expected, streamsEnded),
      lastReceiptAt,
      clientCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    };
  }

  #report(
    expected: readonly number[],
    streamsEnded: number,
  ): Omit<CollectReply, 'lastReceiptAt' | 'clientCpuMs'> {
    const wanted = new Set(expected);
    const latencies: number[] = [];
    const delivered: number[] = [];
    let dropped = 0;
    let duplicates = 0;
    let outOfOrder = 0;
    let unexpected = 0;
    for (const stream of this.#streams) {
      const seen = new Set<number>();
      stream.ids.forEach((id, i) => {
        if (i > 0 && id <= stream.ids[i - 1]!) outOfOrder++;
        if (!wanted.has(id)) unexpected++;
        else if (seen.has(id)) duplicates++;
        else {
          seen.add(id);
          latencies.push(stream.receivedAt[i]! - stream.createdAt[i]!);
        }
      });
      delivered.push(seen.size);
      dropped += expected.length - seen.size;
    }
    return {
      subscribers: this.#streams.length,
      minDelivered: Math.min(...delivered),
      maxDelivered: Math.max(...delivered),
      dropped,
      duplicates,
      outOfOrder,
      unexpected,
      streamsEnded,
      p50Ms: round(percentile(latencies, 50), 2),
      p99Ms: round(percentile(latencies, 99), 2),
      maxMs: round(
        latencies.reduce((a, b) => Math.max(a, b), 0),
        2,
      ),
    };
  }

  #close(): void {
    for (const stream of this.#streams) stream.close();
    this.#agent.destroy();
  }
}
