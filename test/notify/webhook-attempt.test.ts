/**
 * One webhook attempt against real receivers on 127.0.0.1 (allow-listed, as an operator would): a receiver using
 * the `standardwebhooks` verifier accepts it; 500, 500, 200 walk the schedule with one webhook-id and a fresh
 * timestamp each time; 410 says gone; a 3xx is a failure and its Location sees no request; a refused URL is an
 * attempt that failed, not an exception.
 */
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { OutboundGuard } from '../../src/notify/outbound-guard.js';
import { attemptWebhook } from '../../src/notify/webhook-attempt.js';
import { nextWebhookDelay, webhookBody } from '../../src/notify/webhook-policy.js';
import { newWebhookSecret } from '../../src/notify/webhook-signature.js';
import { startReceiver, type TestReceiver } from '../helpers/http-receiver.js';

const guard = new OutboundGuard({
  allowedHosts: [],
  allowedCidrs: ['127.0.0.1/32'],
  allowHttp: true,
});

describe('webhook attempt', () => {
  let receiver: TestReceiver;
  const secret = newWebhookSecret();
  const body = webhookBody('hitl.requested', '2026-12-05T00:00:00.000Z', { requestId: 'req_1' });

  beforeEach(async () => {
    receiver = await startReceiver();
  });

  afterEach(async () => {
    await receiver.close();
  });

  const input = (nowMs: number) => ({
    url: `${receiver.url}/hook`,
    secrets: [secret],
    webhookId: 'msg_01',
    body,
    nowMs,
    timeoutMs: 5_000,
  });

  it('500, 500, 200: three attempts on the schedule, one webhook-id, each verified', async () => {
    const statuses = [500, 500, 200];
    const signed: boolean[] = [];
    receiver.answer = (request, response) => {
      // The fake clock runs ahead of the real one, out of verify()'s window: compare with the reference signer
      // for the attempt's own timestamp instead.
      const id = String(request.headers['webhook-id']);
      const at = new Date(Number(request.headers['webhook-timestamp']) * 1000);
      signed.push(
        request.headers['webhook-signature'] === new Webhook(secret).sign(id, at, request.body),
      );
      response.writeHead(statuses[receiver.requests.length - 1] ?? 200).end();
    };
    let clock = Date.parse('2026-12-05T00:00:00Z');
    const outcomes: string[] = [];
    const delays: number[] = [];
    for (let attempt = 0; ; attempt += 1) {
      const result = await attemptWebhook(guard, input(clock));
      outcomes.push(result.verdict.outcome);
      if (result.verdict.outcome !== 'retry') break;
      const delay = nextWebhookDelay(attempt + 1, 0.5, result.retryAfterMs);
      expect(delay).toBeDefined();
      delays.push(delay!);
      clock += delay!;
    }
    expect(outcomes).toEqual(['retry', 'retry', 'succeeded']);
    expect(delays).toEqual([5_000, 300_000]);
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([
      'msg_01',
      'msg_01',
      'msg_01',
    ]);
    const stamps = receiver.requests.map((r) => Number(r.headers['webhook-timestamp']));
    expect(new Set(stamps).size).toBe(3);
    expect(stamps[1]! - stamps[0]!).toBe(5);
    expect(stamps[2]! - stamps[1]!).toBe(300);
    expect(receiver.requests.every((r) => r.body === body)).toBe(true);
    expect(signed).toEqual([true, true, true]);
  });

  it('the reference verifier accepts the attempt as sent', async () => {
    receiver.answer = (request, response) => {
      try {
        new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
        response.writeHead(200).end('ok');
      } catch (error) {
        response.writeHead(400).end((error as Error).message);
      }
    };
    const result = await attemptWebhook(guard, input(Date.now()));
    expect(result.verdict.outcome).toBe('succeeded');
    expect(result.status).toBe(200);
    expect(result.responseSnippet).toBe('ok');
  });

  it('410 is gone', async () => {
    receiver.answer = (_request, response) => response.writeHead(410).end();
    const result = await attemptWebhook(guard, input(Date.now()));
    expect(result.verdict.outcome).toBe('gone');
    expect(result.status).toBe(410);
  });

  it('a 3xx is a failure and its Location is never fetched', async () => {
    const target = await startReceiver();
    try {
      receiver.answer = (_request, response) =>
        response.writeHead(307, { location: `${target.url}/elsewhere` }).end();
      const result = await attemptWebhook(guard, input(Date.now()));
      expect(result.verdict.outcome).toBe('retry');
      expect(result.status).toBe(307);
      expect(target.connections).toBe(0);
    } finally {
      await target.close();
    }
  });

  it('a refused URL is a failed attempt with its kind, and nothing is sent', async () => {
    const strict = new OutboundGuard({ allowedHosts: [], allowedCidrs: [], allowHttp: true });
    const result = await attemptWebhook(strict, input(Date.now()));
    expect(result.verdict.outcome).toBe('retry');
    expect(result.errorKind).toBe('ssrf_blocked');
    expect(result.status).toBeUndefined();
    expect(receiver.connections).toBe(0);
  });
});
