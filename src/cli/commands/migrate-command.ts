/**
 * `flowgate migrate`: brings the database schema up to date (opening the database applies pending
 * migrations).
 */
import type { Command } from 'commander';

import type { CliContext } from '../cli-context.js';
import { dbOption } from '../common-options.js';
import { ExitCode } from '../exit-code.js';
import { redactDbUrl } from '../redact-db-url.js';
import { resolveDbUrl } from '../resolve-settings.js';
import { withClient } from '../with-client.js';

export function migrateCommand(program: Command, ctx: CliContext): Command {
  return program
    .command('migrate')
    .description('apply pending database migrations')
    .addOption(dbOption())
    .action(async (options: { db?: string }) => {
      const db = resolveDbUrl(options.db, ctx.env);
      await withClient(db, () => Promise.resolve());
      console.log(`Database ${redactDbUrl(db)} is migrated to the latest schema.`);
      ctx.setExitCode(ExitCode.ok);
    });
}
