import { describe, expect, it } from 'vitest';

import { refusalFor, tally, type DecisionRules, type Vote } from './quorum.js';

const rules = (over: Partial<DecisionRules> = {}): DecisionRules => ({
  approvers: [],
  quorum: { mode: 'any' },
  allowSelfApproval: true,
  ...over,
});
const approve = (userId: string, matched: string[] = []): Vote => ({
  userId,
  decision: 'approve',
  matched,
});

describe('tally', () => {
  it('closes on the first approval with mode any', () => {
    expect(tally(rules(), [approve('a')])).toEqual({ status: 'approved' });
  });

  it('counts distinct people for mode count', () => {
    const r = rules({ quorum: { mode: 'count', count: 2 } });
    expect(tally(r, [approve('a')]).status).toBe('open');
    expect(tally(r, [approve('a'), approve('a')]).status).toBe('open');
    expect(tally(r, [approve('a'), approve('b')]).status).toBe('approved');
  });

  it('lets one rejection veto however many approvals', () => {
    const r = rules({ quorum: { mode: 'count', count: 2 } });
    expect(tally(r, [approve('a'), { userId: 'b', decision: 'reject', matched: [] }]).status).toBe(
      'rejected',
    );
  });

  it('needs every listed user and role for mode all', () => {
    const r = rules({
      approvers: [{ user: 'alice' }, { role: 'finance' }],
      quorum: { mode: 'all' },
    });
    expect(tally(r, [approve('alice', ['user:alice'])]).status).toBe('open');
    expect(
      tally(r, [approve('alice', ['user:alice']), approve('bob', ['role:finance'])]).status,
    ).toBe('approved');
  });
});

describe('refusalFor', () => {
  it('refuses viewers, strangers and self-approval when forbidden', () => {
    const r = rules({
      approvers: [{ user: 'alice' }, { role: 'finance' }],
      allowSelfApproval: false,
    });
    expect(refusalFor({ userId: 'v', roles: ['viewer'] }, r, null)).toBe('viewer');
    expect(refusalFor({ userId: 'mallory', roles: ['user'] }, r, null)).toBe('not_an_approver');
    expect(refusalFor({ userId: 'u1', username: 'alice' }, r, 'u1')).toBe('self_approval');
    expect(refusalFor({ userId: 'u1', username: 'alice' }, r, 'someone')).toBeUndefined();
    expect(refusalFor({ userId: 'b', roles: ['user', 'finance'] }, r, null)).toBeUndefined();
  });

  it('lets anyone but a viewer decide when no approvers are listed', () => {
    expect(refusalFor({ userId: 'x', roles: ['user'] }, rules(), null)).toBeUndefined();
  });
});
