/**
 * Webhooks end to end through the outbox: a subscription to `hitl.*` on a receiver at 127.0.0.1 (allow-listed, as
 * an operator would) gets a delivery the `standardwebhooks` verifier accepts when a request is raised and when it
 * is decided, and nothing for events outside its filter; a 410 disables the subscription.
 */
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { listOutboxAttempts, listOutboxMessages } from '../../src/store/repositories/outbox.js';
import { getWebhookSubscription } from '../../src/store/repositories/webhook-subscriptions.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';
import { startReceiver, type TestReceiver } from '../helpers/http-receiver.js';

describe.each(DIALECTS)('webhook delivery (%s)', (dialect) => {
  let app: TestFlowgate;
  let receiver: TestReceiver;
  let secret = '';
  let subscriptionId = '';
  let unique = 0;

  beforeEach(async () => {
    receiver = await startReceiver();
    app = await startTestFlowgate(dialect, {
      outbound: { allowedCidrs: ['127.0.0.1/32'], allowHttp: true },
    });
    // Through the app, as the admin API saves it: the URL passes the guard only because 127.0.0.1 is allow-listed.
    const created = await app.flowgate.webhooks.create({
      url: `${receiver.url}/hook`,
      events: ['hitl.*'],
    });
    secret = created.secret;
    subscriptionId = created.id;
  });

  afterEach(async () => {
    await app.close();
    await receiver.close();
  });

  async function raise(): Promise<{ workflowId: string; requestId: string }> {
    const { workflowId } = await app.flowgate.start(
      plan(`hooks_${++unique}`, [
        { id: 'gate', type: 'human_in_loop', config: { message: 'Deploy?', approvers: [] } },
      ]),
      { startedBy: 'carol' },
    );
    await app.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
    const [request] = (await app.flowgate.listHitl({ workflowId })).items;
    return { workflowId, requestId: request!.requestId };
  }

  it('delivers hitl.requested and hitl.approved, verified, and nothing outside the filter', async () => {
    const { workflowId, requestId } = await raise();
    const [requested] = await receiver.waitFor(1);
    await app.flowgate.approve(requestId, 'admin');
    await app.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
    const received = await receiver.waitFor(2);
    const verifier = new Webhook(secret);
    const types = received.map((request) => {
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([k, v]) => [k, String(v)]),
      );
      const event = verifier.verify(request.body, headers) as {
        type: string;
        data: Record<string, unknown>;
      };
      expect(event.data).toMatchObject({ workflowId });
      return event.type;
    });
    expect(requested!.method).toBe('POST');
    expect(types).toEqual(['hitl.requested', 'hitl.approved']);
    // The run's completion is not in `hitl.*`: nothing more arrives.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toHaveLength(2);
    const messages = await app.flowgate.store.read((tx) =>
      listOutboxMessages(tx, { subscriptionId: subscriptionId }),
    );
    expect(messages.map((m) => m.status)).toEqual(['sent', 'sent']);
    const attempts = await app.flowgate.store.read((tx) =>
      listOutboxAttempts(tx, messages[0]!.messageId),
    );
    expect(attempts).toEqual([expect.objectContaining({ outcome: 'sent', statusCode: 204 })]);
  });

  it('delivers workflow.started, workflow.paused and workflow.cancelled to a workflow.* subscription', async () => {
    const created = await app.flowgate.webhooks.create({
      url: `${receiver.url}/runs`,
      events: ['workflow.*'],
    });
    const { workflowId } = await app.flowgate.start(
      plan(`hooks_${++unique}`, [{ id: 'only', agent: 'echo_agent' }]),
      { startedBy: 'carol' },
    );
    await app.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
    const { workflowId: paused } = await app.flowgate.start(
      plan(`hooks_${++unique}`, [
        { id: 'gate', type: 'human_in_loop', config: { message: 'Go?', approvers: [] } },
      ]),
      { startedBy: 'carol' },
    );
    await app.flowgate.waitFor(paused, { until: ['paused'], timeoutMs: 10_000 });
    await app.flowgate.pause(paused, 'carol');
    await app.flowgate.cancel(paused, 'carol');
    const verifier = new Webhook(created.secret);
    const typesOf = (run: string) =>
      receiver.requests
        .filter((request) => request.url === '/runs')
        .map(
          (request) =>
            verifier.verify(
              request.body,
              Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)])),
            ) as { type: string; data: { workflowId: string } },
        )
        .filter((event) => event.data.workflowId === run)
        .map((event) => event.type);
    await expect.poll(() => typesOf(paused).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    await expect
      .poll(() => typesOf(workflowId).length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);
    // Deliveries may overtake one another: compared as sets.
    expect(typesOf(workflowId).sort()).toEqual(['workflow.completed', 'workflow.started']);
    // Paused twice: at the gate (waiting for a person), then by carol.
    expect(typesOf(paused).sort()).toEqual([
      'workflow.cancelled',
      'workflow.paused',
      'workflow.paused',
      'workflow.started',
    ]);
  });

  it('refuses the receiver when 127.0.0.1 is not allow-listed', async () => {
    const strict = await startTestFlowgate(dialect, {
      workers: false,
      outbound: { allowHttp: true },
    });
    try {
      await expect(
        strict.flowgate.webhooks.create({ url: `${receiver.url}/hook`, events: ['hitl.*'] }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    } finally {
      await strict.close();
    }
    expect(receiver.connections).toBe(0);
  });

  it('a 410 disables the subscription and ends the message', async () => {
    receiver.answer = (_request, response) => response.writeHead(410).end();
    await raise();
    await receiver.waitFor(1);
    const deadline = Date.now() + 10_000;
    let subscription = await app.flowgate.store.read((tx) =>
      getWebhookSubscription(tx, subscriptionId),
    );
    while (subscription?.isActive) {
      if (Date.now() > deadline) throw new Error('the subscription stayed active');
      await new Promise((resolve) => setTimeout(resolve, 50));
      subscription = await app.flowgate.store.read((tx) =>
        getWebhookSubscription(tx, subscriptionId),
      );
    }
    expect(subscription).toMatchObject({ isActive: false });
    expect(subscription!.disabledReason).toContain('410');
    const [message] = await app.flowgate.store.read((tx) => listOutboxMessages(tx));
    expect(message).toMatchObject({ status: 'failed', attempts: 1 });
  });
});
