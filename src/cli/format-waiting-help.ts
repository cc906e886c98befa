/**
 * What `flowgate run` prints when it leaves a run waiting for people: each pending request, and the
 * exact commands that decide it and then finish the run, ready to paste.
 */
import type { HitlRequestView } from '../app/views.js';
import { ENV } from './env.js';
import { redactDbUrl } from './redact-db-url.js';
import { readRequestSpec } from './request-spec.js';
import { shellQuote } from './shell-quote.js';

export interface WaitingHelpOptions {
  readonly workflowId: string;
  readonly db: string;
  readonly plugins: readonly string[];
}

/** The command that starts workers able to carry the run on: same database, same plugins. */
export function formatServeCommand(options: Omit<WaitingHelpOptions, 'workflowId'>): string {
  const plugins = options.plugins.map((file) => ` --plugin ${shellQuote(file)}`).join('');
  return `npx flowgate serve --db ${shellQuote(redactDbUrl(options.db))}${plugins}`;
}

export function formatWaitingHelp(
  requests: readonly HitlRequestView[],
  options: WaitingHelpOptions,
): string {
  const db = redactDbUrl(options.db);
  const dbFlag = `--db ${shellQuote(db)}`;
  if (requests.length === 0) {
    return `Run ${options.workflowId} is paused by a user; it goes on when someone resumes it.`;
  }
  const lines = [`Run ${options.workflowId} is waiting for people. Decide with:`];
  for (const request of requests) {
    const id = request.requestId;
    const spec = readRequestSpec(request.spec);
    const message = (request.message ?? '').replace(/\s*\n\s*/g, ' ');
    lines.push(
      `  request ${id} (node ${request.nodeId})${message === '' ? '' : `: ${message}`}`,
      `    npx flowgate hitl approve ${id} ${dbFlag}`,
      `    npx flowgate hitl reject ${id} --comment 'why' ${dbFlag}`,
    );
    if (spec.options.length > 0 || spec.form) {
      const example = spec.options[0] ? JSON.stringify(spec.options[0].value) : '<JSON>';
      lines.push(`    npx flowgate hitl respond ${id} --value ${shellQuote(example)} ${dbFlag}`);
    }
  }
  lines.push(`Then a worker finishes the run: keep \`${formatServeCommand(options)}\` running.`);
  if (db !== options.db)
    lines.push(`(Put the database password back into --db, or set ${ENV.db}.)`);
  return lines.join('\n');
}
