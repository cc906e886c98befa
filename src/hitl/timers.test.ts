import { describe, expect, it } from 'vitest';

import { escalate, escalationAfter, initialTimers, reminderAfter } from './timers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T = Date.UTC(2026, 0, 1);

describe('reminder and escalation arithmetic', () => {
  const reminders = { firstMs: 4 * HOUR, everyMs: DAY, max: 3 };

  it('starts with the first reminder and the first level, nothing at or past the deadline', () => {
    const escalation = [{ afterMs: DAY, approvers: [{ user: 'm' }], mode: 'add' as const }];
    expect(initialTimers({ reminders, escalation }, T, undefined)).toEqual({
      nextReminderAt: T + 4 * HOUR,
      nextEscalationAt: T + DAY,
    });
    expect(initialTimers({ reminders, escalation }, T, T + DAY)).toEqual({
      nextReminderAt: T + 4 * HOUR,
      nextEscalationAt: undefined,
    });
    expect(initialTimers({}, T, undefined)).toEqual({
      nextReminderAt: undefined,
      nextEscalationAt: undefined,
    });
  });

  it('follows the cycle from the opening, stops at max, and never bursts after an outage', () => {
    expect(reminderAfter(reminders, T, 1, T + 4 * HOUR, undefined)).toBe(T + 28 * HOUR);
    expect(reminderAfter(reminders, T, 2, T + 28 * HOUR, undefined)).toBe(T + 52 * HOUR);
    expect(reminderAfter(reminders, T, 3, T + 52 * HOUR, undefined)).toBeUndefined();
    // Found three days late: the next one is a full cycle after this one.
    expect(reminderAfter(reminders, T, 1, T + 3 * DAY, undefined)).toBe(T + 4 * DAY);
    expect(reminderAfter(reminders, T, 1, T + 4 * HOUR, T + 28 * HOUR)).toBeUndefined();
    expect(reminderAfter({ firstMs: HOUR, max: 5 }, T, 1, T + HOUR, undefined)).toBeUndefined();
  });

  it('times each level from the opening', () => {
    const levels = [
      { afterMs: DAY, approvers: [{ user: 'm' }], mode: 'add' as const },
      { afterMs: 2 * DAY, approvers: [{ role: 'ops' }], mode: 'add' as const },
    ];
    expect(escalationAfter(levels, T, 1, undefined)).toBe(T + 2 * DAY);
    expect(escalationAfter(levels, T, 2, undefined)).toBeUndefined();
  });

  it('add appends who is new; replace keeps only the level; an open request stays open', () => {
    const current = [{ user: 'alice' }, { role: 'finance' }];
    expect(
      escalate(current, {
        afterMs: 1,
        approvers: [{ user: 'bob' }, { user: 'alice' }],
        mode: 'add',
      }),
    ).toEqual({
      approvers: [{ user: 'alice' }, { role: 'finance' }, { user: 'bob' }],
      added: [{ user: 'bob' }],
      removed: [],
    });
    expect(
      escalate(current, {
        afterMs: 1,
        approvers: [{ user: 'alice' }, { user: 'carol' }],
        mode: 'replace',
      }),
    ).toEqual({
      approvers: [{ user: 'alice' }, { user: 'carol' }],
      added: [{ user: 'carol' }],
      removed: [{ role: 'finance' }],
    });
    expect(escalate([], { afterMs: 1, approvers: [{ user: 'bob' }], mode: 'add' })).toEqual({
      approvers: [],
      added: [{ user: 'bob' }],
      removed: [],
    });
  });
});
