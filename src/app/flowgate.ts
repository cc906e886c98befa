/**
 * The composition root and the library's entry point: opens the store, registers agents and tools, and exposes the
 * operations every shell (library, HTTP, CLI) uses. A Flowgate made with `workers: false` is a client only: it
 * starts runs and decides requests, and workers elsewhere (another process, another machine) do the work.
 */
import { createHash, randomUUID } from 'node:crypto';

import { parseDag, type DagDefinition, type DagProblem } from '../definition/index.js';
import { Changes, type FinishedRun } from '../engine/changes.js';
import { DagCache } from '../engine/dag-cache.js';
import {
  cancelRequest,
  decideRequest,
  type DecisionInput,
  type DecisionResult,
} from '../engine/decisions.js';
import { Registry, type Plugin } from '../engine/registry.js';
import { Compensator } from '../engine/compensator.js';
import {
  cancelRun,
  clearRetryCounters,
  pauseRun,
  resumeRun,
  retryRun,
  updateRunContext,
} from '../engine/run-control.js';
import { isTerminalRun } from '../engine/statuses.js';
import { createRuns, settleRuns, type EngineEnv } from '../engine/transitions.js';
import { Worker, type Claimed, type WorkerOptions } from '../engine/worker.js';
import { OutboundGuard } from '../notify/outbound-guard.js';
import { OutboxNotices } from '../notify/outbox-notices.js';
import { OutboxSender } from '../notify/outbox-sender.js';
import { createSmtpMailer } from '../notify/mailer.js';
import { ScheduleLoop } from '../schedules/schedule-loop.js';
import { RetentionLoop } from '../retention/retention-loop.js';
import { readDagCutoffs, type RetentionPass } from '../retention/run-retention-pass.js';
import { openStore } from '../store/open-store.js';
import type { Dialect, Store, Tx } from '../store/port.js';
import {
  deleteFinishedRuns,
  type RetentionCounts,
  type RetentionOptions,
} from '../store/repositories/retention.js';

export type { RetentionCounts, RetentionOptions, RetentionPass };
import {
  archiveDag,
  findDagOfRequest,
  getDag,
  getDagVersion,
  insertDagVersion,
  listDags,
  type DagRecord,
} from '../store/repositories/dags.js';
import { listEvents } from '../store/repositories/events.js';
import {
  getHitlRequest,
  listDecidedHitlRequests,
  listHitlDecisions,
  listHitlRequests,
  listPendingHitlRequests,
} from '../store/repositories/hitl-requests.js';
import { loadNodes } from '../store/repositories/workflow-nodes.js';
import {
  countWorkflowsByStatus,
  getWorkflow,
  listWorkflows,
} from '../store/repositories/workflows.js';
import { findUser } from '../store/repositories/users.js';
import type { Actor } from '../shared/actor.js';
import { systemClock, toIso, type Clock } from '../shared/clock.js';
import { FlowgateError } from '../shared/errors.js';
import { aiNodeRunner, modelGateway, resolveAi, type AiOptions, type AiSetup } from './ai-setup.js';
import type { ModelGateway } from '../ai/gateway.js';
import { Plans, PLANNER_MODEL_ENV, resolvePlannerModel, type PlannerModel } from './plans.js';
import { getAiUsage, listRunAiCalls, type AiUsage, type AiUsageQuery } from './ai-usage.js';
import { EventFeed } from './event-feed.js';
import {
  Rollbacks,
  type CompensationView,
  type RollbackTarget,
  type SnapshotView,
  type StartedRollback,
} from './rollbacks.js';
import { DecisionLinks } from './decision-links.js';
import { deliveryDefaults, mailSetup, type MailOptions } from './mail-setup.js';
import { Schedules } from './schedules.js';
import { Triggers } from './triggers.js';
import { Webhooks } from './webhooks.js';
import { ChatDestinations } from './chat-destinations.js';
import { ChatUrlKeys, serverSecretFromEnv } from './chat-url-keys.js';
import {
  getAgentMetrics,
  getRunTimeline,
  getExecutionMetrics,
  getGaugeCounts,
  getHitlMetrics,
  type AgentMetrics,
  type ExecutionMetrics,
  type GaugeCounts,
  type HitlMetrics,
  type MetricsScope,
  type RunDay,
} from './metrics.js';
import { getNotificationMetrics, type NotificationMetrics } from './notification-metrics.js';
import {
  decodeCursor,
  encodeCursor,
  eventView,
  hitlView,
  workflowView,
  type EventView,
  type HitlRequestView,
  type WorkflowView,
} from './views.js';

