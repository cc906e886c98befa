/**
 * `flowgate worker`: workers only, for scale-out. Any number of them share one PostgreSQL database with
 * `flowgate serve`; they claim ready nodes with SKIP LOCKED and wake on LISTEN/NOTIFY. On SIGINT or
 * SIGTERM a worker finishes what it runs (or hands it back) before it exits.
 */
import type { Command } from 'commander';

import { createFlowgate } from '../../app/flowgate.js';
import { loadConfig, SETTINGS } from '../../config/index.js';
import type { CliContext } from '../cli-context.js';
import { dbOption, pluginOption } from '../common-options.js';
import { ExitCode } from '../exit-code.js';
import { loadPlugins } from '../load-plugins.js';
import { chatOptions, mailOptions, outboundOptions } from '../mail-options.js';
import { retentionOptions } from '../retention-options.js';
import { nextSignal } from '../next-signal.js';
import { redactDbUrl } from '../redact-db-url.js';
import { messageOf } from '../report-error.js';

interface WorkerCommandOptions {
  readonly db?: string;
  readonly plugin?: string[];
  readonly concurrency?: string;
}

export function workerCommand(program: Command, ctx: CliContext): Command {
  return program
    .command('worker')
    .description(
      'run workers only, against the database that `flowgate serve` uses (for scale-out)',
    )
    .addOption(dbOption())
    .addOption(pluginOption())
    .option(
      '--concurrency <n>',
      `nodes this worker runs at once (env ${SETTINGS.concurrency.env}; default ${SETTINGS.concurrency.default})`,
    )
    .action(async (options: WorkerCommandOptions) => {
      ctx.setExitCode(await runWorker(options, ctx));
    });
}

async function runWorker(options: WorkerCommandOptions, ctx: CliContext): Promise<number> {
  // Everything is checked, even what only `serve` uses: a worker shares its environment, and a mistake there
  // should not wait for the next server restart to show.
  const config = loadConfig({
    flags: { db: options.db, concurrency: options.concurrency },
    env: ctx.env,
  });
  const plugins = await loadPlugins(options.plugin ?? []);
  const { db, concurrency } = config;
  const flowgate = await createFlowgate({
    db,
    plugins,
    workers: { concurrency },
    mail: mailOptions(config),
    outbound: outboundOptions(config),
    chat: chatOptions(config),
    retention: retentionOptions(config),
    onError: (error) => console.error(`warning: worker: ${messageOf(error)}`),
  });
  // Listen for the stop signals before saying that we run: a supervisor may send one the moment it reads that.
  const stopSignal = nextSignal();
  if (flowgate.dialect === 'sqlite') {
    console.log(
      'Note: on SQLite one `flowgate serve` already runs the workers; extra workers add little.',
    );
  }
  console.log(`Flowgate worker running on ${redactDbUrl(db)}.`);
  const signal = await stopSignal;
  console.log(`${signal}: finishing running nodes and closing the database…`);
  await flowgate.close();
  console.log('Worker stopped.');
  return ExitCode.ok;
}
