import { describe, expect, it } from 'vitest';

import { humanNodeSpec } from './human-spec.js';
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
      reminders: { first: 'PT1H', every: 'PT1H', max: 3 },
      escalation: [{ after: 'PT4H', approvers: [{ role: 'admin' }], mode: 'add' }],
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
