/**
 * Webhook subscriptions as stored: the filter comes back as written, a rotation keeps the old secret signing only
 * inside its overlap window, and disabling records why while re-enabling forgets it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  deleteWebhookSubscription,
  getWebhookSubscription,
  insertWebhookSubscription,
  listWebhookSubscriptions,
  rotateWebhookSecret,
  signingSecrets,
  updateWebhookSubscription,
} from '../../src/store/repositories/webhook-subscriptions.js';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const NOW = '2026-03-01T12:00:00.000Z';
const LATER = '2026-03-02T12:00:00.000Z';

describe.each(DIALECTS)('webhook subscriptions (%s)', (dialect) => {
  let app: TestFlowgate;

  beforeEach(async () => {
    app = await startTestFlowgate(dialect, { workers: false });
  });

  afterEach(async () => {
    await app.close();
  });

  it('stores, rotates, disables, re-enables and deletes a subscription', async () => {
    const { store } = app.flowgate;
    await store.transaction((tx) =>
      insertWebhookSubscription(tx, {
        subscriptionId: 'sub-1',
        url: 'https://hooks.example.com/in',
        description: null,
        events: ['hitl.*', 'workflow.failed'],
        secret: 'whsec_first',
        createdBy: 'admin',
        now: NOW,
      }),
    );
    const stored = await store.read((db) => getWebhookSubscription(db, 'sub-1'));
    expect(stored).toMatchObject({
      events: ['hitl.*', 'workflow.failed'],
      isActive: true,
      previousSecret: null,
      createdBy: 'admin',
    });
    expect(signingSecrets(stored!, NOW)).toEqual(['whsec_first']);

    await store.transaction((tx) => rotateWebhookSecret(tx, 'sub-1', 'whsec_second', LATER, NOW));
    const rotated = (await store.read((db) => getWebhookSubscription(db, 'sub-1')))!;
    expect(signingSecrets(rotated, NOW)).toEqual(['whsec_second', 'whsec_first']);
    expect(signingSecrets(rotated, LATER)).toEqual(['whsec_second']);

    await store.transaction((tx) =>
      updateWebhookSubscription(tx, 'sub-1', { isActive: false, disabledReason: '410' }, NOW),
    );
    expect(await store.read((db) => listWebhookSubscriptions(db, { activeOnly: true }))).toEqual(
      [],
    );
    expect(await store.read((db) => getWebhookSubscription(db, 'sub-1'))).toMatchObject({
      isActive: false,
      disabledReason: '410',
      disabledAt: NOW,
    });
    await store.transaction((tx) =>
      updateWebhookSubscription(tx, 'sub-1', { isActive: true, events: ['*'] }, LATER),
    );
    expect(await store.read((db) => listWebhookSubscriptions(db, { activeOnly: true }))).toEqual([
      expect.objectContaining({ events: ['*'], disabledReason: null, disabledAt: null }),
    ]);

    expect(await store.transaction((tx) => deleteWebhookSubscription(tx, 'sub-1'))).toBe(true);
    expect(await store.read((db) => getWebhookSubscription(db, 'sub-1'))).toBeUndefined();
  });
});
