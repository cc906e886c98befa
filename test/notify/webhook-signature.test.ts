/**
 * Our signatures, checked by the reference verifier: a receiver built on the `standardwebhooks` package, over a
 * real HTTP request, accepts what we send, and refuses a changed body and an old timestamp. During a rotation both
 * signatures travel, so a receiver still holding the old secret verifies too.
 */
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { OutboundGuard, sendOutbound } from '../../src/notify/outbound-guard.js';
import {
  isWebhookSecret,
  newWebhookSecret,
  webhookHeaders,
} from '../../src/notify/webhook-signature.js';
import { startReceiver, type TestReceiver } from '../helpers/http-receiver.js';

const guard = new OutboundGuard({
  allowedHosts: [],
  allowedCidrs: ['127.0.0.1/32'],
  allowHttp: true,
});

describe('webhook signatures', () => {
  let receiver: TestReceiver;
  let receiverSecret: string;

  beforeEach(async () => {
    receiver = await startReceiver();
    receiver.answer = (request, response) => {
      try {
        new Webhook(receiverSecret).verify(request.body, request.headers as Record<string, string>);
        response.writeHead(204).end();
      } catch (error) {
        response.writeHead(400).end((error as Error).message);
      }
    };
  });

  afterEach(async () => {
    await receiver.close();
  });

  function post(headers: Record<string, string>, body: string) {
    return sendOutbound(guard, `${receiver.url}/hooks`, { headers, body, timeoutMs: 5_000 });
  }

  const now = () => Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    type: 'hitl.requested',
    timestamp: new Date().toISOString(),
    data: { requestId: 'req_1' },
  });

  it('the reference verifier accepts our delivery', async () => {
    const secret = newWebhookSecret();
    receiverSecret = secret;
    expect(isWebhookSecret(secret)).toBe(true);
    const response = await post(webhookHeaders([secret], 'msg_1', now(), body), body);
    expect(response.status).toBe(204);
    const [request] = receiver.requests;
    expect(request?.headers['webhook-id']).toBe('msg_1');
    expect(request?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
  });

  it('a changed body and an old timestamp are refused', async () => {
    const secret = newWebhookSecret();
    receiverSecret = secret;
    const changed = await post(
      webhookHeaders([secret], 'msg_2', now(), body),
      body.replace('req_1', 'req_2'),
    );
    expect(changed.status).toBe(400);
    expect(changed.body).toContain('No matching signature found');

    const old = await post(webhookHeaders([secret], 'msg_3', now() - 6 * 60, body), body);
    expect(old.status).toBe(400);
    expect(old.body).toContain('too old');

    const otherSecret = await post(
      webhookHeaders([newWebhookSecret()], 'msg_4', now(), body),
      body,
    );
    expect(otherSecret.status).toBe(400);
  });

  it('during a rotation both signatures are sent and either secret verifies', async () => {
    const previous = newWebhookSecret();
    const current = newWebhookSecret();
    const headers = webhookHeaders([current, previous], 'msg_5', now(), body);
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);

    receiverSecret = previous;
    expect((await post(headers, body)).status).toBe(204);
    receiverSecret = current;
    expect((await post(headers, body)).status).toBe(204);
  });
});
