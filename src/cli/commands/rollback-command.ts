/**
 * `flowgate snapshots WORKFLOW_ID` lists a run's snapshots (the last 50, newest first) and `flowgate rollback
 * WORKFLOW_ID --snapshot ID | --step N` rolls it back to one. Both work on the database: the compensations then run
 * in the `serve` or `worker` processes, and the run resumes there.
 */
import { InvalidArgumentError, type Command } from 'commander';

import type { CliContext } from '../cli-context.js';
import { cliActor } from '../cli-actor.js';
import { asOption, dbOption } from '../common-options.js';
import { ExitCode } from '../exit-code.js';
import { formatTable } from '../format-table.js';
import { resolveDbUrl, resolveUser } from '../resolve-settings.js';
import { withClient } from '../with-client.js';

interface SnapshotsOptions {
  readonly db?: string;
  readonly json?: boolean;
}

interface RollbackOptions {
  readonly db?: string;
  readonly as?: string;
  readonly snapshot?: string;
  readonly step?: number;
}

function parseStep(text: string): number {
  const step = Number(text);
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new InvalidArgumentError('must be a step index: 0 for the first completed node');
  }
  return step;
}

export function rollbackCommand(program: Command, ctx: CliContext): void {
  program
    .command('snapshots')
    .description("list a run's snapshots (the last 50), newest first")
    .argument('<workflowId>', 'the run')
    .option('--json', 'print the snapshots, with their full state, as JSON')
    .addOption(dbOption())
    .action(async (workflowId: string, options: SnapshotsOptions) => {
      const db = resolveDbUrl(options.db, ctx.env);
      const snapshots = await withClient(db, (flowgate) => flowgate.listSnapshots(workflowId));
      if (options.json) {
        console.log(JSON.stringify(snapshots, null, 2));
      } else {
        const rows = snapshots.map((s) => [
          String(s.stepIndex),
          s.nodeId,
          s.createdAt,
          s.snapshotId,
        ]);
        console.log(formatTable(['STEP', 'NODE', 'CREATED', 'SNAPSHOT'], rows));
      }
      ctx.setExitCode(ExitCode.ok);
    });

  program
    .command('rollback')
    .description(
      'roll a run back to a snapshot: compensations of the later nodes in reverse order, then resume',
    )
    .argument('<workflowId>', 'the run')
    .option('--snapshot <id>', 'the snapshot to go back to')
    .option(
      '--step <n>',
      'the snapshot after this step (0: after the first completed node)',
      parseStep,
    )
    .addOption(asOption('who rolls back'))
    .addOption(dbOption())
    .action(async (workflowId: string, options: RollbackOptions) => {
      if ((options.snapshot === undefined) === (options.step === undefined)) {
        throw new InvalidArgumentError('give either --snapshot or --step');
      }
      const db = resolveDbUrl(options.db, ctx.env);
      const started = await withClient(db, async (flowgate) =>
        flowgate.rollback(
          workflowId,
          options.snapshot !== undefined
            ? { snapshotId: options.snapshot }
            : { stepIndex: options.step! },
          await cliActor(flowgate, resolveUser(options.as, ctx.env)),
        ),
      );
      const undo = started.compensations
        .filter((c) => c.status === 'pending')
        .map((c) => `${c.nodeId} (${c.toolName ?? c.agentId})`);
      console.log(
        `Rollback ${started.rollbackId} to snapshot ${started.snapshotId}: ` +
          (undo.length > 0
            ? `compensating ${undo.join(', ')}, newest first; the run resumes when they are done.`
            : 'nothing to compensate; the run resumed.'),
      );
      ctx.setExitCode(ExitCode.ok);
    });
}
