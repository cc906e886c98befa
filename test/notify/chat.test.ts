/**
 * Chat on both databases, against real receivers on 127.0.0.1: a gate with `outputTypes: ['chat']` posts Block Kit
 * to a Slack destination and an Adaptive Card to a Teams one, each linking to the request page and never to a
 * decision link; a URL that points inside is refused when saved and, if saved when it was allowed, when sent, with
 * no connection made; Slack's signed button clicks decide as the mapped user (channel `slack`), and a bad
 * signature, an old timestamp, an unmapped member, a non-approver and a second click decide nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { slackSignature } from '../../src/notify/chat-slack-signature.js';
import { insertChatDestination } from '../../src/store/repositories/chat-destinations.js';
import { listOutboxAttempts, listOutboxMessages } from '../../src/store/repositories/outbox.js';
import { startApiApp, type ApiApp } from '../helpers/api-app.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';
import { startReceiver, type TestReceiver } from '../helpers/http-receiver.js';

const PUBLIC_URL = 'https://flowgate.test';
const SIGNING_SECRET = 'slack-signing-secret-for-tests';

interface SlackBody {
  text: string;
  unfurl_links: boolean;
  blocks: {
    type: string;
    text?: { type: string; text: string };
    elements?: { action_id?: string; url?: string; value?: string; text?: unknown }[];
  }[];
}

describe.each(DIALECTS)('chat notifications (%s)', (dialect) => {
  let t: TestFlowgate;
  let api: ApiApp;
  let receiver: TestReceiver;
  let unique = 0;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestFlowgate(dialect, {
      outbound: { allowedCidrs: ['127.0.0.1/32'], allowHttp: true },
      chat: { publicUrl: PUBLIC_URL, slackSigningSecret: SIGNING_SECRET },
    });
    api = await startApiApp(t.flowgate);
  });
  afterAll(async () => {
    await api?.close();
    await t?.close();
    await receiver?.close();
  });

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    api.call('admin', method, url, payload);

  async function raise(
    args: Record<string, unknown>,
    approvers: string[] = ['alice'],
  ): Promise<{ workflowId: string; requestId: string }> {
    const { workflowId } = await t.flowgate.start(
      plan(`chat_${++unique}`, [
        {
          id: 'gate',
          type: 'human_in_loop',
          config: { message: 'Deploy?', approvers, outputTypes: ['chat'], args },
        },
      ]),
      { startedBy: 'carol' },
    );
    await t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
    const [request] = (await t.flowgate.listHitl({ workflowId })).items;
    return { workflowId, requestId: request!.requestId };
  }

  function slackClick(
    slackUserId: string,
    actionId: string,
    requestId: string,
    options: { timestamp?: number; secret?: string } = {},
  ) {
    const payload = {
      type: 'block_actions',
      user: { id: slackUserId },
      response_url: `${receiver.url}/slack-reply`,
      actions: [{ action_id: actionId, value: requestId }],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    return api.app.inject({
      method: 'POST',
      url: '/api/integrations/slack/actions',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': slackSignature(options.secret ?? SIGNING_SECRET, timestamp, body),
      },
      payload: body,
    });
  }

  it('refuses a destination URL pointing at the metadata service when saved', async () => {
    const before = receiver.connections;
    for (const url of ['http://169.254.169.254/latest', 'https://169.254.169.254/hook']) {
      const refused = await call('POST', '/api/chat-destinations', {
        kind: 'slack',
        name: `metadata ${url}`,
        url,
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json<{ error: { message: string } }>().error.message).toContain(
        '169.254.169.254',
      );
    }
    const badKind = await call('POST', '/api/chat-destinations', {
      kind: 'irc',
      name: 'x',
      url: `${receiver.url}/x`,
    });
    expect(badKind.statusCode).toBe(400);
    expect(receiver.connections).toBe(before);
    expect((await call('GET', '/api/chat-destinations')).json()).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('posts Block Kit to Slack and an Adaptive Card to Teams, linking to the request page only', async () => {
    const slack = await call('POST', '/api/chat-destinations', {
      kind: 'slack',
      name: 'ops-slack',
      url: `${receiver.url}/slack`,
    });
    expect(slack.statusCode).toBe(201);
    // The URL is a credential: even the answer to its creation shows it masked.
    expect(slack.json<{ url: string }>().url).toBe(`${receiver.url}/…`);
    const teams = await call('POST', '/api/chat-destinations', {
      kind: 'teams',
      name: 'ops-teams',
      url: `${receiver.url}/teams`,
    });
    expect(teams.statusCode).toBe(201);
    const duplicate = await call('POST', '/api/chat-destinations', {
      kind: 'teams',
      name: 'ops-teams',
      url: `${receiver.url}/teams`,
    });
    expect(duplicate.statusCode).toBe(409);

    const before = receiver.requests.length;
    const { requestId } = await raise({
      message: 'Ship *v2* to <!channel> & prod?',
      expectedResponse: ['yes', 'no'],
    });
    const received = (await receiver.waitFor(before + 2)).slice(before);
    const slackRequest = received.find((r) => r.url === '/slack')!;
    const teamsRequest = received.find((r) => r.url === '/teams')!;
    expect(slackRequest.headers['content-type']).toBe('application/json');

    const body = JSON.parse(slackRequest.body) as SlackBody;
    expect(body.unfurl_links).toBe(false);
    const [section, context, actions] = body.blocks;
    expect(section).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
    // Escaped for mrkdwn: the message cannot ping the channel or forge a link.
    expect(section!.text!.text).toContain('Ship *v2* to &lt;!channel&gt; &amp; prod?');
    expect(context!.type).toBe('context');
    expect(JSON.stringify(context)).toContain('yes / no');
    expect(actions!.type).toBe('actions');
    const [review, approve, reject] = actions!.elements!;
    expect(review!.url).toBe(`${PUBLIC_URL}/requests/${requestId}`);
    expect(approve).toMatchObject({ action_id: 'flowgate_approve', value: requestId });
    expect(reject).toMatchObject({ action_id: 'flowgate_reject', value: requestId });

    const card = JSON.parse(teamsRequest.body) as {
      type: string;
      attachments: { contentType: string; content: { type: string; actions: { url: string }[] } }[];
    };
    expect(card.type).toBe('message');
    expect(card.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.attachments[0]!.content.type).toBe('AdaptiveCard');
    expect(card.attachments[0]!.content.actions[0]!.url).toBe(
      `${PUBLIC_URL}/requests/${requestId}`,
    );

    for (const request of received) {
      expect(request.body).not.toMatch(/\/a\//);
      expect(request.body).toContain(`/requests/${requestId}`);
    }
    // Each attempt is in the delivery log.
    const messages = await t.flowgate.store.read((db) => listOutboxMessages(db, { requestId }));
    expect(messages.map((m) => m.channel)).toEqual(['chat', 'chat']);
    for (const message of messages) {
      const attempts = await t.flowgate.store.read((db) =>
        listOutboxAttempts(db, message.messageId),
      );
      expect(attempts.length).toBeGreaterThanOrEqual(1);
    }
  });

  it('posts only to the destinations a node names in args.destinations', async () => {
    const before = receiver.requests.length;
    const { requestId } = await raise({ message: 'Teams only', destinations: ['ops-teams'] });
    await receiver.waitFor(before + 1);
    const messages = await t.flowgate.store.read((db) => listOutboxMessages(db, { requestId }));
    expect(messages).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests.slice(before).map((r) => r.url)).toEqual(['/teams']);
  });

  it('retries a failed post on the schedule, logging each attempt, and skips a disabled destination', async () => {
    const list = (await call('GET', '/api/chat-destinations')).json<{
      items: { id: string; name: string }[];
    }>();
    const teams = list.items.find((d) => d.name === 'ops-teams')!;
    const disabled = await call('PATCH', `/api/chat-destinations/${teams.id}`, { active: false });
    expect(disabled.json()).toMatchObject({ active: false });
    let failures = 1;
    receiver.answer = (_request, response) => {
      if (failures-- > 0) response.writeHead(500).end('down');
      else response.writeHead(200).end('ok');
    };
    try {
      const before = receiver.requests.length;
      const { requestId } = await raise({ message: 'Retry me' });
      // The second attempt comes after the schedule's 5 s (±20 %).
      const received = (await receiver.waitFor(before + 2, 15_000)).slice(before);
      expect(received.map((r) => r.url)).toEqual(['/slack', '/slack']);
      expect(received[1]!.body).toBe(received[0]!.body);
      const deadline = Date.now() + 10_000;
      let [message] = await t.flowgate.store.read((db) => listOutboxMessages(db, { requestId }));
      while (message?.status !== 'sent') {
        if (Date.now() > deadline) throw new Error('the chat message was not marked sent');
        await new Promise((resolve) => setTimeout(resolve, 25));
        [message] = await t.flowgate.store.read((db) => listOutboxMessages(db, { requestId }));
      }
      const attempts = await t.flowgate.store.read((db) =>
        listOutboxAttempts(db, message.messageId),
      );
      expect(attempts.map((a) => [a.outcome, a.statusCode])).toEqual([
        ['retry', 500],
        ['sent', 200],
      ]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(receiver.requests.slice(before).some((r) => r.url === '/teams')).toBe(false);
    } finally {
      receiver.answer = undefined;
      await call('PATCH', `/api/chat-destinations/${teams.id}`, { active: true });
    }
  }, 30_000);

  it('decides from a signed Slack click as the mapped user, once', async () => {
    const alice = await api.auth.createUser({
      username: 'alice',
      password: 'alice-password-1',
      role: 'user',
    });
    const bob = await api.auth.createUser({
      username: 'bob',
      password: 'bob-password-1',
      role: 'user',
    });
    const mapped = await call('PATCH', `/api/users/${alice.userId}`, { slackUserId: 'U0ALICE' });
    expect(mapped.statusCode).toBe(200);
    expect(mapped.json<{ slackUserId: string }>().slackUserId).toBe('U0ALICE');
    expect(
      (await call('PATCH', `/api/users/${bob.userId}`, { slackUserId: 'U0ALICE' })).statusCode,
    ).toBe(409);
    expect(
      (await call('PATCH', `/api/users/${bob.userId}`, { slackUserId: 'U0BOB' })).statusCode,
    ).toBe(200);

    const { workflowId, requestId } = await raise({ message: 'Approve?' });

    const badSignature = await slackClick('U0ALICE', 'flowgate_approve', requestId, {
      secret: 'not-the-secret',
    });
    expect(badSignature.statusCode).toBe(401);
    const old = await slackClick('U0ALICE', 'flowgate_approve', requestId, {
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(old.statusCode).toBe(401);
    const unmapped = await slackClick('U0NOBODY', 'flowgate_approve', requestId);
    expect(unmapped.statusCode).toBe(200);
    expect(unmapped.json()).toMatchObject({ response_type: 'ephemeral' });
    expect(unmapped.json<{ text: string }>().text).toContain('not linked');
    const notApprover = await slackClick('U0BOB', 'flowgate_approve', requestId);
    expect(notApprover.statusCode).toBe(200);
    expect(notApprover.json<{ text: string }>().text).toContain('not an approver');
    expect((await t.flowgate.getHitl(requestId)).status).toBe('pending');

    const approved = await slackClick('U0ALICE', 'flowgate_approve', requestId);
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toEqual({
      response_type: 'ephemeral',
      text: 'You approved the request.',
    });
    await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
    const events = await t.flowgate.listEvents(workflowId);
    const decided = events.find((e) => e.type === 'hitl_approved');
    expect(JSON.stringify(decided)).toContain('"channel":"slack"');
    expect(JSON.stringify(decided)).toContain(alice.userId);

    const again = await slackClick('U0ALICE', 'flowgate_reject', requestId);
    expect(again.statusCode).toBe(200);
    expect(again.json<{ text: string }>().text).toMatch(/already approved by .+/);
    expect((await t.flowgate.getHitl(requestId)).status).toBe('approved');

    // Slack shows a button's answer only when it is posted to the click's response_url: each one was.
    const deadline = Date.now() + 10_000;
    const replies = () => receiver.requests.filter((r) => r.url === '/slack-reply');
    while (replies().length < 4) {
      if (Date.now() > deadline) throw new Error(`only ${replies().length} replies arrived`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const texts = replies().map(
      (r) => JSON.parse(r.body) as { response_type: string; text: string },
    );
    expect(texts.every((reply) => reply.response_type === 'ephemeral')).toBe(true);
    expect(texts.map((reply) => reply.text).sort()).toEqual(
      [unmapped, notApprover, approved, again].map((r) => r.json<{ text: string }>().text).sort(),
    );
  });

  it('sends a test message on request', async () => {
    const list = (await call('GET', '/api/chat-destinations')).json<{
      items: { id: string; name: string }[];
    }>();
    const slack = list.items.find((d) => d.name === 'ops-slack')!;
    const before = receiver.requests.length;
    const sent = await call('POST', `/api/chat-destinations/${slack.id}/test`);
    expect(sent.statusCode).toBe(202);
    await receiver.waitFor(before + 1);
    const request = receiver.requests.slice(before).find((r) => r.url === '/slack');
    expect(request).toBeDefined();
    expect(JSON.parse(request!.body)).toMatchObject({ text: expect.stringContaining('test') });
  });
});

describe.each(DIALECTS)('chat at send time (%s)', (dialect) => {
  let t: TestFlowgate;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    // Nothing allow-listed: the destinations below were saved when 127.0.0.1 (and the metadata address) still was.
    t = await startTestFlowgate(dialect, {
      outbound: { allowHttp: true },
      chat: { publicUrl: PUBLIC_URL },
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('refuses a destination the allow-list no longer covers, with no connection made', async () => {
    const now = new Date().toISOString();
    await t.flowgate.store.transaction(async (tx) => {
      await insertChatDestination(tx, {
        destinationId: 'chat_local',
        kind: 'slack',
        name: 'was allowed',
        url: `${receiver.url}/slack`,
        createdBy: null,
        now,
      });
      await insertChatDestination(tx, {
        destinationId: 'chat_metadata',
        kind: 'teams',
        name: 'metadata',
        url: 'http://169.254.169.254/latest/meta-data',
        createdBy: null,
        now,
      });
    });
    const { workflowId } = await t.flowgate.start(
      plan('chat_send_time', [
        {
          id: 'gate',
          type: 'human_in_loop',
          config: { message: 'Deploy?', approvers: [], outputTypes: ['chat'] },
        },
      ]),
    );
    await t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
    const deadline = Date.now() + 10_000;
    let messages = await t.flowgate.store.read((db) => listOutboxMessages(db, { workflowId }));
    while (messages.length < 2 || messages.some((m) => m.status === 'pending')) {
      if (Date.now() > deadline) throw new Error('the chat messages stayed pending');
      await new Promise((resolve) => setTimeout(resolve, 50));
      messages = await t.flowgate.store.read((db) => listOutboxMessages(db, { workflowId }));
    }
    expect(messages.map((m) => m.status)).toEqual(['failed', 'failed']);
    for (const message of messages) {
      // The kind's host list refuses them first (the guard would refuse at connect time too): before any socket.
      expect(message.lastError).toMatch(/posts only to (Slack|Microsoft Teams) hosts/);
      expect(message.attempts).toBe(1);
    }
    expect(receiver.connections).toBe(0);
  });
});
