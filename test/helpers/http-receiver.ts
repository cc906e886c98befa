/**
 * A real HTTP receiver for outbound-request tests. It counts TCP connections as well as requests, because an SSRF
 * refusal must happen before a socket is opened, not after the request was read. `listenHost` '::' takes IPv4 and
 * IPv6 (and 0.0.0.0) connections on one port, so every loopback form of an address reaches the same counter.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export type Answer = (request: ReceivedRequest, response: ServerResponse) => void;

export interface TestReceiver {
  readonly port: number;
  readonly url: string;
  readonly requests: ReceivedRequest[];
  connections: number;
  /** How the next requests are answered; 204 with no body when unset. */
  answer: Answer | undefined;
  /** Resolves once `count` requests arrived (bounded). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startReceiver(listenHost = '127.0.0.1'): Promise<TestReceiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      if (receiver.answer) receiver.answer(received, res);
      else res.writeHead(204).end();
    });
  });
  server.on('connection', () => {
    receiver.connections += 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: listenHost }, () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('the receiver has no port');
  const receiver: TestReceiver = {
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    requests,
    connections: 0,
    answer: undefined,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`the receiver got ${requests.length} of ${count} requests`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return requests;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}
