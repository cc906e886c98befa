/**
 * H2's load: the same GET, one request at a time over one keep-alive connection (node:http, lighter than fetch), so
 * each latency is the server's time for that page plus the loopback. Every page is checked, not just timed.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

import { percentile, round } from '../stats.js';
import type { ListCommand, ListReply } from './protocol.js';

export async function listRepeatedly(command: ListCommand): Promise<ListReply> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(command.path, command.url);
  const headers = { authorization: `Bearer ${command.token}` };
  try {
    for (let i = 0; i < command.warmup; i++) check(await get(agent, url, headers), command);
    const latencies: number[] = [];
    let bytes = 0;
    const started = performance.now();
    for (let i = 0; i < command.count; i++) {
      const before = performance.now();
      const body = await get(agent, url, headers);
      latencies.push(performance.now() - before);
      check(body, command);
      bytes += body.length;
    }
    return {
      totalMs: round(performance.now() - started, 1),
      p50Ms: round(percentile(latencies, 50), 2),
      p99Ms: round(percentile(latencies, 99), 2),
      maxMs: round(
        latencies.reduce((a, b) => Math.max(a, b), 0),
        2,
      ),
      bytes: Math.round(bytes / command.count),
    };
  } finally {
    agent.destroy();
  }
}

/** The body of a 200 response; anything else fails the command. */
function get(agent: Agent, url: URL, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`GET ${url.pathname}${url.search}: ${res.statusCode} ${body}`));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function check(body: string, command: ListCommand): void {
  const page = JSON.parse(body) as { items: unknown[]; nextCursor: string | null };
  if (page.items.length !== command.expectItems || page.nextCursor === null) {
    throw new Error(
      `GET ${command.path}: a page of ${page.items.length} items (next: ${page.nextCursor}), not ${command.expectItems} and more`,
    );
  }
}
