/**
 * The server the HTTP workloads measure, built as `flowgate serve` builds it (src/cli/commands/serve-command.ts): an
 * AuthService with the admin, `buildServer` with the store (so `/api/events` is served), warnings to stderr, listening
 * on a free port of 127.0.0.1. Clients sign in over HTTP, as a real client does.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

import type { Flowgate } from '../../src/app/flowgate.js';
import { createAccounts } from '../../src/app/accounts.js';
import { buildServer } from '../../src/http/build-server.js';

/** The account that decides: a plain user (not an admin), named as the gates' only approver. */
export const APPROVER = 'bench-approver';

export interface BenchServer {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** An access token of the approver. */
  readonly approverToken: string;
  /** An access token of the admin (who sees everything, so no visibility filter applies). */
  readonly adminToken: string;
  close(): Promise<void>;
}

export async function startBenchServer(flowgate: Flowgate): Promise<BenchServer> {
  const auth = createAccounts(flowgate);
  const adminPassword = randomBytes(18).toString('base64url');
  const approverPassword = randomBytes(18).toString('base64url');
  await auth.ensureAdmin({ password: adminPassword });
  await auth.createUser({ username: APPROVER, password: approverPassword, role: 'user' });

  const server = buildServer({
    flowgate,
    auth,
    logger: { level: 'warn', stream: process.stderr },
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  try {
    return {
      url,
      approverToken: await signIn(url, APPROVER, approverPassword),
      adminToken: await signIn(url, 'admin', adminPassword),
      close: () => server.close(),
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}

async function signIn(url: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200) {
    throw new Error(`Signing in as ${username}: ${response.status} ${await response.text()}`);
  }
  return ((await response.json()) as { accessToken: string }).accessToken;
}
