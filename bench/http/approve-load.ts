/**
 * H1's load: autocannon POSTs `/api/hitl/{id}/approve` exactly once per given request id over `connections`
 * keep-alive connections, each request taking the next id (`setupRequest`), so every request decides a different
 * pending request. Latencies are kept from each response (autocannon's own histogram holds whole milliseconds).
 */
import { performance } from 'node:perf_hooks';

import autocannon from 'autocannon';

import { percentile, round } from '../stats.js';
import type { ApproveCommand, ApproveReply } from './protocol.js';

const BODY = JSON.stringify({ response: 'approved by the benchmark' });

export async function approveEach(command: ApproveCommand): Promise<ApproveReply> {
  const ids = command.requestIds;
  if (ids.length < command.connections) {
    throw new Error(`${ids.length} requests cannot keep ${command.connections} connections busy`);
  }
  let next = 0;
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};

  const options: autocannon.Options = {
    url: command.url,
    connections: command.connections,
    // `amount` is shared out exactly among the connections, and autocannon builds a request (calls setupRequest)
    // only just before sending it: exactly one request per id.
    amount: ids.length,
    timeout: 30,
    headers: {
      authorization: `Bearer ${command.token}`,
      'content-type': 'application/json',
    },
    requests: [
      {
        method: 'POST',
        body: BODY,
        setupRequest: (request) => {
          // Past the end (never, with `amount` as above), an unknown id: its 404 would count as a non-2xx.
          const id = ids[next++] ?? 'no-such-request';
          return { ...request, path: `/api/hitl/${id}/approve` };
        },
      },
    ],
  };
  const started = performance.now();
  let lastResponseAt = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    // The callback form returns the instance, whose `response` events carry each latency.
    const instance = autocannon(options, (error, result) =>
      error ? reject(error as Error) : resolve(result),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      lastResponseAt = performance.now();
      latencies.push(responseTime);
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    });
  });
  // To the last response: autocannon calls back only at its next sampling tick (every second by default).
  const durationMs = lastResponseAt - started;
  return {
    durationMs: round(durationMs, 1),
    requests: latencies.length,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    p50Ms: round(percentile(latencies, 50), 2),
    p99Ms: round(percentile(latencies, 99), 2),
    maxMs: round(
      latencies.reduce((a, b) => Math.max(a, b), 0),
      2,
    ),
  };
}
