/**
 * The webhook admin API over HTTP against a real receiver: the secret is in the create answer only, a URL the SSRF
 * guard refuses is a 400 that says why, a test event arrives signed with the secret and shows in the delivery log
 * with its attempt, redeliver sends the same body again, and a rotation signs with both secrets.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startApiApp, type ApiApp } from '../helpers/api-app.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';
import { startReceiver, type TestReceiver } from '../helpers/http-receiver.js';

describe('webhook API', () => {
  let t: TestFlowgate;
  let api: ApiApp;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestFlowgate('sqlite', {
      outbound: { allowedCidrs: ['127.0.0.1/32'], allowHttp: true },
    });
    api = await startApiApp(t.flowgate);
  });
  afterAll(async () => {
    await api?.close();
    await t?.close();
    await receiver?.close();
  });

  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    api.call('admin', method, url, payload);

  const verified = (index: number, secret: string) => {
    const request = receiver.requests[index]!;
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([k, v]) => [k, String(v)]),
    );
    return new Webhook(secret).verify(request.body, headers) as { type: string };
  };

  it('refuses a URL the guard refuses, and an unknown event type, saying why', async () => {
    const refused = await call('POST', '/api/webhooks', {
      url: 'https://10.0.0.1/hook',
      events: ['hitl.*'],
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ error: { message: string } }>().error.message).toContain('10.0.0.1');
    const unknown = await call('POST', '/api/webhooks', {
      url: `${receiver.url}/hook`,
      events: ['nothing.*'],
    });
    expect(unknown.statusCode).toBe(400);
  });

  it('shows the secret once, logs deliveries, redelivers, and rotates', async () => {
    const created = await call('POST', '/api/webhooks', {
      url: `${receiver.url}/hook`,
      events: ['hitl.*'],
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id, secret } = created.json<{ id: string; secret: string }>();
    expect(secret).toMatch(/^whsec_/);
    const shown = await call('GET', `/api/webhooks/${id}`);
    expect(shown.json()).not.toHaveProperty('secret');

    const test = await call('POST', `/api/webhooks/${id}/test`);
    expect(test.statusCode).toBe(202);
    await receiver.waitFor(1);
    expect(verified(0, secret).type).toBe('webhook.test');

    let log = await call('GET', `/api/webhooks/${id}/deliveries`);
    const deadline = Date.now() + 5_000;
    while (log.json<{ items: { status: string }[] }>().items[0]?.status !== 'sent') {
      if (Date.now() > deadline) throw new Error('the delivery was not logged as sent');
      await new Promise((resolve) => setTimeout(resolve, 50));
      log = await call('GET', `/api/webhooks/${id}/deliveries`);
    }
    const [delivery] = log.json<{
      items: { id: string; attempts: { outcome: string; statusCode: number }[] }[];
    }>().items;
    expect(delivery!.attempts).toEqual([
      expect.objectContaining({ outcome: 'sent', statusCode: 204 }),
    ]);

    const again = await call('POST', `/api/webhooks/${id}/deliveries/${delivery!.id}/redeliver`);
    expect(again.statusCode).toBe(202);
    await receiver.waitFor(2);
    expect(receiver.requests[1]!.body).toBe(receiver.requests[0]!.body);

    const rotated = await call('POST', `/api/webhooks/${id}/rotate-secret`);
    const next = rotated.json<{ secret: string }>().secret;
    await call('POST', `/api/webhooks/${id}/test`);
    await receiver.waitFor(3);
    expect(verified(2, next).type).toBe('webhook.test');
    expect(verified(2, secret).type).toBe('webhook.test');

    const disabled = await call('PATCH', `/api/webhooks/${id}`, { active: false });
    expect(disabled.json()).toMatchObject({
      active: false,
      disabledReason: 'Disabled by an admin',
    });
  });
});
