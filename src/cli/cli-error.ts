import { ExitCode } from './exit-code.js';

/**
 * A failure the CLI explains in one line and exits on: a bad flag value, a missing file, a module
 * that is no plugin.
 */
export class CliError extends Error {
  override readonly name: string = 'CliError';

  constructor(
    message: string,
    readonly exitCode: number = ExitCode.usage,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
