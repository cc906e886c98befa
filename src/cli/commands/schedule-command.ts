/**
 * `flowgate schedule list|add|pause|resume|delete`: cron schedules of stored DAGs, straight in the database (like
 * `user add`: whoever holds the database is trusted, and `--as` names the creator, in whose name the runs start).
 * The server's scheduler loop picks a change up within seconds; a client process fires nothing itself.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';

import {
  CATCHUP_VALUES,
  OVERLAP_VALUES,
  type Catchup,
  type Overlap,
  type ScheduleView,
} from '../../app/schedules.js';
import type { CliContext } from '../cli-context.js';
import { asOption, dbOption } from '../common-options.js';
import { ExitCode } from '../exit-code.js';
import { formatTable } from '../format-table.js';
import { parseJsonOption } from '../parse-json-option.js';
import { resolveDbUrl, resolveUser } from '../resolve-settings.js';
import { withClient } from '../with-client.js';

interface ListOptions {
  readonly db?: string;
  readonly dag?: string;
  readonly json?: boolean;
}

interface AddOptions {
  readonly db?: string;
  readonly as?: string;
  readonly cron: string;
  readonly timezone?: string;
  readonly input?: string;
  readonly catchup?: Catchup;
  readonly overlap?: Overlap;
  readonly maxCatchupRuns?: number;
  readonly paused?: boolean;
  readonly json?: boolean;
}

interface IdOptions {
  readonly db?: string;
}

export function scheduleCommand(program: Command, ctx: CliContext): Command {
  const schedule = program
    .command('schedule')
    .description('start runs of stored DAGs on cron schedules');

  schedule
    .command('list')
    .description('list schedules, oldest first')
    .option('--dag <id>', 'only the schedules of this DAG')
    .option('--json', 'print the schedules as JSON')
    .addOption(dbOption())
    .action(async (options: ListOptions) => {
      const db = resolveDbUrl(options.db, ctx.env);
      const schedules = await withClient(db, async (flowgate) => {
        const found: ScheduleView[] = [];
        let cursor: string | undefined;
        do {
          const page = await flowgate.schedules.list({
            limit: 500,
            ...(options.dag !== undefined ? { dagId: options.dag } : {}),
            ...(cursor !== undefined ? { cursor } : {}),
          });
          found.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined);
        return found;
      });
      console.log(options.json ? JSON.stringify(schedules, null, 2) : formatSchedules(schedules));
      ctx.setExitCode(ExitCode.ok);
    });

  schedule
    .command('add')
    .description('add a schedule to a stored DAG')
    .argument('<dag>', 'the DAG id')
    .requiredOption(
      '--cron <expression>',
      '5 fields (minute hour day month weekday), or 6 with seconds first; quote it',
    )
    .option('--timezone <zone>', 'an IANA time zone, as Europe/Berlin (default UTC)')
    .option('--input <json>', 'the input of every run, as JSON (or @FILE)')
    .addOption(
      new Option(
        '--catchup <policy>',
        'occurrences missed while no server ran (default none)',
      ).choices(CATCHUP_VALUES),
    )
    .addOption(
      new Option(
        '--overlap <policy>',
        'an occurrence due while the last run is active (default skip)',
      ).choices(OVERLAP_VALUES),
    )
    .option('--max-catchup-runs <n>', 'the cap of --catchup all (default 10)', parsePositive)
    .option('--paused', 'create it paused')
    .option('--json', 'print the schedule as JSON')
    .addOption(asOption('who creates it; the runs start in their name'))
    .addOption(dbOption())
    .action(async (dagId: string, options: AddOptions) => {
      const db = resolveDbUrl(options.db, ctx.env);
      const input =
        options.input === undefined ? undefined : await parseJsonOption(options.input, '--input');
      const created = await withClient(db, (flowgate) =>
        flowgate.schedules.create(
          dagId,
          {
            cron: options.cron,
            ...(options.timezone !== undefined ? { timezone: options.timezone } : {}),
            ...(input !== undefined ? { input } : {}),
            ...(options.catchup !== undefined ? { catchup: options.catchup } : {}),
            ...(options.overlap !== undefined ? { overlap: options.overlap } : {}),
            ...(options.maxCatchupRuns !== undefined
              ? { maxCatchupRuns: options.maxCatchupRuns }
              : {}),
            ...(options.paused === true ? { paused: true } : {}),
          },
          { createdBy: resolveUser(options.as, ctx.env) },
        ),
      );
      console.log(
        options.json
          ? JSON.stringify(created, null, 2)
          : `Created schedule ${created.id} of ${created.dagId} (${created.cron}, ${created.timezone}); ` +
              (created.paused ? 'paused.' : `next run ${created.nextFireAt ?? 'never'}.`),
      );
      ctx.setExitCode(ExitCode.ok);
    });

  const change = (name: string, description: string, act: 'pause' | 'resume' | 'delete') =>
    schedule
      .command(name)
      .description(description)
      .argument('<id>', 'the schedule id')
      .addOption(dbOption())
      .action(async (scheduleId: string, options: IdOptions) => {
        const db = resolveDbUrl(options.db, ctx.env);
        const message = await withClient(db, async (flowgate) => {
          if (act === 'delete') {
            await flowgate.schedules.delete(scheduleId);
            return `Deleted schedule ${scheduleId} (the runs it started stay).`;
          }
          const changed = await flowgate.schedules[act](scheduleId);
          return act === 'pause'
            ? `Paused schedule ${scheduleId}.`
            : `Resumed schedule ${scheduleId}; next run ${changed.nextFireAt ?? 'never'}.`;
        });
        console.log(message);
        ctx.setExitCode(ExitCode.ok);
      });
  change('pause', 'pause a schedule: it starts nothing until resumed', 'pause');
  change(
    'resume',
    'resume a schedule from now on (what fell due meanwhile is not caught up)',
    'resume',
  );
  change('delete', 'delete a schedule', 'delete');
  return schedule;
}

function parsePositive(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1) {
    throw new InvalidArgumentError('must be a whole number, 1 or more');
  }
  return value;
}

function formatSchedules(schedules: readonly ScheduleView[]): string {
  if (schedules.length === 0) return 'No schedules.';
  return formatTable(
    ['SCHEDULE', 'DAG', 'CRON', 'TIMEZONE', 'NEXT', 'CATCHUP', 'OVERLAP', 'LAST RUN'],
    schedules.map((s) => [
      s.id,
      s.dagId,
      s.cron,
      s.timezone,
      s.paused ? 'paused' : (s.nextFireAt ?? 'never'),
      s.catchup,
      s.overlap,
      s.lastWorkflowId ?? '',
    ]),
  );
}
