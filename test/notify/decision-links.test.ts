/**
 * Decision links end to end: the link comes from a mail a real SMTP server received, and the server is Fastify's
 * (inject). GET and HEAD change nothing; POST needs the page's nonce, decides once as the bound approver, and every
 * bad link gets a page saying so. Both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { systemClock } from '../../src/shared/clock.js';
import { getActionToken, listRequestTokens } from '../../src/store/repositories/action-tokens.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';

const PUBLIC_URL = 'https://flowgate.example.test';
const PASSWORD = 'p4ssword-long-enough';
const LINK = /https:\/\/flowgate\.example\.test(\/a\/([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+))/;

let unique = 0;

for (const dialect of DIALECTS) {
  describe(`${dialect}: decision links`, () => {
    let t: TestFlowgate;
    let smtp: TestSmtp;
    let app: FlowgateServer;
    let auth: AuthService;

    beforeAll(async () => {
      smtp = await startSmtp();
      t = await startTestFlowgate(dialect, {
        mail: {
          smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
          from: 'flowgate@example.test',
          publicUrl: PUBLIC_URL,
          delivery: { pollMs: 100, leaseMs: 5_000 },
        },
      });
      auth = new AuthService({
        store: t.flowgate.store,
        clock: systemClock,
        jwtSecret: 'a-test-secret-of-at-least-32-characters!',
      });
      for (const name of ['alice', 'bob', 'carol']) {
        await auth.createUser({
          username: name,
          password: PASSWORD,
          role: 'user',
          email: `${name}@example.test`,
        });
      }
      app = buildServer({
        flowgate: t.flowgate,
        auth,
        loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
      });
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      await t?.close();
      await smtp?.close();
    });

    /** Raises a request for the approvers and returns it with each approver's link path. */
    async function raise(
      approvers: string[],
      config: Record<string, unknown> = {},
    ): Promise<{ requestId: string; workflowId: string; links: Map<string, string> }> {
      const before = smtp.received.length;
      const dagId = `links_${++unique}`;
      const { workflowId } = await t.flowgate.start(
        plan(dagId, [
          {
            id: 'gate',
            type: 'human_in_loop',
            config: { message: 'Deploy?', approvers, ...config },
          },
          { id: 'after', agent: 'echo_agent', deps: ['gate'] },
        ]),
        { startedBy: 'carol', input: { n: unique } },
      );
      await t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
      const mails = (await smtp.waitFor(before + approvers.length)).slice(before);
      const links = new Map<string, string>();
      for (const mail of mails) {
        const match = LINK.exec(mail.parsed.text ?? '');
        links.set(mail.envelope.to[0]!.split('@')[0]!, match![1]!);
      }
      const [request] = (await t.flowgate.listHitl({ workflowId })).items;
      return { requestId: request!.requestId, workflowId, links };
    }

    const get = (path: string, method: 'GET' | 'HEAD' = 'GET') => app.inject({ method, url: path });
    const nonceOf = (html: string) => /name="nonce" value="([^"]+)"/.exec(html)?.[1];
    const post = (
      path: string,
      fields: Record<string, string>,
      headers: Record<string, string> = {},
    ) =>
      app.inject({
        method: 'POST',
        url: path,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'user-agent': 'link-test/1.0',
          ...headers,
        },
        payload: new URLSearchParams(fields).toString(),
      });
    const statusOf = async (requestId: string) => (await t.flowgate.getHitl(requestId)).status;

    it('GET and HEAD, five times each, show the page and change nothing', async () => {
      const { requestId, links } = await raise(['alice']);
      const path = links.get('alice')!;
      for (let i = 0; i < 5; i++) {
        const page = await get(path);
        expect(page.statusCode).toBe(200);
        expect(page.headers['content-type']).toContain('text/html');
        expect(page.headers['cache-control']).toBe('no-store');
        expect(page.body).toContain('value="approve"');
        expect(page.body).toContain('value="reject"');
        expect(page.body).toContain('You are deciding as <strong>alice</strong>');
        expect(page.body).not.toContain('<script');
        expect(nonceOf(page.body)).toBeDefined();
        const head = await get(path, 'HEAD');
        expect(head.statusCode).toBe(200);
        expect(head.body).toBe('');
      }
      expect(await statusOf(requestId)).toBe('pending');
      const [token] = await t.flowgate.store.read((db) => listRequestTokens(db, requestId));
      expect(token!.usedAt).toBeNull();
      expect(token!.revokedAt).toBeNull();
    });

    it('a POST without the page’s nonce (or with a forged one) is refused and decides nothing', async () => {
      const { requestId, links } = await raise(['alice']);
      const path = links.get('alice')!;
      const bare = await post(path, { decision: 'approve' });
      expect(bare.statusCode).toBe(403);
      expect(bare.headers['content-type']).toContain('text/html');
      const forged = await post(path, { decision: 'approve', nonce: `${Date.now()}.AAAA` });
      expect(forged.statusCode).toBe(403);
      expect(await statusOf(requestId)).toBe('pending');
    });

    it('approves by link as the bound approver, with channel, ip and user agent in the audit; a replay is refused', async () => {
      const { requestId, workflowId, links } = await raise(['alice']);
      const path = links.get('alice')!;
      const nonce = nonceOf((await get(path)).body)!;
      const done = await post(path, { decision: 'approve', comment: 'ship it', nonce });
      expect(done.statusCode, done.body).toBe(200);
      expect(done.body).toContain('You approved the request');
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      expect(run.status).toBe('completed');
      const request = await t.flowgate.getHitl(requestId);
      expect(request.status).toBe('approved');
      expect(request.respondedBy).toBe('alice');
      const events = await t.flowgate.listEvents(workflowId);
      const approved = events.find((e) => e.type === 'hitl_approved')!;
      expect(approved.data).toMatchObject({
        response: 'ship it',
        by: { username: 'alice', channel: 'link', userAgent: 'link-test/1.0', ip: '127.0.0.1' },
      });

      const replay = await post(path, { decision: 'reject', nonce });
      expect(replay.statusCode).toBe(410);
      expect(replay.body).toContain('already used');
      expect((await t.flowgate.getHitl(requestId)).status).toBe('approved');
      expect((await get(path)).statusCode).toBe(410);
    });

    it('expired, tampered and swapped tokens are refused with a page, never a decision', async () => {
      const { requestId, links } = await raise(['alice', 'bob']);
      const other = await raise(['alice']);
      const alice = links.get('alice')!;
      const [, , aliceId, aliceSecret] = LINK.exec(`${PUBLIC_URL}${alice}`)!;
      const [, , bobId, bobSecret] = LINK.exec(`${PUBLIC_URL}${links.get('bob')!}`)!;
      const [, , , otherSecret] = LINK.exec(`${PUBLIC_URL}${other.links.get('alice')!}`)!;
      const nonce = nonceOf((await get(alice)).body)!;

      const flip = (s: string) => `${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`;
      for (const path of [
        `/a/${aliceId}.${flip(aliceSecret!)}`, // tampered
        `/a/${aliceId}.${bobSecret}`, // another approver's secret
        `/a/${bobId}.${aliceSecret}`,
        `/a/${aliceId}.${otherSecret}`, // another request's secret
        '/a/not-a-token',
        `/a/${'x'.repeat(22)}.${'y'.repeat(43)}`, // well-formed, unknown
        `/a/${aliceId}`,
      ]) {
        const page = await get(path);
        expect(page.statusCode, path).toBe(404);
        expect(page.body).toContain('This link is not valid');
        // The nonce is checked first (it names the token id), so a swapped id is refused by it.
        expect([403, 404], path).toContain(
          (await post(path, { decision: 'approve', nonce })).statusCode,
        );
      }
      // Expired: the token's deadline passed.
      await t.flowgate.store.transaction((tx) =>
        tx
          .updateTable('action_tokens')
          .set({ expires_at: '2000-01-01T00:00:00.000Z' })
          .where('token_id', '=', aliceId!)
          .execute(),
      );
      expect((await get(alice)).statusCode).toBe(410);
      const expired = await post(alice, { decision: 'approve', nonce });
      expect(expired.statusCode).toBe(410);
      expect(expired.body).toContain('expired');
      expect(await statusOf(requestId)).toBe('pending');
      expect(await statusOf(other.requestId)).toBe('pending');
    });

    it('an approver the request no longer lets decide is refused (403), and the token stays unspent', async () => {
      const { requestId, links } = await raise(['alice'], { allowSelfApproval: false });
      const path = links.get('alice')!;
      const nonce = nonceOf((await get(path)).body)!;
      const alice = (await auth.listUsers()).find((u) => u.username === 'alice')!;
      await auth.updateUser(alice.userId, { role: 'viewer' });
      try {
        const refused = await post(path, { decision: 'approve', nonce });
        expect(refused.statusCode).toBe(403);
        expect(await statusOf(requestId)).toBe('pending');
        const [token] = await t.flowgate.store.read((db) => listRequestTokens(db, requestId));
        expect(token!.usedAt).toBeNull();
      } finally {
        await auth.updateUser(alice.userId, { role: 'user' });
      }
    });

    it('two concurrent POSTs with one link: exactly one decides', async () => {
      const { requestId, links } = await raise(['alice']);
      const path = links.get('alice')!;
      const nonce = nonceOf((await get(path)).body)!;
      const answers = await Promise.all([
        post(path, { decision: 'approve', nonce }),
        post(path, { decision: 'reject', nonce }),
      ]);
      const codes = answers.map((a) => a.statusCode).sort();
      expect(codes[0]).toBe(200);
      expect([409, 410]).toContain(codes[1]);
      const status = await statusOf(requestId);
      const winner = answers.find((a) => a.statusCode === 200)!;
      expect(status).toBe(winner.body.includes('approved') ? 'approved' : 'rejected');
    });

    it('closing a request (decided elsewhere) revokes the other links, which then say so', async () => {
      const { requestId, links } = await raise(['alice', 'bob']);
      await t.flowgate.approve(requestId, 'alice');
      const tokens = await t.flowgate.store.read((db) => listRequestTokens(db, requestId));
      expect(tokens).toHaveLength(2);
      for (const token of tokens) {
        expect(token.revokedAt).not.toBeNull();
        expect(token.revokedReason).toBe('closed');
      }
      const page = await get(links.get('bob')!);
      expect(page.statusCode).toBe(409);
      expect(page.body).toContain('This request is closed');

      const cancelled = await raise(['bob']);
      await t.flowgate.cancelHitl(cancelled.requestId, 'carol');
      const [token] = await t.flowgate.store.read((db) =>
        listRequestTokens(db, cancelled.requestId),
      );
      expect(token!.revokedReason).toBe('closed');
    });

    it('requireLogin: the page asks the approver to sign in, and a POST without their sign-in decides nothing', async () => {
      const { requestId, links } = await raise(['alice'], { requireLogin: true });
      const path = links.get('alice')!;
      const page = await get(path);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Sign in to Flowgate');
      expect(page.body).not.toContain('value="approve"');
      const nonce = /^\/a\/([^.]+)/.exec(path)![1]!;
      // A nonce is not even offered; one made for the page still cannot decide without sign-in.
      expect(nonceOf(page.body)).toBeUndefined();
      const refused = await post(path, { decision: 'approve', nonce });
      expect([401, 403]).toContain(refused.statusCode);
      expect(await statusOf(requestId)).toBe('pending');
    });

    it('takes form bodies on its own routes only: the API still refuses them', async () => {
      const { requestId } = await raise(['alice']);
      const login = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'alice', password: PASSWORD },
      });
      const token = login.json<{ accessToken: string }>().accessToken;
      const answer = await app.inject({
        method: 'POST',
        url: `/api/hitl/${requestId}/approve`,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Bearer ${token}`,
        },
        payload: 'response=yes',
      });
      // Fastify's 415, in the API's envelope as BAD_REQUEST.
      expect(answer.statusCode).toBe(400);
      expect(answer.json<{ error: { code: string } }>().error.code).toBe('BAD_REQUEST');
      expect(await statusOf(requestId)).toBe('pending');
    });

    it('stores no secret: the database holds only hashes', async () => {
      const { requestId, links } = await raise(['alice']);
      const [, , tokenId, secret] = LINK.exec(`${PUBLIC_URL}${links.get('alice')!}`)!;
      const token = await t.flowgate.store.read((db) => getActionToken(db, tokenId!));
      expect(token!.requestId).toBe(requestId);
      expect(token!.secretHash).not.toContain(secret!);
      const rows = await t.flowgate.store.read((db) =>
        db.selectFrom('outbox_messages').selectAll().execute(),
      );
      expect(JSON.stringify(rows)).not.toContain(secret!);
    });
  });
}
