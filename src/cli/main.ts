#!/usr/bin/env node
/**
 * The `flowgate` executable: parses the command line, runs one command, and exits with its code (0
 * done, 1 failed, 2 bad usage, 3 waiting for people). Errors print as one line, without a stack
 * trace unless FLOWGATE_DEBUG is set.
 */
import { buildProgram } from './build-program.js';
import { reportError } from './report-error.js';

const env = process.env;
let exitCode = 0;
try {
  const program = buildProgram({
    env,
    setExitCode: (code) => {
      exitCode = code;
    },
  });
  await program.parseAsync(process.argv);
} catch (error) {
  exitCode = reportError(error, env);
}

// Exit explicitly, so that a plugin's timer or socket cannot keep a finished command alive; flush
// first, since `process.exit` does not wait for output to a pipe.
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(exitCode);

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}
