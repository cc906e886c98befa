/**
 * Seed 002's `custom` output type: a human node listing `custom` in its outputTypes raises a `hitl.custom` webhook
 * event carrying the request and its rendered `args`, written to the outbox with the request, and delivered to the
 * subscriptions whose filter takes it, verified by the `standardwebhooks` package as a receiver would.
 */
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { listOutboxMessages } from '../../src/store/repositories/outbox.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';
import {
  startReceiver,
  type ReceivedRequest,
  type TestReceiver,
} from '../helpers/http-receiver.js';

interface Delivered {
  readonly path: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

describe.each(DIALECTS)('custom output type (%s)', (dialect) => {
  let app: TestFlowgate;
  let receiver: TestReceiver;
  const secrets = new Map<string, string>();
  let unique = 0;

  beforeEach(async () => {
    receiver = await startReceiver();
    app = await startTestFlowgate(dialect, {
      outbound: { allowedCidrs: ['127.0.0.1/32'], allowHttp: true },
    });
    secrets.clear();
    for (const [path, events] of [
      ['/custom', ['hitl.custom']],
      ['/all-hitl', ['hitl.*']],
      ['/runs', ['workflow.*']],
    ] as const) {
      const created = await app.flowgate.webhooks.create({
        url: `${receiver.url}${path}`,
        events: [...events],
      });
      secrets.set(path, created.secret);
    }
  });

  afterEach(async () => {
    await app.close();
    await receiver.close();
  });

  /** Verifies each delivery with its subscription's secret, as the receiver's own code would. */
  function verified(requests: readonly ReceivedRequest[]): Delivered[] {
    return requests.map((request) => {
      const verifier = new Webhook(secrets.get(request.url)!);
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([k, v]) => [k, String(v)]),
      );
      const event = verifier.verify(request.body, headers) as Omit<Delivered, 'path'>;
      return { path: request.url, type: event.type, data: event.data };
    });
  }

  async function raise(
    config: Record<string, unknown>,
  ): Promise<{ workflowId: string; requestId: string }> {
    const { workflowId } = await app.flowgate.start(
      plan(`custom_${++unique}`, [{ id: 'gate', type: 'human_in_loop', config }]),
      { startedBy: 'carol', input: { ticket: 'OPS-42', amount: 1200 } },
    );
    await app.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
    const [request] = (await app.flowgate.listHitl({ workflowId })).items;
    return { workflowId, requestId: request!.requestId };
  }

  it('delivers hitl.custom with the rendered args to the subscriptions that take it', async () => {
    const { workflowId, requestId } = await raise({
      message: 'Refund {{ input.ticket }}?',
      approvers: [],
      outputTypes: ['custom'],
      args: {
        queue: 'refunds',
        priority: 2,
        ticket: '{{ input.ticket }}',
        nested: { channel: 'pager', tags: ['finance'] },
      },
    });
    // hitl.custom to /custom and /all-hitl, hitl.requested to /all-hitl, workflow.started and .paused to /runs.
    await receiver.waitFor(5);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const delivered = verified(receiver.requests);
    expect(delivered).toHaveLength(5);
    const custom = delivered.filter((d) => d.type === 'hitl.custom');
    expect(custom.map((d) => d.path).sort()).toEqual(['/all-hitl', '/custom']);
    expect(delivered.filter((d) => d.path === '/runs').every((d) => d.type !== 'hitl.custom')).toBe(
      true,
    );
    expect(custom[0]!.data).toEqual({
      workflowId,
      requestId,
      nodeId: 'gate',
      dagId: `custom_${unique}`,
      message: 'Refund OPS-42?',
      args: {
        queue: 'refunds',
        priority: 2,
        ticket: 'OPS-42',
        nested: { channel: 'pager', tags: ['finance'] },
      },
      outputTypes: ['custom'],
      approvers: [],
      options: expect.any(Array),
      context: expect.objectContaining({ input: { ticket: 'OPS-42', amount: 1200 } }),
      expiresAt: null,
      requestPath: `/requests/${requestId}`,
    });
    // Both copies are the same event, each with a webhook-id of its own.
    expect(custom[1]!.data).toEqual(custom[0]!.data);
    const ids = receiver.requests
      .filter((r) => r.url !== '/runs')
      .map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('writes the event in the transaction that raised the request, and only for custom nodes', async () => {
    const { workflowId, requestId } = await raise({
      message: 'Ship?',
      approvers: [],
      outputTypes: ['chat', 'custom'],
      args: { message: 'Ship it?', expectedResponse: ['yes', 'no'] },
    });
    const { requestId: plainId } = await raise({ message: 'Plain?', approvers: [] });
    const messages = await app.flowgate.store.read((tx) => listOutboxMessages(tx));
    const customRows = messages.filter((m) => m.payload.includes('"hitl.custom"'));
    const paused = messages.filter(
      (m) => m.payload.includes('"workflow.paused"') && m.workflowId === workflowId,
    );
    expect(customRows).toHaveLength(2);
    expect(paused).toHaveLength(1);
    for (const row of customRows) {
      expect(row).toMatchObject({ channel: 'webhook', requestId, nodeId: 'gate' });
      // Written with the run's pause, in the same flush of the same transaction: one clock reading for both.
      expect(row.createdAt).toBe(paused[0]!.createdAt);
    }
    expect(
      messages.filter((m) => m.requestId === plainId && m.payload.includes('hitl.custom')),
    ).toEqual([]);
    await receiver.waitFor(2);
  });

  it('accepts hitl.custom as a subscription filter and refuses an unknown hitl type', async () => {
    await expect(
      app.flowgate.webhooks.create({ url: `${receiver.url}/x`, events: ['hitl.custom'] }),
    ).resolves.toMatchObject({ id: expect.any(String) });
    await expect(
      app.flowgate.webhooks.create({ url: `${receiver.url}/x`, events: ['hitl.customs'] }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
