import { describe, expect, it } from 'vitest';

import { humanConfigProblems, humanNodeSpec } from './human-spec.js';
import type { NodeDefinition } from './model.js';

function human(config: Record<string, unknown>, name?: string): NodeDefinition {
  return {
    id: 'review',
    type: 'human_in_loop',
    sourceType: 'human',
    ...(name !== undefined ? { name } : {}),
    config,
    dependencies: [],
    edgeConditions: {},
    triggerRule: 'all_success',
  };
}

describe('humanNodeSpec', () => {
  it('fills in the defaults', () => {
    expect(humanNodeSpec(human({}))).toEqual({
      message: 'Approve review?',
      approvers: [],
      quorum: { mode: 'any' },
      allowSelfApproval: true,
      options: [],
      editable: [],
      onReject: 'fail',
    });
    expect(humanNodeSpec(human({}, 'Legal review')).message).toBe('Approve Legal review?');
  });

  it('reads every key', () => {
    const form = { type: 'object', properties: { amount: { type: 'number' } } };
    const spec = humanNodeSpec(
      human({
        message: 'Refund {{ input.amount }}?',
        approvers: ['alice', { user: 'bob' }, { role: 'finance' }],
        quorum: { mode: 'count', count: 2 },
        allowSelfApproval: false,
        options: ['yes', { value: 'no', label: 'No, refuse' }],
        form,
        editable: ['amount', 'reason'],
        timeout: { after: 'PT2H', outcome: 'reject' },
        onReject: 'continue',
        reminders: { first: 'PT1H', every: 'PT1H', max: 3 },
        escalation: [{ after: 'PT4H', approvers: [{ role: 'admin' }], mode: 'add' }],
        outputTypes: ['email', 'chat'],
        args: { to: ['ops@example.com'], bodyText: 'Please decide' },
      }),
    );
    expect(spec).toEqual({
      message: 'Refund {{ input.amount }}?',
      approvers: [{ user: 'alice' }, { user: 'bob' }, { role: 'finance' }],
      quorum: { mode: 'count', count: 2 },
      allowSelfApproval: false,
      options: [
        { value: 'yes', label: 'yes' },
        { value: 'no', label: 'No, refuse' },
      ],
      form,
      editable: ['amount', 'reason'],
      timeout: { afterMs: 7_200_000, outcome: 'reject' },
      onReject: 'continue',
      reminders: { firstMs: 3_600_000, everyMs: 3_600_000, max: 3 },
      escalation: [{ afterMs: 14_400_000, approvers: [{ role: 'admin' }], mode: 'add' }],
      outputTypes: ['email', 'chat'],
      args: { to: ['ops@example.com'], bodyText: 'Please decide' },
    });
  });

  it('defaults the timeout outcome to expire and accepts a bare duration', () => {
    expect(humanNodeSpec(human({ timeout: { after: 'P1D' } })).timeout).toEqual({
      afterMs: 86_400_000,
      outcome: 'expire',
    });
    expect(humanNodeSpec(human({ timeout: 'PT30M' })).timeout).toEqual({
      afterMs: 1_800_000,
      outcome: 'expire',
    });
    expect(
      humanNodeSpec(human({ timeout: { after: 60_000, outcome: 'approve' } })).timeout,
    ).toEqual({
      afterMs: 60_000,
      outcome: 'approve',
    });
  });

  it('drops a count from modes that do not use one', () => {
    expect(humanNodeSpec(human({ quorum: { mode: 'all', count: 3 } })).quorum).toEqual({
      mode: 'all',
    });
  });
});

describe('seed 002 chat args', () => {
  it('read args.message as the question and args.expectedResponse as the options', () => {
    const spec = humanNodeSpec({
      id: 'ask',
      type: 'human_in_loop',
      sourceType: 'human_in_loop',
      config: {
        outputTypes: ['chat'],
        args: { message: 'Ship it?', expectedResponse: ['yes', 'no'] },
      },
      dependencies: [],
      edgeConditions: {},
      triggerRule: 'all_success',
    });
    expect(spec.message).toBe('Ship it?');
    expect(spec.options.map((o) => o.value)).toEqual(['yes', 'no']);
    expect(spec.outputTypes).toEqual(['chat']);
  });
});