export interface FlowgateOptions {
  /** `sqlite:PATH` (default `sqlite:data/flowgate.db`) or `postgres://…`. */
  readonly db?: string;
  readonly plugins?: readonly Plugin[];
  /** Agents and tools registered directly (the same shapes as a plugin's). */
  readonly agents?: Plugin['agents'];
  readonly tools?: Plugin['tools'];
  /** Worker settings, or `false` for a client that runs nothing itself. */
  readonly workers?: WorkerOptions | false;
  /** Apply pending migrations on open (default true). */
  readonly migrate?: boolean;
  readonly clock?: Clock;
  /** Called with errors the worker loop survived (a lost database connection, say). */
  readonly onError?: (error: unknown) => void;
  /**
   * The scheduler loop, which runs where workers run: how long it sleeps at most without reading the database
   * (default 5 s), or `false` for none (tests that fire schedules by hand with `schedules.fireDue()`).
   */
  readonly scheduler?: { readonly pollMs?: number } | false;
  /**
   * The retention pass, which runs where workers run (hourly, and a minute after start): deletes finished runs
   * older than their DAG's `settings.retention`, else `defaultMs`, and delivered or failed outbox messages older
   * than `defaultMs`. Without `defaultMs` only DAGs with their own retention lose runs; `false` for no pass.
   */
  readonly retention?:
    | {
        readonly defaultMs?: number;
        readonly intervalMs?: number;
        readonly firstDelayMs?: number;
        readonly batchSize?: number;
        readonly onPass?: (pass: RetentionPass) => void;
      }
    | false;
  /**
   * Email (approvers' mails with decision links, seed 002's copies, email nodes), sent through the outbox. Without
   * `smtpUrl` nothing is mailed.
   */
  readonly mail?: MailOptions;
  /** What user-supplied outbound URLs (webhooks) may reach beyond public https addresses. */
  readonly outbound?: OutboundOptions;
  /** Chat (Slack, Teams): where request pages are (default `mail.publicUrl`) and Slack's signing secret. */
  readonly chat?: ChatOptions;
  /** AI nodes: providers, price overrides, retries. Default: the providers' environment variables (README, "AI nodes"). */
  readonly ai?: AiOptions;
  /** The planner: its model as `provider:model` (default FLOWGATE_PLANNER_MODEL) and its repair rounds (3). */
  readonly planner?: PlannerOptions;
}

export interface PlannerOptions {
  readonly model?: string;
  readonly maxRepairs?: number;
}

export interface ChatOptions {
  /** FLOWGATE_PUBLIC_URL: chat messages link to `<publicUrl>/requests/<id>`; without it none is sent. */
  readonly publicUrl?: string;
  /** FLOWGATE_SLACK_SIGNING_SECRET: verifies `POST /api/integrations/slack/actions`. */
  readonly slackSigningSecret?: string;
  /**
   * The server's secret (FLOWGATE_JWT_SECRET, read from the environment when not given): destination URLs are
   * encrypted with a key derived from it. Without one, a random key kept in the database is used.
   */
  readonly secret?: string;
}

/** An operator's exceptions to the SSRF guard (FLOWGATE_OUTBOUND_ALLOWED_HOSTS, _CIDRS, FLOWGATE_ALLOW_HTTP_WEBHOOKS). */
export interface OutboundOptions {
  readonly allowedHosts?: readonly string[];
  readonly allowedCidrs?: readonly string[];
  readonly allowHttp?: boolean;
  /** How long one webhook attempt may take (default 15 s). */
  readonly timeoutMs?: number;
}

/** Someone acting: an Actor, or a username for library use. */
export type ActorLike = Actor | string;

export interface StartOptions {
  readonly input?: unknown;
  /** A version of a stored DAG; the latest when omitted. */
  readonly version?: number;
  readonly startedBy?: ActorLike;
}

/** A unit of work applied inside a transaction, waiting for its commit. */
interface Applied<T> {
  readonly result: T;
  readonly changes: Changes;
  readonly leased: readonly Claimed[];
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export interface StoredDag {
  readonly dagId: string;
  readonly version: number;
  /** False when the document equals the latest version, which is kept. */
  readonly created: boolean;
}

export class Flowgate {
  readonly store: Store;
  readonly registry: Registry;
  readonly #env: EngineEnv;
  readonly #worker: Worker | undefined;
  readonly #compensator: Compensator | undefined;
  readonly #rollbacks: Rollbacks;
  readonly #scheduler: ScheduleLoop | undefined;
  readonly #retention: RetentionLoop | undefined;
  /** The DAGs' cron schedules. */
  readonly schedules: Schedules;
  /** The DAGs' inbound triggers (`POST /hooks/:triggerId`). */
  readonly triggers: Triggers;
  /** Decision links in mail (`/a/:token`): the confirmation page and the decision. */
  readonly links: DecisionLinks;
  readonly #outbox: OutboxSender | undefined;
  /** One guard for every outbound URL: checked when saved, and again at each connection. */
  readonly outboundGuard: OutboundGuard;
  /** Outbound webhook subscriptions (admins'). */
  readonly webhooks: Webhooks;
  /** Chat destinations (admins') and Slack's interactive buttons. */
  readonly chat: ChatDestinations;
  /** The planner's plans: drafted from a request, approved by a person, then run. */
  readonly plans: Plans;
  readonly #runWaiters = new Map<string, Set<() => void>>();
  #closed = false;
  #retentionFallback: RetentionLoop | undefined;
  #events: EventFeed | undefined;

