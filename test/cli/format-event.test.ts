import { describe, expect, it } from 'vitest';

import type { EventView } from '../../src/app/views.js';
import { formatDuration, formatEvent } from '../../src/cli/format-event.js';

function event(type: string, data: unknown): EventView {
  return { id: 1, workflowId: 'w1', type, data, createdAt: '2026-01-02T03:04:05.000Z' };
}

/** The line without its local-time prefix, which depends on the machine's time zone. */
function line(type: string, data: unknown, prefix?: string): string | undefined {
  const text = formatEvent(event(type, data), prefix);
  if (text === undefined) return undefined;
  expect(text).toMatch(/^\d\d:\d\d:\d\d {2}/);
  return text.slice(10);
}

describe('formatEvent', () => {
  it('says which node starts, with what, and on which attempt', () => {
    expect(line('node_started', { node_id: 'a', agent_id: 'collect', attempt: 1 })).toBe(
      'a started (agent collect)',
    );
    expect(line('node_started', { node_id: 'b', tool_name: 'quote', attempt: 3 })).toBe(
      'b started (tool quote, attempt 3)',
    );
  });

  it('says how long a node took, retries and failures with their error', () => {
    expect(line('node_completed', { node_id: 'a', duration_ms: 1500 })).toBe(
      'a completed in 1.5 s',
    );
    expect(line('node_completed', { node_id: 'd' })).toBe('d completed');
    expect(
      line('node_retrying', { node_id: 'a', attempt: 1, error: { message: 'rate\nlimited' } }),
    ).toBe('a failed on attempt 1, will retry: rate limited');
    expect(line('node_failed', { node_id: 'a', error: { code: 'X', message: 'boom' } })).toBe(
      'a failed: boom',
    );
    expect(line('node_skipped', { node_id: 'c', reason: 'upstream' })).toBe(
      'c skipped (an upstream node was skipped)',
    );
  });

  it("tells the people's part", () => {
    expect(line('hitl_requested', { node_id: 'gate', request_id: 'r1', message: 'Ship it?' })).toBe(
      'gate waits for a person (request r1): Ship it?',
    );
    expect(
      line('hitl_rejected', {
        node_id: 'gate',
        response: 'no',
        by: { userId: 'u1', username: 'bo' },
      }),
    ).toBe('gate rejected by bo: "no"');
    expect(
      line('hitl_voted', {
        node_id: 'gate',
        decision: 'approve',
        approvals: 1,
        required: 2,
        by: { userId: 'al' },
      }),
    ).toBe('gate: al voted approve (1 of 2)');
  });

  it("names a sub-run's nodes by their path, and leaves out the run's own start", () => {
    expect(line('workflow_started', {})).toBeUndefined();
    expect(line('node_started', { node_id: 'x', agent_id: 'a' }, 'review/')).toBe(
      'review/x started (agent a)',
    );
    expect(line('workflow_completed', {}, 'review/')).toBe('sub-run review completed');
    expect(line('workflow_failed', { error: 'Node x failed: boom' })).toBe(
      'run failed: Node x failed: boom',
    );
  });
});

describe('formatDuration', () => {
  it('reads at a glance', () => {
    expect(formatDuration(12)).toBe('12 ms');
    expect(formatDuration(2_440)).toBe('2.4 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
  });
});
