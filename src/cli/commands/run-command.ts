/**
 * `flowgate run FILE`: runs one DAG file to its end in the terminal, with live progress and
 * prompts.
 */
import { Option, type Command } from 'commander';

import { createFlowgate } from '../../app/flowgate.js';
import { readDagFile } from '../../app/definitions.js';
import { cliActor } from '../cli-actor.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { asOption, dbOption, pluginOption } from '../common-options.js';
import { ExitCode } from '../exit-code.js';
import { followRun, type FollowOutcome } from '../follow-run.js';
import { formatServeCommand, formatWaitingHelp } from '../format-waiting-help.js';
import { loadPlugins } from '../load-plugins.js';
import { parseJsonOption } from '../parse-json-option.js';
import { errorCode, messageOf } from '../report-error.js';
import { resolveDbUrl, resolveUser } from '../resolve-settings.js';
import { TerminalPrompt } from '../terminal-prompt.js';

interface RunOptions {
  readonly input?: string;
  readonly db?: string;
  /** Absent when no --plugin is given. */
  readonly plugin?: string[];
  readonly as?: string;
  /**
   * true: --prompt (hidden, for tests and scripts), false: --no-prompt, undefined: ask when stdin
   * is a terminal.
   */
  readonly prompt?: boolean;
}

const EXIT_CODES_HELP = `
Exit codes:
  0  the run completed (its result is printed)
  1  the run failed or was cancelled
  2  bad usage, or an invalid DAG (every problem is listed with its path)
  3  the run waits for people: decide with \`flowgate hitl\`, and \`flowgate serve\` finishes it`;

export function runCommand(program: Command, ctx: CliContext): Command {
  return (
    program
      .command('run')
      .description('run a DAG file to its end in this terminal, with live progress')
      .argument('<file>', 'the DAG document (.json, .yaml or .yml)')
      .option('--input <json>', "the run's input as JSON, or @FILE to read it from a file")
      .addOption(dbOption())
      .addOption(pluginOption())
      .addOption(asOption('who starts the run and decides at prompts'))
      // --prompt is declared before --no-prompt so that neither sets a default: unset means "ask on
      // a terminal".
      .addOption(
        new Option('--prompt', 'ask at human nodes even when stdin is not a terminal').hideHelp(),
      )
      .option('--no-prompt', 'never ask: leave the run waiting, print how to decide it, and exit 3')
      .addHelpText('after', EXIT_CODES_HELP)
      .action(async (file: string, options: RunOptions) => {
        ctx.setExitCode(await runDagFile(file, options, ctx));
      })
  );
}

async function runDagFile(file: string, options: RunOptions, ctx: CliContext): Promise<number> {
  const db = resolveDbUrl(options.db, ctx.env);
  const by = resolveUser(options.as, ctx.env);
  const input =
    options.input === undefined ? null : await parseJsonOption(options.input, '--input');
  const plugins = await loadPlugins(options.plugin ?? []);
  const document = await readDag(file);
  const interactive = options.prompt ?? process.stdin.isTTY === true;

  const flowgate = await createFlowgate({
    db,
    plugins,
    onError: (error) => console.error(`warning: ${messageOf(error)}`),
    // This terminal runs one DAG file; firing the database's schedules is for serve and worker.
    scheduler: false,
  });
  // Ctrl-C stops following; the run itself stays in the database for any worker to carry on.
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  let prompt: TerminalPrompt | undefined;
  try {
    // Before anything is stored: an invalid DAG leaves no version behind.
    flowgate.validateDag(document);
    const { workflowId } = await flowgate.start(document as object, { input, startedBy: by });
    const run = await flowgate.getWorkflow(workflowId);
    console.log(`Run ${workflowId} of ${run.dagId} v${run.version} started by ${by}`);
    if (interactive) {
      prompt = new TerminalPrompt(process.stdin, process.stdout, { onInterrupt: interrupt });
      const opened = prompt;
      controller.signal.addEventListener('abort', () => opened.close(), { once: true });
    }
    const outcome = await followRun(flowgate, workflowId, {
      print: (line) => console.log(line),
      signal: controller.signal,
      actor: await cliActor(flowgate, by),
      ...(prompt ? { prompt } : {}),
    });
    return reportOutcome(outcome, workflowId, { db, plugins: options.plugin ?? [] });
  } finally {
    prompt?.close();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await flowgate.close();
  }
}

async function readDag(file: string): Promise<unknown> {
  try {
    return await readDagFile(file);
  } catch (error) {
    // A missing file is a usage mistake here, not a missing object in the database.
    if (errorCode(error) === 'NOT_FOUND')
      throw new CliError(messageOf(error), ExitCode.usage, { cause: error });
    throw error;
  }
}

function reportOutcome(
  outcome: FollowOutcome,
  workflowId: string,
  context: { db: string; plugins: readonly string[] },
): number {
  switch (outcome.kind) {
    case 'finished': {
      const { run } = outcome;
      if (run.status === 'completed') {
        console.log('Result:');
        console.log(JSON.stringify(run.result ?? null, null, 2));
        return ExitCode.ok;
      }
      const reason =
        run.status === 'failed' ? `failed: ${run.error ?? 'unknown error'}` : run.status;
      console.error(`error: run ${workflowId} ${reason}`);
      return ExitCode.failed;
    }
    case 'waiting':
      console.log(formatWaitingHelp(outcome.requests, { workflowId, ...context }));
      return ExitCode.waiting;
    case 'interrupted':
      // On a line of its own: a question may be left open on the terminal.
      console.error(
        `\nInterrupted. Run ${workflowId} stays in the database: ` +
          `\`${formatServeCommand(context)}\` carries it on.`,
      );
      return ExitCode.interrupted;
  }
}