describe('reminders and escalation', () => {
  const problems = (config: Record<string, unknown>) =>
    humanConfigProblems(config).map((p) => `${p.path.join('.')}: ${p.message}`);

  it('reads reminders with their defaults: one reminder without every, three with it', () => {
    expect(humanNodeSpec(human({ reminders: { first: 'PT4H' } })).reminders).toEqual({
      firstMs: 4 * 3_600_000,
      max: 1,
    });
    expect(humanNodeSpec(human({ reminders: { every: 'P1D' } })).reminders).toEqual({
      firstMs: 86_400_000,
      everyMs: 86_400_000,
      max: 3,
    });
    expect(
      humanNodeSpec(human({ reminders: { first: 'PT4H', every: 'P1D', max: 5 } })).reminders,
    ).toEqual({ firstMs: 4 * 3_600_000, everyMs: 86_400_000, max: 5 });
  });

  it('reads escalation levels in time order, mode add by default, approvers as strings or objects', () => {
    const spec = humanNodeSpec(
      human({
        escalation: [
          { after: 'P2D', approvers: [{ role: 'ops' }], mode: 'replace' },
          { after: 'P1D', approvers: ['manager'] },
        ],
      }),
    );
    expect(spec.escalation).toEqual([
      { afterMs: 86_400_000, approvers: [{ user: 'manager' }], mode: 'add' },
      { afterMs: 2 * 86_400_000, approvers: [{ role: 'ops' }], mode: 'replace' },
    ]);
  });

  it('accepts a well-formed configuration', () => {
    expect(
      problems({
        reminders: { first: 'PT4H', every: 'P1D', max: 3 },
        escalation: [
          { after: 'P1D', approvers: ['manager'], mode: 'add' },
          { after: 'P2D', approvers: [{ role: 'ops' }], mode: 'replace' },
        ],
        timeout: { after: 'P3D', outcome: 'reject' },
      }),
    ).toEqual([]);
  });

  it('reports every reminders problem with its path', () => {
    expect(problems({ reminders: 'PT1H' })).toEqual([
      'reminders: reminders is {first, every, max}',
    ]);
    expect(problems({ reminders: {} })).toEqual([
      'reminders: reminders needs first, every or both',
    ]);
    expect(problems({ reminders: { first: 'soon', every: 'PT0S', max: 0, often: true } })).toEqual([
      'reminders.often: unknown key (reminders takes first, every, max)',
      'reminders.first: "soon" is not an ISO 8601 duration (such as PT30S, PT1H30M, P1D)',
      'reminders.every: must be longer than zero',
      'reminders.max: must be a whole number from 1 to 100',
    ]);
    expect(problems({ reminders: { every: 'PT1H', max: 1000 } })).toEqual([
      'reminders.max: must be a whole number from 1 to 100',
    ]);
    expect(problems({ reminders: { first: 'PT1H', max: 3 } })).toEqual([
      'reminders.max: more than one reminder needs every (the time between them)',
    ]);
  });

  it('reports every escalation problem with its path', () => {
    expect(problems({ escalation: { after: 'P1D' } })).toEqual([
      'escalation: escalation is a list of {after, approvers, mode}',
    ]);
    expect(
      problems({
        timeout: { after: 'P2D' },
        escalation: [
          { approvers: [] },
          { after: 'P1D', approvers: ['a', { group: 'x' }], mode: 'swap' },
          { after: 'PT12H', approvers: ['b'] },
          { after: 'P3D', approvers: ['c'], notify: true },
          'later',
        ],
      }),
    ).toEqual([
      'escalation.0.after: is required',
      'escalation.0.approvers: a level needs a non-empty list of approvers',
      'escalation.1.approvers.1: an approver is a username, {user: name} or {role: name}',
      'escalation.1.mode: mode must be one of add, replace',
      'escalation.2.after: must be later than the level before (levels count from when the request opens)',
      'escalation.3.notify: unknown key (escalation takes after, approvers, mode)',
      'escalation.3.after: must be earlier than timeout.after (the request would have closed)',
      'escalation.4: a level is {after, approvers, mode}',
    ]);
  });
});
