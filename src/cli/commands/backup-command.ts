/**
 * `flowgate backup FILE`: a consistent copy of a SQLite database, safe while `serve` runs (SQLite's
 * online backup). For PostgreSQL the store refuses and names the `pg_dump` command to run.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

import type { Command } from 'commander';

import { parseDatabaseUrl } from '../../config/index.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { dbOption } from '../common-options.js';
import { ExitCode } from '../exit-code.js';
import { redactDbUrl } from '../redact-db-url.js';
import { resolveDbUrl } from '../resolve-settings.js';
import { withClient } from '../with-client.js';

export function backupCommand(program: Command, ctx: CliContext): Command {
  return program
    .command('backup')
    .description('write a copy of the database to a file (SQLite; safe while the server runs)')
    .argument('<file>', 'where to write the copy')
    .addOption(dbOption())
    .action(async (file: string, options: { db?: string }) => {
      const db = resolveDbUrl(options.db, ctx.env);
      const location = parseDatabaseUrl(db);
      if (location.dialect === 'sqlite' && resolve(location.target) === resolve(file)) {
        throw new CliError('The backup file is the database itself: name another file');
      }
      await withClient(db, (flowgate) => flowgate.backup(file));
      const size = statSync(file).size;
      console.log(`Backed up ${redactDbUrl(db)} to ${file} (${formatSize(size)}).`);
      ctx.setExitCode(ExitCode.ok);
    });
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}, ${bytes} bytes`;
}