  /** @internal Use `createFlowgate`. */
  constructor(
    store: Store,
    registry: Registry,
    options: FlowgateOptions,
    ai?: AiSetup,
    plannerModel?: PlannerModel,
  ) {
    this.store = store;
    this.registry = registry;
    this.#env = {
      store,
      clock: options.clock ?? systemClock,
      dags: new DagCache(),
      random: Math.random,
      newId: randomUUID,
    };
    this.outboundGuard = new OutboundGuard({
      allowedHosts: options.outbound?.allowedHosts ?? [],
      allowedCidrs: options.outbound?.allowedCidrs ?? [],
      allowHttp: options.outbound?.allowHttp ?? false,
    });
    this.webhooks = new Webhooks({
      store,
      clock: this.#env.clock,
      guard: this.outboundGuard,
      enqueued: () => this.#outbox?.wake(),
    });
    this.chat = new ChatDestinations({
      store,
      clock: this.#env.clock,
      guard: this.outboundGuard,
      urlKeys: new ChatUrlKeys({
        store,
        clock: this.#env.clock,
        secret: options.chat?.secret ?? serverSecretFromEnv(),
      }),
      slackSigningSecret: options.chat?.slackSigningSecret,
      enqueued: () => this.#outbox?.wake(),
    });
    const mail = mailSetup(options.mail);
    // Always there: webhooks need no mail, and without mail a request raises no mail and an email node fails.
    const notices = new OutboxNotices({
      newId: randomUUID,
      attachments: mail?.settings.attachments,
      maxAttempts: mail?.maxAttempts ?? 8,
      // The rows are not committed yet: the sender looks right after, and a little longer if it finds none.
      enqueued: () => setImmediate(() => this.#outbox?.wake()),
    });
    this.#env = { ...this.#env, notices };
    let gateway: Promise<ModelGateway> | undefined;
    let aiSetup: Promise<AiSetup> | undefined;
    // A client process (workers: false) resolves the providers and prices only when it first plans.
    const planningAi = () =>
      (aiSetup ??= ai ? Promise.resolve(ai) : resolveAi(options.ai, process.env));
    this.plans = new Plans({
      store,
      registry,
      clock: this.#env.clock,
      model: plannerModel,
      ...(options.planner?.maxRepairs !== undefined
        ? { maxRepairs: options.planner.maxRepairs }
        : {}),
      gateway: () =>
        (gateway ??= planningAi().then((setup) => modelGateway(setup, this.#env.clock))),
      prices: () => planningAi().then((setup) => setup.prices),
      announce: (tx, type, data, now) => notices.planEvent(tx, type, data, now),
      run: async (document, actor, input) => {
        const stored = await this.putDag(document, { createdBy: actor });
        const { workflowId } = await this.start(stored.dagId, {
          version: stored.version,
          input,
          startedBy: actor,
        });
        return { dagId: stored.dagId, dagVersion: stored.version, workflowId };
      },
    });
    if (ai && options.workers !== false) {
      this.#env = {
        ...this.#env,
        promptAgents: aiNodeRunner(ai, {
          store,
          registry,
          clock: this.#env.clock,
          newId: randomUUID,
        }),
      };
    }
    if (options.workers !== false) {
      this.#outbox = new OutboxSender(
        {
          store,
          clock: this.#env.clock,
          random: Math.random,
          mailer: mail ? createSmtpMailer(mail.smtpUrl) : undefined,
          settings: mail?.settings,
          guard: this.outboundGuard,
          webhookTimeoutMs: options.outbound?.timeoutMs ?? 15_000,
          chatPublicUrl: chatPublicUrl(options),
          openChatUrl: (destination) => this.chat.openUrl(destination),
          onError: options.onError ?? (() => undefined),
        },
        {
          senderId: `outbox:${randomUUID()}`,
          ...(mail?.delivery ?? deliveryDefaults(options.mail)),
        },
      );
      this.#outbox.start();
    }
    if (options.workers !== false) {
      this.#worker = new Worker(
        this.#env,
        registry,
        {
          onRunsChanged: (workflowIds) => this.#announce(workflowIds),
          onError: options.onError ?? (() => undefined),
        },
        options.workers ?? {},
      );
      this.#worker.start();
      const workers = options.workers ?? {};
      this.#compensator = new Compensator(
        this.#env,
        registry,
        {
          onRunsChanged: (workflowIds) => this.#announce(workflowIds),
          onError: options.onError ?? (() => undefined),
          onWorkReady: () => this.#worker?.notify(),
        },
        {
          workerId: this.#worker.id,
          leaseMs: workers.leaseMs ?? 20_000,
          pollMs: workers.pollMs ?? 1_000,
          ...(workers.shutdownGraceMs !== undefined
            ? { shutdownGraceMs: workers.shutdownGraceMs }
            : {}),
        },
      );
      this.#compensator.start();
    }
    this.#rollbacks = new Rollbacks({
      env: this.#env,
      transact: (work) => this.#transact(work).then((done) => done.result),
      started: () => this.#compensator?.notify(),
    });
    const starter = {
      engine: this.#env,
      transact: <T>(work: (tx: Tx, changes: Changes) => Promise<T>) =>
        this.#transact(work).then((done) => done.result),
    };
    if (options.workers !== false && options.scheduler !== false) {
      this.#scheduler = new ScheduleLoop(starter, {
        ...(options.scheduler?.pollMs !== undefined ? { pollMs: options.scheduler.pollMs } : {}),
        onError: options.onError ?? (() => undefined),
      });
      this.#scheduler.start();
    }
    if (options.workers !== false && options.retention !== false) {
      const { onPass, ...retention } = options.retention ?? {};
      this.#retention = new RetentionLoop(
        { store, clock: this.#env.clock },
        {
          ...retention,
          random: Math.random,
          ...(onPass ? { onPass } : {}),
          onError: options.onError ?? (() => undefined),
        },
      );
      this.#retention.start();
    }
    this.schedules = new Schedules(starter, () => this.#scheduler?.wake());
    this.triggers = new Triggers(starter);
    this.links = new DecisionLinks({
      env: this.#env,
      transact: starter.transact,
      ...(mail ? { publicUrl: mail.settings.publicUrl } : {}),
    });
  }

  /** Validates a DAG document (any accepted format) and stores it as a new immutable version. */
  async putDag(document: unknown, options: { createdBy?: ActorLike } = {}): Promise<StoredDag> {
    const dag = this.validateDag(document);
    const definition = JSON.stringify(dag);
    const createdBy = options.createdBy === undefined ? null : this.#actorId(options.createdBy);
    const stored = await this.store.transaction((tx) =>
      insertDagVersion(tx, {
        dagId: dag.dagId,
        name: dag.name ?? null,
        description: dag.description ?? null,
        format: dag.format,
        definition,
        source: JSON.stringify(document),
        checksum: createHash('sha256').update(definition).digest('hex'),
        permissions: dag.permissions ? JSON.stringify(dag.permissions) : null,
        createdBy,
        now: toIso(this.#env.clock.now()),
      }),
    );
    this.#env.dags.remember(dag, stored.version);
    return { dagId: dag.dagId, ...stored };
  }

  /**
   * The normalized definition, or DAG_INVALID listing every problem. Agent and tool names are checked against this
   * process's registry, unless it is a client that registers nothing (its workers run elsewhere).
   */
  validateDag(document: unknown): DagDefinition {
    const isBareClient = this.#worker === undefined && this.registry.hasOnlyBuiltIns;
    const parsed = parseDag(document, isBareClient ? {} : { registry: this.registry });
    if (!parsed.ok) throw dagInvalid(parsed.problems);
    return parsed.dag;
  }

  async getDag(
    dagId: string,
    version?: number,
  ): Promise<{ record: DagRecord; version: number; definition: DagDefinition; source: unknown }> {
    return this.store.read(async (db) => {
      const record = await getDag(db, dagId);
      const row = record && (await getDagVersion(db, dagId, version));
      if (!record || !row) throw new FlowgateError('NOT_FOUND', `DAG ${dagId} does not exist`);
      return {
        record,
        version: row.version,
        definition: JSON.parse(row.definition) as DagDefinition,
        source: row.source === null ? null : (JSON.parse(row.source) as unknown),
      };
    });
  }

  listDags(options: { includeArchived?: boolean } = {}): Promise<DagRecord[]> {
    return this.store.read((db) => listDags(db, options));
  }

  /**
   * A page of the DAGs, by id, that pass `where` (whom a caller may see, say). Ids are read in batches until the page
   * is full, so a caller who may see few DAGs among many still gets full pages and an honest `nextCursor`.
   */
  async pageDags(
    options: { limit?: number; cursor?: string; where?: (dag: DagRecord) => boolean } = {},
  ): Promise<Page<DagRecord>> {
    const limit = clampLimit(options.limit);
    const where = options.where ?? (() => true);
    let after = options.cursor === undefined ? undefined : cursorParts(options.cursor, 1)[0];
    const items: DagRecord[] = [];
    for (;;) {
      const batch = await this.store.read((db) =>
        listDags(db, { limit: DAG_BATCH, ...(after === undefined ? {} : { afterDagId: after }) }),
      );
      for (const dag of batch) {
        if (!where(dag)) continue;
        if (items.length === limit) {
          return { items, nextCursor: encodeCursor([items[limit - 1]!.dagId]) };
        }
        items.push(dag);
      }
      if (batch.length < DAG_BATCH) return { items, nextCursor: null };
      after = batch[batch.length - 1]!.dagId;
    }
  }

  /** The DAG of a HITL request's run, or undefined when there is no such request. */
  findDagOfRequest(requestId: string): Promise<DagRecord | undefined> {
    return this.store.read((db) => findDagOfRequest(db, requestId));
  }

  /** The DAG's record (archived or not), or undefined when there is no such DAG. */
  findDag(dagId: string): Promise<DagRecord | undefined> {
    return this.store.read((db) => getDag(db, dagId));
  }

  /** Archives a DAG: it leaves `listDags`; its runs stay. NOT_FOUND when it does not exist or is archived. */
  async archiveDag(dagId: string): Promise<void> {
    const now = toIso(this.#env.clock.now());
    const archived = await this.store.transaction((tx) => archiveDag(tx, dagId, now));
    if (!archived) throw new FlowgateError('NOT_FOUND', `DAG ${dagId} does not exist`);
  }

  /**
   * Starts a run of a stored DAG (by id) or of a document given inline (stored first, as a new version when it
   * changed). The run is pinned to that version: editing the DAG later never changes it.
   */
  async start(
    dag: string | object,
    options: StartOptions = {},
  ): Promise<{ workflowId: string; status: string }> {
    const [started] = await this.startMany(dag, [options.input ?? null], options);
    return started!;
  }

  /** Starts one run per input in a single transaction. */
  async startMany(
    dag: string | object,
    inputs: readonly unknown[],
    options: Omit<StartOptions, 'input'> = {},
  ): Promise<{ workflowId: string; status: string }[]> {
    const ref =
      typeof dag === 'string'
        ? { dagId: dag, version: options.version }
        : await this.putDag(
            dag,
            options.startedBy === undefined ? {} : { createdBy: options.startedBy },
          );
    const createdBy = options.startedBy === undefined ? null : this.#actorId(options.startedBy);
    const { result: runs, finished } = await this.#transact(async (tx, changes) => {
      const version = ref.version ?? (await this.#env.dags.latestVersion(tx, ref.dagId));
      const definition = await this.#env.dags.get(tx, ref.dagId, version);
      const { runs, nodes } = await createRuns(
        tx,
        this.#env,
        changes,
        inputs.map((input) => ({ dag: definition, version, input, createdBy })),
      );
      await settleRuns(tx, this.#env, changes, runs, nodes);
      return runs;
    });
    // A table that grew from a few rows to thousands at once keeps its old statistics until autovacuum comes by;
    // until then the planner scans and sorts where an index would do (the pending list went from 0.1 to 7 ms).
    if (inputs.length >= BULK_START) await this.store.refreshStatistics();
    const finishedById = new Map(finished.map((f) => [f.workflowId, f.status]));
    return runs.map((run) => ({
      workflowId: run.workflowId,
      status: finishedById.get(run.workflowId) ?? run.status,
    }));
  }

  /** A run with its nodes. */
  async getWorkflow(workflowId: string): Promise<WorkflowView> {
    return this.store.read(async (db) => {
      const run = await getWorkflow(db, workflowId);
      if (!run) throw new FlowgateError('NOT_FOUND', `Workflow ${workflowId} does not exist`);
      return workflowView(run, await loadNodes(db, [workflowId]));
    });
  }

  /** Runs, newest first. */
  async listWorkflows(
    filter: {
      status?: string;
      dagId?: string;
      /** The DAG version the runs used (with `dagId`). */
      version?: number;
      /** ISO timestamps: runs started at or after `since`, before `until`. */
      since?: string;
      until?: string;
      /** Only runs paused on a request for a person (or, false, only the others). */
      waiting?: boolean;
      /** Only runs of these DAGs (the ones a caller may see, say). */
      dagIds?: readonly string[];
      limit?: number;
      cursor?: string;
    } = {},
  ): Promise<Page<WorkflowView>> {
    if (filter.version !== undefined && !filter.dagId) {
      throw new FlowgateError('BAD_REQUEST', 'version goes with dagId');
    }
    const limit = clampLimit(filter.limit);
    const after = filter.cursor === undefined ? undefined : cursorPair(filter.cursor);
    const rows = await this.store.read((db) =>
      listWorkflows(db, {
        limit: limit + 1,
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.dagId ? { dagId: filter.dagId } : {}),
        ...(filter.version !== undefined ? { version: filter.version } : {}),
        ...(filter.since ? { since: toIso(Date.parse(filter.since)) } : {}),
        ...(filter.until ? { until: toIso(Date.parse(filter.until)) } : {}),
        ...(filter.waiting !== undefined ? { waitingOnPeople: filter.waiting } : {}),
        ...(filter.dagIds ? { dagIds: filter.dagIds } : {}),
        ...(after ? { after: { createdAt: after[0], workflowId: after[1] } } : {}),
      }),
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((run) => workflowView(run)),
      nextCursor:
        rows.length > limit && last ? encodeCursor([last.createdAt, last.workflowId]) : null,
    };
  }

  /** How many runs there are in each status (`{running: 3, paused: 1, ...}`). */
  countWorkflows(): Promise<Record<string, number>> {
    return this.store.read((db) => countWorkflowsByStatus(db));
  }

  /** A run's audit trail, oldest first. */
  async listEvents(
    workflowId: string,
    options: { afterId?: number; limit?: number } = {},
  ): Promise<EventView[]> {
    const events = await this.store.read((db) => listEvents(db, workflowId, options));
    return events.map(eventView);
  }

  /**
   * HITL requests, oldest first (by default the pending ones; `status: 'all'` for every status). `status: 'decided'`
   * lists every closed request newest decision first, optionally only those `respondedBy` closed.
   */
  async listHitl(
    filter: {
      status?: string;
      workflowId?: string;
      /** Only requests of runs of these DAGs. */
      dagIds?: readonly string[];
      /** With `status: 'decided'`: who closed them (a username). */
      respondedBy?: string;
      limit?: number;
      cursor?: string;
    } = {},
  ): Promise<Page<HitlRequestView>> {
    const limit = clampLimit(filter.limit);
    const after = filter.cursor === undefined ? undefined : cursorPair(filter.cursor);
    if (filter.status === 'decided') {
      const decided = await this.store.read((db) =>
        listDecidedHitlRequests(db, {
          limit: limit + 1,
          ...(filter.respondedBy !== undefined ? { respondedBy: filter.respondedBy } : {}),
          ...(filter.workflowId ? { workflowId: filter.workflowId } : {}),
          ...(filter.dagIds ? { dagIds: filter.dagIds } : {}),
          ...(after ? { after: { respondedAt: after[0], requestId: after[1] } } : {}),
        }),
      );
      const page = decided.slice(0, limit);
      const end = page[page.length - 1];
      return {
        items: page.map((request) => hitlView(request)),
        nextCursor:
          decided.length > limit && end?.respondedAt
            ? encodeCursor([end.respondedAt, end.requestId])
            : null,
      };
    }
    if (filter.respondedBy !== undefined) {
      throw new FlowgateError('BAD_REQUEST', 'respondedBy goes with status=decided');
    }
    const rows = await this.store.read((db) =>
      listHitlRequests(db, {
        limit: limit + 1,
        ...(filter.status === 'all' ? {} : { status: filter.status ?? 'pending' }),
        ...(filter.workflowId ? { workflowId: filter.workflowId } : {}),
        ...(filter.dagIds ? { dagIds: filter.dagIds } : {}),
        ...(after ? { after: { createdAt: after[0], requestId: after[1] } } : {}),
      }),
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((request) => hitlView(request)),
      nextCursor:
        rows.length > limit && last ? encodeCursor([last.createdAt, last.requestId]) : null,
    };
  }

  /** One request with its context (what earlier nodes produced) and the votes so far. */
  async getHitl(requestId: string): Promise<HitlRequestView> {
    return this.store.read(async (db) => {
      const request = await getHitlRequest(db, requestId);
      if (!request)
        throw new FlowgateError('NOT_FOUND', `HITL request ${requestId} does not exist`);
      return hitlView(request, {
        withContext: true,
        votes: await listHitlDecisions(db, requestId),
      });
    });
  }

  approve(
    requestId: string,
    by: ActorLike,
    options: { comment?: string; edits?: Record<string, unknown> } = {},
  ): Promise<DecisionResult> {
    return this.decide(requestId, by, { kind: 'approve', ...options });
  }

  reject(
    requestId: string,
    by: ActorLike,
    options: { comment?: string } = {},
  ): Promise<DecisionResult> {
    return this.decide(requestId, by, { kind: 'reject', ...options });
  }

  respond(requestId: string, by: ActorLike, value: unknown, options: { comment?: string } = {}) {
    return this.decide(requestId, by, { kind: 'respond', value, ...options });
  }

  /** Approve, reject or respond: 409 HITL_NOT_PENDING when someone decided first, 403 when `by` may not. */
  async decide(requestId: string, by: ActorLike, input: DecisionInput): Promise<DecisionResult> {
    const actor = await this.resolveActor(by);
    // On SQLite, concurrent decisions share a commit (the store groups its write transactions).
    const { result } = await this.#transact((tx, changes) =>
      decideRequest(tx, this.#env, changes, requestId, actor, input),
    );
    return result;
  }

  async cancelHitl(requestId: string, by: ActorLike, reason?: string): Promise<void> {
    const actor = await this.resolveActor(by);
    await this.#transact((tx, changes) =>
      cancelRequest(tx, this.#env, changes, requestId, actor, reason),
    );
  }

  /** Cancels every pending request of a run; returns how many. */
  async cancelRunHitl(workflowId: string, by: ActorLike, reason?: string): Promise<number> {
    const actor = await this.resolveActor(by);
    const { result } = await this.#transact(async (tx, changes) => {
      const pending = await listPendingHitlRequests(tx, workflowId);
      for (const request of pending) {
        // Cancelling the first fails its node and so the run, which cancels the others with it.
        const current = await getHitlRequest(tx, request.requestId);
        if (current?.status !== 'pending') continue;
        await cancelRequest(tx, this.#env, changes, request.requestId, actor, reason);
      }
      return pending.length;
    });
    return result;
  }

  async pause(workflowId: string, by: ActorLike): Promise<WorkflowView> {
    const actor = await this.resolveActor(by);
    await this.#transact((tx, changes) => pauseRun(tx, this.#env, changes, workflowId, actor));
    return this.getWorkflow(workflowId);
  }

  async resume(workflowId: string, by: ActorLike): Promise<WorkflowView> {
    const actor = await this.resolveActor(by);
    await this.#transact((tx, changes) => resumeRun(tx, this.#env, changes, workflowId, actor));
    return this.getWorkflow(workflowId);
  }

  async cancel(workflowId: string, by: ActorLike): Promise<WorkflowView> {
    const actor = await this.resolveActor(by);
    await this.#transact((tx, changes) => cancelRun(tx, this.#env, changes, workflowId, actor));
    return this.getWorkflow(workflowId);
  }

  async retry(workflowId: string, by: ActorLike): Promise<WorkflowView> {
    const actor = await this.resolveActor(by);
    await this.#transact((tx, changes) => retryRun(tx, this.#env, changes, workflowId, actor));
    return this.getWorkflow(workflowId);
  }

  /** The run's snapshots (the last 50), newest first, each with the full state after its node completed. */
  listSnapshots(workflowId: string): Promise<SnapshotView[]> {
    return this.#rollbacks.listSnapshots(workflowId);
  }

  /**
   * Rolls a run back to a snapshot (`{snapshotId}`, `{stepIndex}` or `{latest: true}`): the compensations of the nodes
   * completed after it run in reverse order of completion, then the run resumes from it. Resolves once the rollback
   * is committed; the compensations run in a worker (events `compensation_*`, then `rollback_completed`).
   *
   * @example
   * ```ts
   * const [, previous] = await flowgate.listSnapshots(workflowId);
   * await flowgate.rollback(workflowId, { snapshotId: previous!.snapshotId }, 'alice');
   * ```
   */
  async rollback(
    workflowId: string,
    target: RollbackTarget,
    by: ActorLike,
  ): Promise<StartedRollback> {
    return this.#rollbacks.rollback(workflowId, target, await this.resolveActor(by));
  }

  /** The compensations the run's rollback runs, or a rollback to its oldest snapshot would run. */
  listCompensations(workflowId: string): Promise<CompensationView[]> {
    return this.#rollbacks.listCompensations(workflowId);
  }

  /** Merges variables into the run's context, which templates read as `context.*` (seed 003's `updateContext`). */
  async updateContext(
    workflowId: string,
    data: Readonly<Record<string, unknown>>,
    by: ActorLike,
  ): Promise<WorkflowView> {
    const actor = await this.resolveActor(by);
    await this.#transact((tx, changes) =>
      updateRunContext(tx, this.#env, changes, workflowId, data, actor),
    );
    return this.getWorkflow(workflowId);
  }

  /** Gives every node of the run its full retry budget again (seed 003's `clearRetryCounters`). */
  async clearRetryCounters(workflowId: string, by: ActorLike): Promise<WorkflowView> {
    const actor = await this.resolveActor(by);
    await this.#transact((tx, changes) =>
      clearRetryCounters(tx, this.#env, changes, workflowId, actor),
    );
    return this.getWorkflow(workflowId);
  }

  /**
   * Resolves when the run has ended (or, with `until`, reached one of those statuses). Wakes on this process's own
   * commits at once and checks for other processes' every `pollMs`.
   */
  async waitFor(
    workflowId: string,
    options: { timeoutMs?: number; until?: readonly string[]; pollMs?: number } = {},
  ): Promise<WorkflowView> {
    const reached = (status: string) =>
      options.until ? options.until.includes(status) : isTerminalRun(status);
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      // Listen before reading, so that a change committed while the read runs is not missed.
      const change = this.#waitForChange(
        workflowId,
        Math.max(0, Math.min(deadline - Date.now(), options.pollMs ?? 200)),
      );
      const run = await this.getWorkflow(workflowId).catch((error: unknown) => {
        change.cancel();
        throw error;
      });
      if (reached(run.status)) {
        change.cancel();
        return run;
      }
      if (deadline - Date.now() <= 0) {
        change.cancel();
        throw new FlowgateError('WAIT_TIMEOUT', `Workflow ${workflowId} is still ${run.status}`, {
          details: { status: run.status },
        });
      }
      await change.changed;
    }
  }

  /** The clock this Flowgate reads (the system's, or one a test injected). */
  get clock(): Clock {
    return this.#env.clock;
  }

  /** Which database this Flowgate runs on. */
  get dialect(): Dialect {
    return this.store.dialect;
  }

  /** Writes a consistent copy of the database to `file` (SQLite's online backup; PostgreSQL refuses, naming pg_dump). */
  backup(file: string): Promise<void> {
    return this.store.backup(file);
  }

  /**
   * Deletes the runs that finished (completed, failed, cancelled) before `cutoff`, with everything they recorded, in
   * one transaction; never a pending, running or paused run. `dryRun` counts and deletes nothing.
   */
  async deleteFinishedRuns(
    options: RetentionOptions & {
      /** DAGs with their own `settings.retention` keep their runs that long instead of until `cutoff`. */
      readonly perDag?: boolean;
    },
  ): Promise<RetentionCounts> {
    const { perDag, ...rest } = options;
    const dagCutoffs = perDag
      ? await readDagCutoffs(this.store, this.#env.clock.now())
      : rest.dagCutoffs;
    return this.store.transaction((tx) =>
      deleteFinishedRuns(tx, { ...rest, ...(dagCutoffs ? { dagCutoffs } : {}) }),
    );
  }

  /** What this process's last retention pass deleted (by table, with its cutoffs); undefined before its first. */
  lastRetentionPass(): RetentionPass | undefined {
    return this.#retention?.lastPass ?? this.#retentionFallback?.lastPass;
  }

  /** A retention pass now, with this process's settings (a process without workers has none: a global limit off). */
  runRetentionPass(): Promise<RetentionPass> {
    this.#retentionFallback ??= new RetentionLoop(
      { store: this.store, clock: this.#env.clock },
      { random: Math.random, onError: () => undefined },
    );
    return (this.#retention ?? this.#retentionFallback).runOnce();
  }

  /**
   * The live feed of new events (runs, nodes, HITL requests, from every process on this database). It costs nothing
   * until someone subscribes; it closes with this Flowgate.
   */
  get events(): EventFeed {
    this.#events ??= new EventFeed(this.store);
    return this.#events;
  }

  /** HITL figures (pending, mean time to answer, approval rate, per DAG), over `scope.dagIds` when given. */
  hitlMetrics(scope: MetricsScope = {}): Promise<HitlMetrics> {
    return getHitlMetrics(this.store, scope);
  }

  /** Seed 001's agent statistics, per agent. */
  /** AI usage and cost per provider and model (and per DAG, run or node with `by`), over the DAGs in scope. */
  aiUsage(query: AiUsageQuery = {}): Promise<AiUsage> {
    return getAiUsage(this.store, query);
  }

  /** The model and tool calls of a run's AI nodes, oldest first. */
  aiCalls(workflowId: string, nodeId?: string) {
    return listRunAiCalls(this.store, { workflowId, ...(nodeId !== undefined ? { nodeId } : {}) });
  }

  agentMetrics(scope: MetricsScope = {}): Promise<{ items: AgentMetrics[] }> {
    return getAgentMetrics(this.store, scope);
  }

  /** Seed 004's execution figures, over a scope or one run. */
  executionMetrics(
    scope: MetricsScope & { readonly workflowId?: string } = {},
  ): Promise<ExecutionMetrics> {
    return getExecutionMetrics(this.store, scope);
  }

  /** Runs started per day over the last `days` days, by their status now. */
  runTimeline(scope: MetricsScope & { readonly days: number }): Promise<{ days: RunDay[] }> {
    return getRunTimeline(this.store, this.#env.clock.now(), scope);
  }

  /** Runs per status and pending requests over everything: aggregate numbers for Prometheus. */
  gaugeCounts(): Promise<GaugeCounts> {
    return getGaugeCounts(this.store);
  }

  /** Deliveries by channel, pending requests' age and SLA breaches, over `scope.dagIds` when given. */
  notificationMetrics(scope: MetricsScope = {}): Promise<NotificationMetrics> {
    return getNotificationMetrics(this.store, this.#env.clock, scope);
  }

  /** Wakes the workers now (after a test moves its clock, say). */
  poke(): void {
    this.#worker?.notify();
    this.#scheduler?.wake();
    this.#outbox?.wake();
  }

  /** Stops the workers (finishing what runs) and closes the database. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#events?.close();
    await this.#scheduler?.stop();
    await this.#retention?.stop();
    await this.#compensator?.stop();
    await this.#worker?.stop();
    // After the workers: what they enqueued while finishing is sent now, or by the next start.
    await this.#outbox?.stop();
    await this.store.close();
  }

  /** An Actor from a username or user id: the account's role is looked up when the user exists. */
  async resolveActor(by: ActorLike): Promise<Actor> {
    if (typeof by !== 'string') return by;
    const user = await this.store.read((db) => findUser(db, by));
    if (!user) return { userId: by, username: by, channel: 'library' };
    return {
      userId: user.userId,
      username: user.username,
      roles: user.role ? [user.role] : [],
      channel: 'library',
    };
  }

  #actorId(by: ActorLike): string {
    return typeof by === 'string' ? by : (by.username ?? by.userId);
  }

  /** One transaction with a change set; wakes workers and waiters after the commit. */
  async #transact<T>(
    work: (tx: Tx, changes: Changes) => Promise<T>,
  ): Promise<{ result: T; finished: FinishedRun[] }> {
    // Kept outside the transaction's result, so that a failed commit can give back what was leased.
    const unit: { applied?: Applied<T> } = {};
    try {
      await this.store.transaction(async (tx) => {
        unit.applied = await this.#apply(tx, work);
      });
    } catch (error) {
      if (unit.applied) this.#worker?.release(unit.applied.leased);
      throw error;
    }
    const applied = unit.applied!;
    this.#afterCommit(applied);
    return { result: applied.result, finished: applied.changes.finished };
  }

  /** One unit inside a transaction: its changes written, and what they make ready leased to this process's worker. */
  async #apply<T>(tx: Tx, work: (tx: Tx, changes: Changes) => Promise<T>): Promise<Applied<T>> {
    const changes = new Changes(toIso(this.#env.clock.now()), this.#env.notices);
    const result = await work(tx, changes);
    // What this commit makes ready runs here at once: a decision's next step starts on the deciding process.
    const leased = this.#worker ? await this.#worker.leaseReadied(tx, changes) : [];
    try {
      await changes.flush(tx);
      if (changes.wakeWorkers) await this.store.notify(tx);
    } catch (error) {
      this.#worker?.release(leased);
      throw error;
    }
    return { result, changes, leased };
  }

  #afterCommit(applied: Applied<unknown>): void {
    this.#worker?.adopt(applied.leased);
    if (Number.isFinite(applied.changes.dueAt)) this.#worker?.expectDue(applied.changes.dueAt);
    this.#announce([...applied.changes.changedRuns]);
  }

  #announce(workflowIds: readonly string[]): void {
    if (workflowIds.length > 0) this.#events?.poke();
    for (const workflowId of workflowIds) {
      const waiters = this.#runWaiters.get(workflowId);
      if (!waiters) continue;
      this.#runWaiters.delete(workflowId);
      for (const wake of waiters) wake();
    }
  }

  /** Resolves when the run changes in this process, or after `ms` (for changes made by other processes). */
  #waitForChange(workflowId: string, ms: number): { changed: Promise<void>; cancel(): void } {
    let waiters = this.#runWaiters.get(workflowId);
    if (!waiters) this.#runWaiters.set(workflowId, (waiters = new Set()));
    const registered = waiters;
    let done: () => void = () => undefined;
    const changed = new Promise<void>((resolve) => {
      done = () => {
        clearTimeout(timer);
        registered.delete(done);
        if (registered.size === 0 && this.#runWaiters.get(workflowId) === registered) {
          this.#runWaiters.delete(workflowId);
        }
        resolve();
      };
    });
    const timer = setTimeout(done, ms);
    registered.add(done);
    return { changed, cancel: done };
  }
}

