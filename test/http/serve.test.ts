import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { killAllCli, startCli } from '../cli/cli-process.js';
import { freePort } from '../helpers/free-port.js';

/** `flowgate serve` as a real process: the first admin, sign-in over HTTP, a clean stop. */
describe('flowgate serve with the HTTP API', () => {
  let dir: string;
  let db: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowgate-serve-'));
    db = `sqlite:${join(dir, 'flowgate.db')}`;
  });
  afterEach(killAllCli);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the admin once with a generated password that signs in; stops on SIGINT', async () => {
    const port = await freePort();
    const serve = startCli(['serve', '--db', db, '--port', String(port)]);
    const [, password] = await serve.waitForOutput(/^Created user admin with password (\S+)$/m);
    await serve.waitForOutput(
      new RegExp(`^Flowgate listening on http://127\\.0\\.0\\.1:${port}$`, 'm'),
    );
    const base = `http://127.0.0.1:${port}`;
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const users = await fetch(`${base}/api/users`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(await users.json()).toMatchObject({ items: [{ username: 'admin', role: 'admin' }] });
    expect((await fetch(`${base}/api/users`)).status).toBe(401);

    serve.kill('SIGINT');
    const { code, stdout } = await serve.exit();
    expect(code, serve.transcript()).toBe(0);
    expect(stdout).toContain('Flowgate stopped.');
  });

  it('does not create the admin again on the next start', async () => {
    const port = await freePort();
    const serve = startCli(['serve', '--db', db, '--port', String(port)], {
      env: { FLOWGATE_ADMIN_PASSWORD: 'ignored-because-users-exist' },
    });
    await serve.waitForOutput(/^Flowgate listening on /m);
    serve.kill('SIGTERM');
    const { code, stdout } = await serve.exit();
    expect(code, serve.transcript()).toBe(0);
    expect(stdout).not.toContain('Created user');
  });
});
