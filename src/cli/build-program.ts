import { readFileSync } from 'node:fs';

import { Command } from 'commander';

import type { CliContext } from './cli-context.js';
import { backupCommand } from './commands/backup-command.js';
import { cleanupCommand } from './commands/cleanup-command.js';
import { hitlCommand } from './commands/hitl-command.js';
import { migrateCommand } from './commands/migrate-command.js';
import { planCommand } from './commands/plan-command.js';
import { rollbackCommand } from './commands/rollback-command.js';
import { runCommand } from './commands/run-command.js';
import { scheduleCommand } from './commands/schedule-command.js';
import { serveCommand } from './commands/serve-command.js';
import { userCommand } from './commands/user-command.js';
import { workerCommand } from './commands/worker-command.js';

/** The `flowgate` command tree (API.md "Command line"). */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('flowgate')
    .description('Durable DAG workflows for AI agents and tools, with people in the loop.')
    .version(packageVersion(), '-v, --version')
    // Set before the subcommands are declared, which inherit them: usage errors reach `main` as
    // exceptions, so it picks the exit code (2) and exits in one place.
    .exitOverride()
    .showHelpAfterError('(add --help for usage)');
  runCommand(program, ctx);
  serveCommand(program, ctx);
  workerCommand(program, ctx);
  migrateCommand(program, ctx);
  hitlCommand(program, ctx);
  rollbackCommand(program, ctx);
  planCommand(program, ctx);
  scheduleCommand(program, ctx);
  userCommand(program, ctx);
  backupCommand(program, ctx);
  cleanupCommand(program, ctx);
  return program;
}

function packageVersion(): string {
  try {
    // The same relative path from src/cli and from dist/cli.
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