/**
 * Opens (and migrates) the database and starts this process's workers.
 *
 * @example
 * ```ts
 * const flowgate = await createFlowgate({
 *   db: 'sqlite:data/flowgate.db',
 *   agents: { data_collector: async () => ({ rows: 3 }) },
 * });
 * const { workflowId } = await flowgate.start(approvalDag, { input: { quarter: 'Q3' } });
 * const [request] = (await flowgate.listHitl({ workflowId })).items;
 * await flowgate.approve(request!.requestId, 'alice', { comment: 'looks right' });
 * const run = await flowgate.waitFor(workflowId);
 * await flowgate.close();
 * ```
 */
export async function createFlowgate(options: FlowgateOptions = {}): Promise<Flowgate> {
  const registry = new Registry([
    ...(options.plugins ?? []),
    {
      ...(options.agents ? { agents: options.agents } : {}),
      ...(options.tools ? { tools: options.tools } : {}),
    },
  ]);
  // Before the store opens: a bad price file or planner model stops the start with nothing to close.
  const ai = options.workers === false ? undefined : await resolveAi(options.ai, process.env);
  const plannerModel = resolvePlannerModel(
    options.planner?.model ?? process.env[PLANNER_MODEL_ENV],
  );
  const store = await openStore(options.db ?? 'sqlite:data/flowgate.db');
  try {
    if (options.migrate !== false) await store.migrateToLatest();
  } catch (error) {
    await store.close();
    throw error;
  }
  const flowgate = new Flowgate(store, registry, options, ai, plannerModel);
  // Chat URLs stored in plain text by a version before sealing are sealed by the process that migrates.
  if (options.migrate !== false) {
    try {
      const { unreadable, problem } = await flowgate.chat.sealStoredUrls();
      // Said at start, not only when a message fails: the operator most likely changed FLOWGATE_JWT_SECRET.
      if (unreadable > 0) {
        options.onError?.(
          new FlowgateError(
            'CONFIG_INVALID',
            `${unreadable} chat destination URL(s) cannot be read here: ${problem ?? 'unknown key'}`,
          ),
        );
      }
    } catch (error) {
      await flowgate.close();
      throw error;
    }
  }
  return flowgate;
}

