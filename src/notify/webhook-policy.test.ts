import { describe, expect, it } from 'vitest';

import {
  eventFilterProblem,
  judgeWebhookResponse,
  matchesEventFilter,
  nextWebhookDelay,
  retryAfterMs,
  WEBHOOK_RETRY_SCHEDULE_MS,
  webhookBody,
} from './webhook-policy.js';

describe('webhook policy', () => {
  it('filters: exact types, prefixes and everything', () => {
    expect(matchesEventFilter(['hitl.*'], 'hitl.requested')).toBe(true);
    expect(matchesEventFilter(['hitl.*'], 'workflow.completed')).toBe(false);
    expect(matchesEventFilter(['workflow.completed'], 'workflow.completed')).toBe(true);
    expect(matchesEventFilter(['workflow.completed'], 'workflow.failed')).toBe(false);
    expect(matchesEventFilter(['*'], 'plan.created')).toBe(true);
    expect(matchesEventFilter([], 'plan.created')).toBe(false);
    // A prefix is a whole segment: `hitl.*` is not `hitlx.*`.
    expect(matchesEventFilter(['hitl.*'], 'hitlx.requested')).toBe(false);
  });

  it('a filter entry that can never match is named', () => {
    expect(eventFilterProblem('hitl.*')).toBeUndefined();
    expect(eventFilterProblem('workflow.completed')).toBeUndefined();
    expect(eventFilterProblem('*')).toBeUndefined();
    expect(eventFilterProblem('approval.*')).toMatch(/approval/);
    expect(eventFilterProblem('hitl.approve')).toMatch(/Unknown/);
  });

  it('the body is {type, timestamp, data}', () => {
    expect(JSON.parse(webhookBody('hitl.requested', '2026-01-01T00:00:00.000Z', { a: 1 }))).toEqual(
      {
        type: 'hitl.requested',
        timestamp: '2026-01-01T00:00:00.000Z',
        data: { a: 1 },
      },
    );
  });

  it('the schedule: at once, ~5 s, ~5 min, … then used up after eight attempts', () => {
    expect(nextWebhookDelay(0, 0.5)).toBe(0);
    expect(nextWebhookDelay(1, 0.5)).toBe(5_000);
    expect(nextWebhookDelay(2, 0.5)).toBe(300_000);
    expect(nextWebhookDelay(1, 0)).toBe(4_000);
    expect(nextWebhookDelay(1, 1)).toBe(6_000);
    expect(nextWebhookDelay(WEBHOOK_RETRY_SCHEDULE_MS.length, 0.5)).toBeUndefined();
  });

  it('Retry-After moves an attempt later, up to twice its slot', () => {
    expect(nextWebhookDelay(1, 0.5, 120_000)).toBe(10_000);
    expect(nextWebhookDelay(2, 0.5, 420_000)).toBe(420_000);
    expect(nextWebhookDelay(2, 0.5, 1_000)).toBe(300_000);
    expect(retryAfterMs('120', 0)).toBe(120_000);
    expect(retryAfterMs(new Date(90_000).toUTCString(), 30_000)).toBe(60_000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
    expect(retryAfterMs(undefined, 0)).toBeUndefined();
  });

  it('answers: 2xx succeeds, 410 is gone, 3xx and 5xx retry, abort-message stops', () => {
    expect(judgeWebhookResponse(204, {}).outcome).toBe('succeeded');
    expect(judgeWebhookResponse(410, {}).outcome).toBe('gone');
    expect(judgeWebhookResponse(301, { location: 'http://127.0.0.1/' })).toEqual({
      outcome: 'retry',
      reason: 'The receiver answered 301; redirects are not followed',
    });
    expect(judgeWebhookResponse(500, {}).outcome).toBe('retry');
    expect(judgeWebhookResponse(429, {}).outcome).toBe('retry');
    expect(judgeWebhookResponse(400, { 'webhook-delivery': 'abort-message' }).outcome).toBe(
      'aborted',
    );
  });
});
