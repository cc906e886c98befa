/**
 * The HTTP server `flowgate serve` runs until the REST API exists: a liveness and database check at
 * `GET /api/health`, and the API's JSON error shape everywhere else.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';

import type { Flowgate } from '../app/flowgate.js';

export function createHealthServer(flowgate: Pick<Flowgate, 'listDags'>): Server {
  return createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/api/health' && (request.method === 'GET' || request.method === 'HEAD')) {
      // A real read, so that a lost or locked database shows here rather than in the first run.
      flowgate.listDags().then(
        () => sendJson(response, 200, { status: 'ok', database: 'ok' }),
        () => sendJson(response, 503, { status: 'error', database: 'error' }),
      );
      return;
    }
    sendJson(response, 404, {
      error: { code: 'NOT_FOUND', message: `No route for ${request.method ?? 'GET'} ${path}` },
    });
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  response.end(text);
}
