/**
 * A local HTTP receiver that answers 204 to everything, in a process of its own so that receiving costs the measured
 * process nothing (the webhook and chat deliveries of N2). Prints `port N` once listening; exits on SIGTERM, saying
 * how many requests it took.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let received = 0;
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    received++;
    response.writeHead(204).end();
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`port ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  process.stderr.write(`received ${received}\n`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
