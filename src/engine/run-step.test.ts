import { describe, expect, it } from 'vitest';

import type { RegisteredStep, StepContext } from './registry.js';
import { runStep } from './run-step.js';

const step = (run: RegisteredStep['run']): RegisteredStep => ({ name: 's', kind: 'tool', run });

const context = (signal: AbortSignal): StepContext => ({
  workflowId: 'w',
  nodeId: 'n',
  dagId: 'd',
  attempt: 1,
  idempotencyKey: 'w:n',
  signal,
  outputs: {},
  runInput: null,
});

describe('runStep', () => {
  it('hands back a JSON copy of the output, null for none', async () => {
    const signal = new AbortController().signal;
    const date = new Date('2026-01-01T00:00:00Z');
    expect(
      await runStep(
        step(() => ({ at: date })),
        null,
        context(signal),
      ),
    ).toEqual({
      at: '2026-01-01T00:00:00.000Z',
    });
    expect(
      await runStep(
        step(() => undefined),
        null,
        context(signal),
      ),
    ).toBeNull();
  });

  it('gives up on a step that ignores its signal when the signal aborts', async () => {
    const controller = new AbortController();
    const never = step(() => new Promise(() => undefined));
    const running = runStep(never, null, context(controller.signal));
    controller.abort(new Error('timed out'));
    await expect(running).rejects.toThrow('timed out');
  });

  it('refuses to wait on a signal that aborted already', async () => {
    const controller = new AbortController();
    controller.abort(new Error('lease lost'));
    const never = step(() => new Promise(() => undefined));
    await expect(runStep(never, null, context(controller.signal))).rejects.toThrow('lease lost');
  });
});
