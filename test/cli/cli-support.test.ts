import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';

import type { HitlRequestView, WorkflowView } from '../../src/app/views.js';
import { CliError } from '../../src/cli/cli-error.js';
import { formatWaitingHelp } from '../../src/cli/format-waiting-help.js';
import { redactDbUrl } from '../../src/cli/redact-db-url.js';
import { exitCodeFor, formatError } from '../../src/cli/report-error.js';
import { resolveDbUrl, resolveUser } from '../../src/cli/resolve-settings.js';
import { isWaitingForPeople } from '../../src/cli/run-tracker.js';
import { shellQuote } from '../../src/cli/shell-quote.js';
import { FlowgateError } from '../../src/shared/errors.js';

describe('settings', () => {
  it('take the flag, else the environment, else the default', () => {
    expect(resolveDbUrl('sqlite:a.db', { FLOWGATE_DB: 'sqlite:b.db' })).toBe('sqlite:a.db');
    expect(resolveDbUrl(undefined, { FLOWGATE_DB: 'sqlite:b.db' })).toBe('sqlite:b.db');
    expect(resolveDbUrl(undefined, {})).toBe('sqlite:data/flowgate.db');
    expect(resolveUser(undefined, { USER: 'ann' })).toBe('ann');
    expect(resolveUser('bo', { USER: 'ann' })).toBe('bo');
    expect(resolveUser(undefined, {})).toBe('cli');
  });

  it('refuse what cannot work, as bad usage', () => {
    expect(() => resolveDbUrl('mysql://x', {})).toThrow(/Unsupported database URL/);
    expect(() => resolveDbUrl(undefined, { FLOWGATE_DB: 'x' })).toThrow(
      /^Invalid configuration: FLOWGATE_DB: Unsupported/,
    );
  });
});

describe('errors', () => {
  it('map to exit codes: 2 for bad usage, 1 for failures', () => {
    expect(exitCodeFor(new FlowgateError('DAG_INVALID'))).toBe(2);
    expect(exitCodeFor(new FlowgateError('VALIDATION_FAILED'))).toBe(2);
    expect(exitCodeFor(new FlowgateError('HITL_NOT_PENDING'))).toBe(1);
    expect(exitCodeFor(new FlowgateError('NOT_FOUND'))).toBe(1);
    expect(exitCodeFor(new CliError('bad flag'))).toBe(2);
    expect(exitCodeFor(new CommanderError(1, 'commander.unknownOption', 'x'))).toBe(2);
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', ''))).toBe(0);
    expect(exitCodeFor(new Error('disk full'))).toBe(1);
  });

  it('print one line, or one line per problem', () => {
    expect(formatError(new Error('first\n  second'))).toBe('error: first second');
    expect(formatError(new AggregateError([new Error('a'), new Error('b')], ''))).toBe(
      'error: a; b',
    );
    const invalid = new FlowgateError('DAG_INVALID', 'x', {
      details: [
        { code: 'cycle', path: 'nodes[0]', message: 'a → b → a' },
        { code: 'unknown_agent', path: 'nodes[1].agent_id', message: 'no agent "z"' },
      ],
    });
    expect(formatError(invalid)).toBe(
      [
        'error: The DAG is invalid (2 problems):',
        '  nodes[0]: a → b → a [cycle]',
        '  nodes[1].agent_id: no agent "z" [unknown_agent]',
      ].join('\n'),
    );
    const closed = new FlowgateError('HITL_NOT_PENDING', 'x', {
      details: { status: 'rejected', respondedBy: 'bo', respondedAt: '2026-01-01T00:00:00Z' },
    });
    expect(formatError(closed)).toBe(
      'error: The request is no longer pending: ' +
        'it was already rejected by bo at 2026-01-01T00:00:00Z',
    );
  });
});

describe('printed commands', () => {
  it('quote for the shell and hide passwords', () => {
    expect(shellQuote('sqlite:/tmp/a.db')).toBe('sqlite:/tmp/a.db');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(redactDbUrl('postgres://app:s3cret@db:5432/flowgate')).toBe(
      'postgres://app:****@db:5432/flowgate',
    );
    expect(redactDbUrl('postgres://app@db/flowgate')).toBe('postgres://app@db/flowgate');
  });

  it('offer respond when the request has choices', () => {
    const request = {
      requestId: 'r1',
      nodeId: 'gate',
      message: 'Which?',
      spec: { options: [{ value: 'low', label: 'Low' }] },
    } as unknown as HitlRequestView;
    const help = formatWaitingHelp([request], {
      workflowId: 'w1',
      db: 'sqlite:my db.db',
      plugins: ['p.mjs'],
    });
    expect(help).toContain("npx flowgate hitl approve r1 --db 'sqlite:my db.db'");
    expect(help).toContain(`npx flowgate hitl respond r1 --value '"low"' --db 'sqlite:my db.db'`);
    expect(help).toContain("npx flowgate serve --db 'sqlite:my db.db' --plugin p.mjs");
  });
});

describe('isWaitingForPeople', () => {
  const run = (workflowId: string, status: string, nodes: object[] = []) =>
    ({ workflowId, status, nodes }) as unknown as WorkflowView;

  it('sees a paused run, and a parent whose only running node is a waiting sub-run', () => {
    const child = run('c', 'paused');
    const parent = run('p', 'running', [
      { nodeId: 'sub', status: 'running', childWorkflowId: 'c' },
      { nodeId: 'after', status: 'pending' },
    ]);
    expect(isWaitingForPeople(child, [child])).toBe(true);
    expect(isWaitingForPeople(parent, [parent, child])).toBe(true);
    const busy = run('p', 'running', [
      { nodeId: 'sub', status: 'running', childWorkflowId: 'c' },
      { nodeId: 'work', status: 'running' },
    ]);
    expect(isWaitingForPeople(busy, [busy, child])).toBe(false);
    expect(isWaitingForPeople(run('x', 'running'), [])).toBe(false);
  });
});
