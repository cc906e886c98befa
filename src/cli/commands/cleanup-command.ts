/**
 * `flowgate cleanup --older-than DURATION [--per-dag]`: deletes finished runs (completed, failed,
 * cancelled) with their nodes, events, requests and agent executions, in one transaction. A pending,
 * running or paused run is never deleted. With `--per-dag`, a DAG's own `settings.retention`
 * replaces the cutoff for its runs (as the servers' hourly retention pass does).
 */
import { InvalidArgumentError, type Command } from 'commander';

import { systemClock, toIso } from '../../shared/clock.js';
import type { RetentionCounts } from '../../app/flowgate.js';
import type { CliContext } from '../cli-context.js';
import { dbOption } from '../common-options.js';
import { ExitCode } from '../exit-code.js';
import { formatTable } from '../format-table.js';
import { resolveDbUrl } from '../resolve-settings.js';
import { withClient } from '../with-client.js';

interface CleanupOptions {
  readonly db?: string;
  readonly olderThan: number;
  readonly dryRun?: boolean;
  readonly perDag?: boolean;
}

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000 };

/** `30d`, `12h`, `45m`, `0d` as milliseconds; anything else is bad usage. */
export function parseDuration(text: string): number {
  const match = /^(\d+)([dhm])$/.exec(text.trim());
  const amount = match ? Number(match[1]) : NaN;
  if (!match || !Number.isSafeInteger(amount)) {
    throw new InvalidArgumentError(
      'must be a whole number of days, hours or minutes: 30d, 12h, 45m',
    );
  }
  return amount * UNIT_MS[match[2]!]!;
}

export function cleanupCommand(program: Command, ctx: CliContext): Command {
  return program
    .command('cleanup')
    .description('delete finished runs (completed, failed, cancelled) and everything they recorded')
    .requiredOption(
      '--older-than <duration>',
      'runs that finished longer ago than this: 30d, 12h, 45m (0d: every finished run)',
      parseDuration,
    )
    .option('--dry-run', 'count what would be deleted, delete nothing')
    .option(
      '--per-dag',
      'a DAG with its own settings.retention keeps its runs that long instead (others: --older-than)',
    )
    .addOption(dbOption())
    .action(async (options: CleanupOptions) => {
      const db = resolveDbUrl(options.db, ctx.env);
      const cutoff = toIso(systemClock.now() - options.olderThan);
      const dryRun = options.dryRun === true;
      const perDag = options.perDag === true;
      const counts = await withClient(db, (flowgate) =>
        flowgate.deleteFinishedRuns({ cutoff, dryRun, perDag }),
      );
      console.log(formatCounts(counts, cutoff, dryRun, perDag));
      ctx.setExitCode(ExitCode.ok);
    });
}

function formatCounts(
  counts: RetentionCounts,
  cutoff: string,
  dryRun: boolean,
  perDag: boolean,
): string {
  const runs = `${counts.workflows} finished run${counts.workflows === 1 ? '' : 's'}`;
  const when = `finished before ${cutoff}${perDag ? " (or their DAG's own retention)" : ''}`;
  const head = dryRun
    ? `Dry run: would delete ${runs} that ${when} (nothing was deleted).`
    : `Deleted ${runs} that ${when}.`;
  const rows = Object.entries(counts).map(([table, count]) => [table, String(count)]);
  return `${head}\n${formatTable(['TABLE', dryRun ? 'ROWS TO DELETE' : 'ROWS DELETED'], rows)}`;
}