/** Runs started in one call from which the planner's statistics are refreshed. */
const BULK_START = 1_000;

function dagInvalid(problems: readonly DagProblem[]): FlowgateError {
  const summary = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  return new FlowgateError(
    'DAG_INVALID',
    `The DAG is invalid (${problems.length} problems): ${summary}`,
    {
      details: problems,
    },
  );
}

/** DAG rows read per query while a page of visible ones fills. */
const DAG_BATCH = 200;

function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return 50;
  if (!Number.isInteger(limit) || limit < 1)
    throw new FlowgateError('BAD_REQUEST', 'limit must be a positive integer');
  return Math.min(limit, 500);
}

function cursorPair(cursor: string): [string, string] {
  const [first, second] = cursorParts(cursor, 2);
  return [first!, second!];
}

function cursorParts(cursor: string, count: number): string[] {
  const parts = decodeCursor(cursor);
  if (!parts || parts.length !== count)
    throw new FlowgateError('BAD_REQUEST', 'The cursor is not valid');
  return parts;
}

/** Where chat links point: the chat option, else mail's public URL, without a trailing slash. */
function chatPublicUrl(options: FlowgateOptions): string | undefined {
  const url = options.chat?.publicUrl ?? options.mail?.publicUrl;
  return url ? url.replace(/\/+$/, '') : undefined;
}
