import type { Env } from './env.js';

/** What every command gets from `main`: the environment, and where to leave its exit code. */
export interface CliContext {
  readonly env: Env;
  /**
   * Records the exit code; `main` exits with it once the command has returned and output is
   * flushed.
   */
  setExitCode(code: number): void;
}
