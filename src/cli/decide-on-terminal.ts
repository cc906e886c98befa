/**
 * Asks a person at the terminal to decide a HITL request (approve, reject with a reason, pick one
 * of its options, or answer its form with JSON) and records the decision. An answer the request
 * refuses is asked again.
 */
import type { Flowgate } from '../app/flowgate.js';
import type { HitlRequestView } from '../app/views.js';
import type { Actor } from '../shared/actor.js';
import { errorCode, formatError } from './report-error.js';
import { readRequestSpec, type RequestSpec } from './request-spec.js';
import type { TerminalPrompt } from './terminal-prompt.js';

type Decision =
  | { readonly kind: 'approve' }
  | { readonly kind: 'reject'; readonly comment?: string }
  | { readonly kind: 'respond'; readonly value: unknown };

/** Codes after which asking again cannot help: someone else decided, or this person may not. */
const GIVE_UP_CODES = new Set(['HITL_NOT_PENDING', 'FORBIDDEN', 'CONFLICT']);

export async function decideOnTerminal(
  flowgate: Flowgate,
  prompt: TerminalPrompt,
  request: HitlRequestView,
  actor: Actor,
): Promise<void> {
  const spec = readRequestSpec(request.spec);
  // Listings leave the context out; a tool call's arguments are in it.
  const full = request.context === undefined ? await flowgate.getHitl(request.requestId) : request;
  prompt.say(describeRequest(full, spec));
  for (;;) {
    const decision = await askDecision(prompt, spec);
    try {
      const result = await flowgate.decide(request.requestId, actor, decision);
      if (result.status === 'pending') {
        prompt.say(
          `Vote recorded (${result.approvals ?? '?'} of ${result.required ?? '?'} approvals); ` +
            'waiting for the other approvers.',
        );
      }
      return;
    } catch (error) {
      const code = errorCode(error);
      if (code === 'VALIDATION_FAILED') {
        prompt.say(`${formatError(error)}\nPlease decide again.`);
        continue;
      }
      if (code !== undefined && GIVE_UP_CODES.has(code)) {
        prompt.say(formatError(error));
        return;
      }
      throw error;
    }
  }
}

function describeRequest(request: HitlRequestView, spec: RequestSpec): string {
  const lines = [
    '',
    `Request ${request.requestId} (node ${request.nodeId}) needs a decision:`,
    ...(request.message ?? '(no message)').split('\n').map((line) => `  ${line}`),
  ];
  const toolCall = (request.context as { toolCall?: ToolCallSummary } | null | undefined)?.toolCall;
  if (toolCall) {
    lines.push(
      `  The agent wants to run ${toolCall.toolName} with:`,
      ...JSON.stringify(toolCall.input ?? null, null, 2)
        .split('\n')
        .map((line) => `    ${line}`),
      ...(toolCall.reasoning ? ['  Its reasoning:', ...indent(toolCall.reasoning, '    ')] : []),
      '  (reject with a reason to tell the agent why; edit the arguments with `flowgate hitl approve --edits`)',
    );
  }
  if (spec.options.length > 0) {
    lines.push('  Choices:', ...spec.options.map((option, i) => `    ${i + 1}) ${option.label}`));
  }
  if (spec.form) lines.push(`  Answer format (JSON Schema): ${JSON.stringify(spec.form)}`);
  return lines.join('\n');
}

/** What a tool-call request's context says of the call (src/hitl/tool-approval.ts). */
interface ToolCallSummary {
  readonly toolName: string;
  readonly input?: unknown;
  readonly reasoning?: string | null;
}

function indent(text: string, by: string): string[] {
  return text.split('\n').map((line) => `${by}${line}`);
}

async function askDecision(prompt: TerminalPrompt, spec: RequestSpec): Promise<Decision> {
  const count = spec.options.length;
  const menu = [
    'approve (a)',
    'reject (r)',
    ...(count > 0 ? [`a choice (${count === 1 ? '1' : `1-${count}`})`] : []),
    ...(spec.form ? ['an answer (v)'] : []),
  ].join(', ');
  for (;;) {
    const answer = await prompt.ask(`Decide: ${menu}? `);
    const word = answer.toLowerCase();
    if (word === '') continue;
    if (['a', 'approve', 'y', 'yes'].includes(word)) return { kind: 'approve' };
    if (['r', 'reject', 'n', 'no'].includes(word)) {
      const reason = await prompt.ask('Reason for rejecting: ');
      return reason === '' ? { kind: 'reject' } : { kind: 'reject', comment: reason };
    }
    const choice = pickOption(spec, answer);
    if (choice !== undefined) return { kind: 'respond', value: choice };
    if (spec.form && ['v', 'value', 'answer', 'respond'].includes(word)) {
      const value = await askJson(prompt);
      if (value !== undefined) return { kind: 'respond', value };
      continue;
    }
    prompt.say(`Please answer with ${menu}.`);
  }
}

/** An option by its number, value or label. */
function pickOption(spec: RequestSpec, answer: string): string | undefined {
  if (/^\d+$/.test(answer)) return spec.options[Number(answer) - 1]?.value;
  const lower = answer.toLowerCase();
  return spec.options.find(
    (option) => option.value.toLowerCase() === lower || option.label.toLowerCase() === lower,
  )?.value;
}

/** A JSON value, asked until it parses; undefined (back to the menu) on an empty line. */
async function askJson(prompt: TerminalPrompt): Promise<unknown> {
  for (;;) {
    const text = await prompt.ask('Answer as JSON (empty to go back): ');
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      prompt.say(`That is not JSON (${error instanceof Error ? error.message : String(error)}).`);
    }
  }
}
