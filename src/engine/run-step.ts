import type { RegisteredStep, StepContext } from './registry.js';

/**
 * Runs a step until it settles or its signal aborts (a timeout, a lost lease, a shutdown), whichever comes first,
 * and hands back its output as plain JSON. A step that ignores its signal cannot hold the worker past the abort: its
 * promise is left to settle on its own.
 */
export async function runStep(
  step: RegisteredStep,
  input: unknown,
  ctx: StepContext,
): Promise<unknown> {
  const { signal } = ctx;
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
  const output = await Promise.race([Promise.resolve().then(() => step.run(input, ctx)), aborted]);
  // A copy through JSON: what is stored and handed to later nodes is what a restart would read back.
  return output === undefined ? null : (JSON.parse(JSON.stringify(output)) as unknown);
}
