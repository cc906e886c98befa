import type { RegistryView } from '../definition/index.js';
import { FlowgateError } from '../shared/errors.js';
import { EMAIL_TOOL } from './notices.js';

/** What an agent or tool receives besides its input (API.md, "Plugins"). */
export interface StepContext {
  readonly workflowId: string;
  readonly nodeId: string;
  readonly dagId: string;
  /** 1 for the first run of the node, counting every claim (a retry, or a re-run after a worker died). */
  readonly attempt: number;
  /** Stable across attempts (workflow id + node id): pass it to side-effecting APIs so that a re-run is harmless. */
  readonly idempotencyKey: string;
  /** Aborted when the node times out, or its run is cancelled or fails. */
  readonly signal: AbortSignal;
  /** Outputs of the run's completed nodes, by node id. */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** The run's input. */
  readonly runInput: unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- plugin authors type their own inputs
export type StepFunction = (input: any, ctx: StepContext) => unknown;

export interface StepEntry {
  readonly description?: string;
  /** A JSON Schema or a zod schema of the input. */
  readonly inputSchema?: unknown;
  readonly run: StepFunction;
}

export type StepDefinition = StepFunction | StepEntry;

/** A plugin module's default export, and what library users pass to `createFlowgate`. */
export interface Plugin {
  readonly agents?: Readonly<Record<string, StepDefinition>>;
  readonly tools?: Readonly<Record<string, StepDefinition>>;
}

export interface RegisteredStep {
  readonly name: string;
  readonly kind: 'agent' | 'tool';
  readonly description?: string;
  readonly inputSchema?: unknown;
  readonly run: StepFunction;
}

const BUILT_IN_AGENTS: Record<string, StepDefinition> = {
  echo_agent: {
    description: 'Returns its input unchanged.',
    run: (input: unknown) => input,
  },
};

const BUILT_IN_TOOLS: Record<string, StepDefinition> = {
  // Registered so that DAGs naming it validate; the engine completes its nodes itself (src/engine/notices.ts).
  [EMAIL_TOOL]: {
    description:
      'Sends an email through the outbox: {to, cc?, bcc?, subject?, bodyText?, bodyHTML?, attachments?}.',
    run: () => {
      throw new FlowgateError('INTERNAL', 'Email nodes are sent by the engine, not run');
    },
  },
};

/** The agents and tools a process can run. */
export class Registry implements RegistryView {
  readonly #agents = new Map<string, RegisteredStep>();
  readonly #tools = new Map<string, RegisteredStep>();

  constructor(plugins: readonly Plugin[] = []) {
    this.register({ agents: BUILT_IN_AGENTS, tools: BUILT_IN_TOOLS });
    for (const plugin of plugins) this.register(plugin);
  }

  /** True when nothing but the built-ins is registered (a client whose workers run elsewhere). */
  get hasOnlyBuiltIns(): boolean {
    return (
      [...this.#tools.keys()].every((name) => name in BUILT_IN_TOOLS) &&
      [...this.#agents.keys()].every((name) => name in BUILT_IN_AGENTS)
    );
  }

  register(plugin: Plugin): void {
    for (const [kind, entries, target] of [
      ['agent', plugin.agents, this.#agents],
      ['tool', plugin.tools, this.#tools],
    ] as const) {
      for (const [name, definition] of Object.entries(entries ?? {})) {
        target.set(name, toStep(name, kind, definition));
      }
    }
  }

  agent(name: string): RegisteredStep | undefined {
    return this.#agents.get(name);
  }

  tool(name: string): RegisteredStep | undefined {
    return this.#tools.get(name);
  }

  hasAgent(name: string): boolean {
    return this.#agents.has(name);
  }

  hasTool(name: string): boolean {
    return this.#tools.has(name);
  }

  agentNames(): string[] {
    return [...this.#agents.keys()];
  }

  toolNames(): string[] {
    return [...this.#tools.keys()];
  }

  list(): RegisteredStep[] {
    return [...this.#agents.values(), ...this.#tools.values()];
  }
}

function toStep(name: string, kind: 'agent' | 'tool', definition: StepDefinition): RegisteredStep {
  if (typeof definition === 'function') return { name, kind, run: definition };
  if (definition && typeof definition === 'object' && typeof definition.run === 'function') {
    return {
      name,
      kind,
      run: definition.run,
      ...(definition.description !== undefined ? { description: definition.description } : {}),
      ...(definition.inputSchema !== undefined ? { inputSchema: definition.inputSchema } : {}),
    };
  }
  throw new FlowgateError(
    'CONFIG_INVALID',
    `The ${kind} "${name}" is neither a function nor {run}`,
  );
}
