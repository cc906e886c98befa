/**
 * The loop behind `flowgate run`: prints a run's progress as it happens, asks at its human nodes
 * when a prompt is given, and returns when the run has ended or can go no further without people.
 */
import type { Flowgate } from '../app/flowgate.js';
import type { HitlRequestView, WorkflowView } from '../app/views.js';
import { isTerminalRun } from '../app/views.js';
import type { Actor } from '../shared/actor.js';
import { decideOnTerminal } from './decide-on-terminal.js';
import { formatEvent } from './format-event.js';
import { isWaitingForPeople, RunTracker } from './run-tracker.js';
import { PromptClosedError, type TerminalPrompt } from './terminal-prompt.js';

export type FollowOutcome =
  | { readonly kind: 'finished'; readonly run: WorkflowView }
  | { readonly kind: 'waiting'; readonly run: WorkflowView; readonly requests: HitlRequestView[] }
  | { readonly kind: 'interrupted' };

export interface FollowOptions {
  readonly print: (line: string) => void;
  /** Aborted by Ctrl-C: the loop returns `interrupted` at its next step. */
  readonly signal: AbortSignal;
  /** Asks at human nodes; without one, requests are left to others. */
  readonly prompt?: TerminalPrompt;
  /** Who decides at the prompt. */
  readonly actor: Actor;
  /**
   * 100 ms: progress feels live, and two cheap indexed reads ten times a second cost the database
   * nothing.
   */
  readonly pollMs?: number;
}

export async function followRun(
  flowgate: Flowgate,
  workflowId: string,
  options: FollowOptions,
): Promise<FollowOutcome> {
  const { signal, print } = options;
  const tracker = new RunTracker(flowgate, workflowId);
  const asked = new Set<string>();
  let prompt = options.prompt;
  let stuckBefore = false;

  const printNewEvents = async (): Promise<number> => {
    const events = await tracker.newEvents();
    for (const { event, prefix } of events) {
      const line = formatEvent(event, prefix);
      if (line !== undefined) print(line);
    }
    return events.length;
  };

  for (;;) {
    if (signal.aborted) return { kind: 'interrupted' };
    // Events first, state second: whatever led to the state read below has been printed by then.
    const seen = await printNewEvents();
    const { root, runs } = await tracker.snapshot();
    if (isTerminalRun(root.status)) {
      await printNewEvents();
      return { kind: 'finished', run: root };
    }

    if (prompt && runs.some(hasWaitingHumanNode)) {
      const fresh = (await pendingRequests(flowgate, runs)).filter((r) => !asked.has(r.requestId));
      if (fresh.length > 0) {
        try {
          for (const request of fresh) {
            await printNewEvents();
            // Asked once: a vote that leaves a quorum open is not asked again of the same person.
            asked.add(request.requestId);
            await decideOnTerminal(flowgate, prompt, request, options.actor);
          }
        } catch (error) {
          if (!(error instanceof PromptClosedError)) throw error;
          if (signal.aborted) return { kind: 'interrupted' };
          // The question is still open on its line; end that line first.
          print('');
          print('The input ended: the remaining decisions are left to others.');
          prompt = undefined;
        }
        stuckBefore = false;
        continue;
      }
    }

    // Stuck twice in a row with nothing new in between: a node that was ready but not yet claimed,
    // seen in the instant between two commits, does not end the command early.
    const stuck = seen === 0 && isWaitingForPeople(root, runs);
    if (stuck && stuckBefore) {
      await printNewEvents();
      return { kind: 'waiting', run: root, requests: await pendingRequests(flowgate, runs) };
    }
    stuckBefore = stuck;
    await sleep(options.pollMs ?? 100, signal);
  }
}

function hasWaitingHumanNode(run: WorkflowView): boolean {
  return (run.nodes ?? []).some((node) => node.status === 'waiting_hitl');
}

async function pendingRequests(
  flowgate: Flowgate,
  runs: readonly WorkflowView[],
): Promise<HitlRequestView[]> {
  const requests: HitlRequestView[] = [];
  for (const run of runs) {
    if (isTerminalRun(run.status)) continue;
    requests.push(
      ...(await flowgate.listHitl({ workflowId: run.workflowId, status: 'pending' })).items,
    );
  }
  return requests;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
