/**
 * The server U1 measures: built as `flowgate serve` builds it (an AuthService with the admin, `buildServer` with the
 * built UI), listening on a free port of 127.0.0.1, with the workload process's workers running. The browser signs
 * in through the login page, so the approver's password is kept; API calls use an access token.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

import type { Flowgate } from '../../src/app/flowgate.js';
import { createAccounts } from '../../src/app/accounts.js';
import { buildServer } from '../../src/http/build-server.js';
import { APPROVER } from '../http/server.js';

export interface UiBenchServer {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** An access token of the approver, for the decisions made "elsewhere" (through the API). */
  readonly token: string;
  close(): Promise<void>;
}

export async function startUiBenchServer(
  flowgate: Flowgate,
  webRoot: string,
): Promise<UiBenchServer> {
  const auth = createAccounts(flowgate);
  const password = randomBytes(18).toString('base64url');
  await auth.ensureAdmin({ password: randomBytes(18).toString('base64url') });
  await auth.createUser({ username: APPROVER, password, role: 'user' });
  const server = buildServer({
    flowgate,
    auth,
    webRoot,
    logger: { level: 'warn', stream: process.stderr },
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  try {
    const response = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: APPROVER, password }),
    });
    if (response.status !== 200)
      throw new Error(`Signing in: ${response.status} ${await response.text()}`);
    const { accessToken } = (await response.json()) as { accessToken: string };
    return { url, username: APPROVER, password, token: accessToken, close: () => server.close() };
  } catch (error) {
    await server.close();
    throw error;
  }
}
