/**
 * The planner: asks a model for a DAG over the registered agents and tools, repairs what is mechanical, has the
 * definition layer judge the rest (every problem, with its path), and sends the problems back to the model for at
 * most `maxRepairs` more rounds. What it returns is a draft: valid, or the last attempt with its problems. Storing
 * it, and running it only once a person approves, is the application's part.
 */
import { NoObjectGeneratedError } from 'ai';

import { parseDag, type DagProblem, type RegistryView } from '../definition/index.js';
import { PLAN_OUTPUT_SCHEMA, readPlannerAnswer } from './plan-output.js';
import {
  problemsMessage,
  systemPrompt,
  type PlannerMessage,
  type StepDescription,
} from './prompt.js';
import { repairPlan } from './repair.js';

export interface PlanQuestion {
  readonly system: string;
  readonly messages: readonly PlannerMessage[];
  readonly output: Readonly<Record<string, unknown>>;
  readonly signal: AbortSignal;
}

/** One model call with structured output: its parsed object (when it parsed) and its text. */
export type AskModel = (question: PlanQuestion) => Promise<{ object?: unknown; text: string }>;

export interface PlannerDeps {
  readonly ask: AskModel;
  readonly registry: RegistryView;
  /** The agents and tools a plan may use, as the model is told of them. */
  readonly steps: () => readonly StepDescription[];
  readonly maxRepairs?: number;
}

export interface DraftRequest {
  readonly request: string;
  /** The conversation so far: earlier requests and the plans answered to them. */
  readonly history: readonly PlannerMessage[];
  /** The id the plan's DAG gets. */
  readonly dagId: string;
  readonly signal: AbortSignal;
}

export interface Draft {
  readonly document: Record<string, unknown>;
  readonly summary: string | undefined;
  /** Empty when the plan can run. */
  readonly problems: readonly DagProblem[];
  readonly fixes: readonly string[];
  /** Model calls made: 1, plus one per repair round. */
  readonly rounds: number;
}

export const DEFAULT_MAX_REPAIRS = 3;

export class Planner {
  readonly #deps: PlannerDeps;

  constructor(deps: PlannerDeps) {
    this.#deps = deps;
  }

  async draft(request: DraftRequest): Promise<Draft> {
    const { ask, registry } = this.#deps;
    const maxRepairs = this.#deps.maxRepairs ?? DEFAULT_MAX_REPAIRS;
    const system = systemPrompt(this.#deps.steps());
    const messages: PlannerMessage[] = [
      ...request.history,
      { role: 'user', content: request.request },
    ];
    let draft: Draft | undefined;
    for (let round = 1; round <= maxRepairs + 1; round++) {
      const answer = await askForPlan(ask, {
        system,
        messages,
        output: PLAN_OUTPUT_SCHEMA,
        signal: request.signal,
      });
      const { summary, document } = readPlannerAnswer(answer.object);
      const repaired = repairPlan(document, registry, request.dagId);
      const problems: readonly DagProblem[] = answer.unusable
        ? [{ code: 'invalid_document', path: '', message: answer.unusable }]
        : judge(repaired.document, registry);
      draft = {
        document: repaired.document,
        summary,
        problems,
        fixes: [...(draft?.fixes ?? []), ...repaired.fixes],
        rounds: round,
      };
      if (problems.length === 0) return draft;
      messages.push(
        {
          role: 'assistant',
          content: answer.object !== undefined ? JSON.stringify(answer.object) : answer.text,
        },
        { role: 'user', content: problemsMessage(problems) },
      );
    }
    return draft!;
  }
}

/** The problems that keep a plan from running: the definition layer's, with the registry's agents and tools. */
export function judge(document: unknown, registry: RegistryView): readonly DagProblem[] {
  const parsed = parseDag(document, { registry });
  return parsed.ok ? [] : parsed.problems;
}

/** The model's answer that missed the output schema, when that is what `error` is (or wraps). */
export function unusableAnswer(error: unknown): NoObjectGeneratedError | undefined {
  if (NoObjectGeneratedError.isInstance(error)) return error;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return NoObjectGeneratedError.isInstance(cause) ? cause : undefined;
}

async function askForPlan(
  ask: AskModel,
  question: PlanQuestion,
): Promise<{ object?: unknown; text: string; unusable?: string }> {
  try {
    return await ask(question);
  } catch (error) {
    // An answer that is not the JSON asked for is a problem to send back, like any other.
    const invalid = unusableAnswer(error);
    if (invalid) {
      return {
        text: invalid.text ?? '',
        unusable: `the answer is not a plan in the JSON shape asked for (${invalid.message})`,
      };
    }
    throw error;
  }
}
