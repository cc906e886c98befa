/**
 * Chat destination URLs are credentials: on both databases they are stored encrypted (the row, and on SQLite the
 * database files, hold no plaintext URL), shown masked, and still delivered to; a server started with another secret
 * says which key it lacks instead of posting; rows saved in plain text before sealing are sealed at the next start;
 * and a destination posts only to its service's hosts unless the operator allow-lists another.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { createFlowgate, type Flowgate, type FlowgateOptions } from '../../src/app/flowgate.js';
import { buildServer } from '../../src/http/build-server.js';
import {
  insertChatDestination,
  listChatDestinationUrls,
} from '../../src/store/repositories/chat-destinations.js';
import { listOutboxMessages } from '../../src/store/repositories/outbox.js';
import { systemClock } from '../../src/shared/clock.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { startReceiver, type TestReceiver } from '../helpers/http-receiver.js';

const SECRET = 'the-first-server-secret-of-32-chars!';
const OTHER_SECRET = 'another-server-secret-of-32-chars!!';
// A path like a Slack hook's: the part that is the credential.
const HOOK_PATH = '/services/T0TESTTEAM/B0TESTBOT/Zq8sEcReTtOkEnXyZ123';

describe.each(DIALECTS)('chat destination URLs at rest (%s)', (dialect) => {
  let db: TestDatabase;
  let receiver: TestReceiver;
  const open: Flowgate[] = [];

  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    receiver = await startReceiver();
  });

  afterEach(async () => {
    for (const flowgate of open.splice(0)) await flowgate.close();
    await receiver.close();
    await db.drop();
  });

  async function start(options: Partial<FlowgateOptions> = {}): Promise<Flowgate> {
    const flowgate = await createFlowgate({
      db: db.url,
      outbound: { allowedCidrs: ['127.0.0.1/32'], allowHttp: true },
      workers: { pollMs: 50, leaseMs: 5_000 },
      ...options,
    });
    open.push(flowgate);
    return flowgate;
  }

  async function stop(flowgate: Flowgate): Promise<void> {
    open.splice(open.indexOf(flowgate), 1);
    await flowgate.close();
  }

  const storedUrls = (flowgate: Flowgate) =>
    flowgate.store.read((tx) => listChatDestinationUrls(tx));

  async function settled(flowgate: Flowgate, messageId: string) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [message] = (await flowgate.store.read((tx) => listOutboxMessages(tx))).filter(
        (m) => m.messageId === messageId,
      );
      if (message && message.status !== 'pending') return message;
      if (Date.now() > deadline) throw new Error('the chat message stayed pending');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('stores the URL encrypted, shows it masked, and still posts to it', async () => {
    const flowgate = await start({ chat: { secret: SECRET } });
    const url = `${receiver.url}${HOOK_PATH}`;
    const created = await flowgate.chat.create({ kind: 'slack', name: 'ops', url });
    expect(created.url).toBe(`http://127.0.0.1:${receiver.port}/…Z123`);
    expect(JSON.stringify(await flowgate.chat.list())).not.toContain(HOOK_PATH);

    const [row] = await storedUrls(flowgate);
    expect(row!.url).toMatch(/^fgs1\.[\w-]{10}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(row!.url).not.toContain('127.0.0.1');
    expect(row!.url).not.toContain('Zq8sEcReT');
    // A second destination with the same URL gets another IV, so equal URLs do not show as equal ciphertexts.
    await flowgate.chat.create({ kind: 'slack', name: 'ops-copy', url });
    const urls = (await storedUrls(flowgate)).map((r) => r.url);
    expect(new Set(urls).size).toBe(2);

    const { messageId } = await flowgate.chat.test(created.id);
    expect(await settled(flowgate, messageId)).toMatchObject({ status: 'sent' });
    expect(receiver.requests.map((r) => r.url)).toEqual([HOOK_PATH]);

    if (dialect === 'sqlite') {
      await stop(flowgate);
      // Every file of the database (main, WAL, shared memory): the secret part of the URL is in none of them.
      for (const file of readdirSync(db.dir)) {
        const bytes = readFileSync(join(db.dir, file));
        expect(bytes.includes('Zq8sEcReTtOkEnXyZ123'), file).toBe(false);
        expect(bytes.includes(Buffer.from('Zq8sEcReTtOkEnXyZ123', 'utf16le')), file).toBe(false);
      }
    }
  });

  it('fails clearly under another secret, and works again under the right one', async () => {
    const first = await start({ chat: { secret: SECRET } });
    const created = await first.chat.create({
      kind: 'slack',
      name: 'ops',
      url: `${receiver.url}${HOOK_PATH}`,
    });
    await stop(first);

    const warnings: unknown[] = [];
    const wrong = await start({
      chat: { secret: OTHER_SECRET },
      onError: (error) => warnings.push(error),
    });
    // Said at start, before any message fails.
    expect(warnings).toEqual([
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(
          /^1 chat destination URL\(s\) cannot be read here: .*FLOWGATE_JWT_SECRET/,
        ),
      }),
    ]);
    const [listed] = await wrong.chat.list();
    expect(listed).toMatchObject({
      url: '…',
      urlProblem: expect.stringContaining('FLOWGATE_JWT_SECRET'),
    });
    expect(listed!.urlProblem).toMatch(
      /encrypted with key [\w-]{10}, which this server does not have/,
    );
    // The start left the row alone: it is not the wrong server's to re-seal.
    const { messageId } = await wrong.chat.test(created.id);
    const failed = await settled(wrong, messageId);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.lastError).toMatch(/which this server does not have/);
    expect(receiver.connections).toBe(0);
    await stop(wrong);

    const right = await start({ chat: { secret: SECRET } });
    expect((await right.chat.get(created.id)).urlProblem).toBeUndefined();
    const again = await right.chat.test(created.id);
    expect(await settled(right, again.messageId)).toMatchObject({ status: 'sent' });
    expect(receiver.requests).toHaveLength(1);
  });

  it('refuses a sealed value moved to another row', async () => {
    const flowgate = await start({ chat: { secret: SECRET } });
    const a = await flowgate.chat.create({
      kind: 'slack',
      name: 'a',
      url: `${receiver.url}/a-hook-path-long`,
    });
    const b = await flowgate.chat.create({
      kind: 'slack',
      name: 'b',
      url: `${receiver.url}/b-hook-path-long`,
    });
    const rows = await storedUrls(flowgate);
    const sealedA = rows.find((r) => r.destinationId === a.id)!.url;
    await flowgate.store.transaction((tx) =>
      tx
        .updateTable('chat_destinations')
        .set({ url: sealedA })
        .where('destination_id', '=', b.id)
        .execute(),
    );
    expect((await flowgate.chat.get(b.id)).urlProblem).toMatch(
      /altered, or moved from another row/,
    );
    expect((await flowgate.chat.get(a.id)).urlProblem).toBeUndefined();
  });

  it('seals plain URLs of older rows at start, with the database key until a secret is set', async () => {
    const plain = await start({ chat: {}, workers: false });
    const now = new Date().toISOString();
    await plain.store.transaction((tx) =>
      insertChatDestination(tx, {
        destinationId: 'chat_legacy',
        kind: 'slack',
        name: 'legacy',
        url: `${receiver.url}${HOOK_PATH}`,
        createdBy: null,
        now,
      }),
    );
    // Read as it is until the next start seals it.
    expect((await plain.chat.get('chat_legacy')).url).toBe(
      `http://127.0.0.1:${receiver.port}/…Z123`,
    );
    await stop(plain);

    const previous = process.env.FLOWGATE_JWT_SECRET;
    delete process.env.FLOWGATE_JWT_SECRET;
    let keyOfDatabase = '';
    try {
      const noSecret = await start({ chat: {} });
      const [row] = await storedUrls(noSecret);
      expect(row!.url).toMatch(/^fgs1\./);
      expect(row!.url).not.toContain('Zq8sEcReT');
      keyOfDatabase = row!.url.split('.')[1]!;
      const { messageId } = await noSecret.chat.test('chat_legacy');
      expect(await settled(noSecret, messageId)).toMatchObject({ status: 'sent' });
      await stop(noSecret);
    } finally {
      if (previous !== undefined) process.env.FLOWGATE_JWT_SECRET = previous;
    }

    // Once the operator sets a secret, the next start moves the row to the key derived from it.
    const withSecret = await start({ chat: { secret: SECRET } });
    const [resealed] = await storedUrls(withSecret);
    expect(resealed!.url.split('.')[1]).not.toBe(keyOfDatabase);
    const { messageId } = await withSecret.chat.test('chat_legacy');
    expect(await settled(withSecret, messageId)).toMatchObject({ status: 'sent' });
    expect(receiver.requests.map((r) => r.url)).toEqual([HOOK_PATH, HOOK_PATH]);
  });
});

describe.each(DIALECTS)('chat destination hosts (%s)', (dialect) => {
  let db: TestDatabase;
  let receiver: TestReceiver;
  let flowgate: Flowgate | undefined;

  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    // Both families: `localhost` may resolve to ::1 first.
    receiver = await startReceiver('::');
  });

  afterEach(async () => {
    await flowgate?.close();
    flowgate = undefined;
    await receiver.close();
    await db.drop();
  });

  it('refuses a host outside the kind at save time with a 400, before any connection', async () => {
    flowgate = await createFlowgate({
      db: db.url,
      workers: false,
      outbound: { allowHttp: true },
      chat: { secret: SECRET },
    });
    const auth = new AuthService({ store: flowgate.store, clock: systemClock, jwtSecret: SECRET });
    await auth.ensureAdmin({ password: 'admin-password-1' });
    const app = buildServer({ flowgate, auth });
    try {
      await app.ready();
      const login = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'admin', password: 'admin-password-1' },
      });
      const headers = {
        authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}`,
      };
      const cases = [
        {
          kind: 'slack',
          url: 'https://hooks.slack.com.evil.example/services/x',
          host: 'hooks.slack.com.evil.example',
        },
        { kind: 'slack', url: 'https://example.com/hook', host: 'example.com' },
        { kind: 'slack', url: `${receiver.url}/slack`, host: '127.0.0.1' },
        { kind: 'teams', url: 'https://hooks.slack.com/services/x', host: 'hooks.slack.com' },
        {
          kind: 'teams',
          url: 'https://logic.azure.com.example.net/workflows/x',
          host: 'logic.azure.com.example.net',
        },
      ];
      for (const [i, { kind, url, host }] of cases.entries()) {
        const refused = await app.inject({
          method: 'POST',
          url: '/api/chat-destinations',
          headers,
          payload: { kind, name: `d${i}`, url },
        });
        expect(refused.statusCode, url).toBe(400);
        const error = refused.json<{ error: { code: string; message: string } }>().error;
        expect(error.code).toBe('BAD_REQUEST');
        expect(error.message).toContain(`not ${host}`);
        expect(error.message).toContain('FLOWGATE_OUTBOUND_ALLOWED_HOSTS');
      }
      expect(receiver.connections).toBe(0);
      expect(await flowgate.chat.list()).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('accepts a host the operator allow-lists by name or address, and re-checks a change of URL', async () => {
    flowgate = await createFlowgate({
      db: db.url,
      workers: { pollMs: 50, leaseMs: 5_000 },
      outbound: { allowedHosts: ['localhost'], allowedCidrs: ['127.0.0.2/32'], allowHttp: true },
      chat: { secret: SECRET },
    });
    const byName = await flowgate.chat.create({
      kind: 'slack',
      name: 'mattermost',
      url: `http://localhost:${receiver.port}/hooks/abc`,
    });
    expect(byName.url).toBe(`http://localhost:${receiver.port}/…`);
    await expect(
      flowgate.chat.create({
        kind: 'teams',
        name: 'teams-local',
        url: `http://127.0.0.2:${receiver.port}/t`,
      }),
    ).resolves.toMatchObject({ kind: 'teams' });
    // 127.0.0.1 is not the allow-listed address: refused for its host before the guard is asked.
    await expect(
      flowgate.chat.update(byName.id, { url: `http://127.0.0.1:${receiver.port}/hooks/abc` }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('not 127.0.0.1'),
    });
    const { messageId } = await flowgate.chat.test(byName.id);
    const deadline = Date.now() + 10_000;
    while (receiver.requests.length === 0) {
      if (Date.now() > deadline) throw new Error(`nothing arrived for ${messageId}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(receiver.requests[0]!.url).toBe('/hooks/abc');
  });
});
