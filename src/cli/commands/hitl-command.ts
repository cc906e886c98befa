/**
 * `flowgate hitl list|approve|reject|respond`: requests for people, read and decided straight in
 * the database, or through a running server with an API key (`--server`).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';

import type { HitlRequestView } from '../../app/views.js';
import { HitlStatus } from '../../app/views.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { apiKeyOption, asOption, dbOption, serverOption } from '../common-options.js';
import { ExitCode } from '../exit-code.js';
import { formatTable } from '../format-table.js';
import { withHitlBackend, type HitlBackend } from '../hitl-backend.js';
import { resolveHitlTarget } from '../hitl-target.js';
import { parseJsonOption } from '../parse-json-option.js';

interface ListOptions {
  readonly db?: string;
  readonly server?: string;
  readonly apiKey?: string;
  readonly workflow?: string;
  readonly status: string;
  readonly limit: number;
  readonly json?: boolean;
}

interface DecideOptions {
  readonly db?: string;
  readonly server?: string;
  readonly apiKey?: string;
  readonly as?: string;
  readonly comment?: string;
  readonly value?: string;
  readonly edits?: string;
}

type DecisionKind = 'approve' | 'reject' | 'respond';

const STATUSES = Object.values(HitlStatus);
const MESSAGE_WIDTH = 60;
const NOT_WITH_SERVER = "; not with --server, where the API key's user decides";

export function hitlCommand(program: Command, ctx: CliContext): Command {
  const hitl = program.command('hitl').description('list and decide requests for people');

  hitl
    .command('list')
    .description('list requests, oldest first')
    .addOption(dbOption())
    .addOption(serverOption())
    .addOption(apiKeyOption())
    .option('--workflow <id>', 'only the requests of this run')
    .addOption(
      new Option('--status <status>', 'which requests')
        .choices([...STATUSES, 'all'])
        .default('pending'),
    )
    .option('--limit <n>', 'show at most this many', parseLimit, 50)
    .option('--json', 'print the requests as JSON')
    .action(async (options: ListOptions) => {
      const target = resolveHitlTarget(options, ctx.env);
      const requests = await withHitlBackend(target, (backend) => listRequests(backend, options));
      console.log(
        options.json ? JSON.stringify(requests, null, 2) : formatRequests(requests, options.status),
      );
      ctx.setExitCode(ExitCode.ok);
    });

  const decideAction =
    (kind: DecisionKind) => async (requestId: string, options: DecideOptions) => {
      ctx.setExitCode(await decide(kind, requestId, options, ctx));
    };
  hitl
    .command('approve')
    .description('approve a request')
    .argument('<id>', 'the request id')
    .option('--comment <text>', 'a comment, kept with the decision')
    .option('--edits <json>', 'changes to the proposed values, by path: {"path": value} (or @FILE)')
    .addOption(asOption(`who approves${NOT_WITH_SERVER}`))
    .addOption(dbOption())
    .addOption(serverOption())
    .addOption(apiKeyOption())
    .action(decideAction('approve'));
  hitl
    .command('reject')
    .description('reject a request')
    .argument('<id>', 'the request id')
    .option('--comment <text>', 'the reason, kept with the decision')
    .addOption(asOption(`who rejects${NOT_WITH_SERVER}`))
    .addOption(dbOption())
    .addOption(serverOption())
    .addOption(apiKeyOption())
    .action(decideAction('reject'));
  hitl
    .command('respond')
    .description('answer a request that asks a question or has a form')
    .argument('<id>', 'the request id')
    .requiredOption('--value <json>', 'the answer as JSON (or @FILE)')
    .option('--comment <text>', 'a comment, kept with the answer')
    .addOption(asOption(`who answers${NOT_WITH_SERVER}`))
    .addOption(dbOption())
    .addOption(serverOption())
    .addOption(apiKeyOption())
    .action(decideAction('respond'));
  return hitl;
}

function parseLimit(text: string): number {
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1)
    throw new InvalidArgumentError('must be a whole number, 1 or more');
  return limit;
}

async function listRequests(
  backend: HitlBackend,
  options: ListOptions,
): Promise<HitlRequestView[]> {
  const statuses = options.status === 'all' ? STATUSES : [options.status];
  const found: HitlRequestView[] = [];
  for (const status of statuses) {
    let cursor: string | undefined;
    do {
      const page = await backend.listPage({
        status,
        limit: Math.min(options.limit, 500),
        ...(options.workflow ? { workflowId: options.workflow } : {}),
        ...(cursor ? { cursor } : {}),
      });
      found.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && found.length < options.limit);
  }
  return found
    .sort(
      (a, b) => a.createdAt.localeCompare(b.createdAt) || a.requestId.localeCompare(b.requestId),
    )
    .slice(0, options.limit);
}

function formatRequests(requests: readonly HitlRequestView[], status: string): string {
  if (requests.length === 0) return status === 'all' ? 'No requests.' : `No ${status} requests.`;
  const decided = requests.some((request) => request.respondedBy !== null);
  const headers = [
    'REQUEST',
    'WORKFLOW',
    'NODE',
    'STATUS',
    'CREATED',
    ...(decided ? ['DECIDED BY'] : []),
    'MESSAGE',
  ];
  const rows = requests.map((request) => [
    request.requestId,
    request.workflowId,
    request.nodeId,
    request.status,
    request.createdAt.replace(/\.\d+Z$/, 'Z'),
    ...(decided ? [request.respondedBy ?? ''] : []),
    truncate((request.message ?? '').replace(/\s*\n\s*/g, ' '), MESSAGE_WIDTH),
  ]);
  return formatTable(headers, rows);
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

async function decide(
  kind: DecisionKind,
  requestId: string,
  options: DecideOptions,
  ctx: CliContext,
): Promise<number> {
  const target = resolveHitlTarget(options, ctx.env);
  const value =
    options.value === undefined ? undefined : await parseJsonOption(options.value, '--value');
  const edits =
    options.edits === undefined ? undefined : await parseJsonOption(options.edits, '--edits');
  if (
    edits !== undefined &&
    (edits === null || typeof edits !== 'object' || Array.isArray(edits))
  ) {
    throw new CliError('--edits must be a JSON object of path → new value, as {"amount": 100}');
  }
  return withHitlBackend(target, async (backend) => {
    const { result, by } = await backend.decide(requestId, {
      kind,
      ...(options.comment === undefined ? {} : { comment: options.comment }),
      ...(kind === 'respond' ? { value } : {}),
      ...(edits === undefined ? {} : { edits: edits as Record<string, unknown> }),
    });
    if (result.status === 'pending') {
      console.log(
        `Recorded ${by}'s ${kind} on request ${requestId}: ${result.approvals ?? '?'} of ` +
          `${result.required ?? '?'} approvals; the request waits for more.`,
      );
    } else {
      const done = result.status === 'completed' ? 'answered' : result.status;
      console.log(
        `Request ${requestId} ${done} by ${by}. ` +
          `Run ${result.workflowId} goes on in a worker (flowgate serve).`,
      );
    }
    return ExitCode.ok;
  });
}
