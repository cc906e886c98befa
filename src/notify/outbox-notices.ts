/**
 * The engine's `Notices`, written as outbox rows inside the engine's transaction: a mail per approver with an email
 * address when a request is raised, seed 002's informational copy, and the mail of an email node. Rows carry who and
 * what only; the mail itself (and its link token) is made when it is sent, so raising stays a few cheap inserts.
 */
import type { HumanNodeSpec } from '../definition/index.js';
import type { EmailNodeRef, Notices, TimerNotice } from '../engine/notices.js';
import { refusalFor } from '../hitl/quorum.js';
import type { Tx } from '../store/port.js';
import type { NewEvent } from '../store/repositories/events.js';
import type { NewHitlRequest } from '../store/repositories/hitl-requests.js';
import { findMailRecipients, type MailRecipient } from '../store/repositories/mail-recipients.js';
import { preferencesOfUsers } from '../store/repositories/notification-preferences.js';
import { insertOutboxMessages, type NewOutboxMessage } from '../store/repositories/outbox.js';
import { listChatDestinations } from '../store/repositories/chat-destinations.js';
import { listWebhookSubscriptions } from '../store/repositories/webhook-subscriptions.js';
import { FlowgateError } from '../shared/errors.js';
import { attachmentPathProblem, type AttachmentPolicy } from './attachments.js';
import { readMailArgs } from './mail-args.js';
import { wantsMail } from './preferences.js';
import {
  matchesEventFilter,
  WEBHOOK_RETRY_SCHEDULE_MS,
  webhookBody,
  type WebhookEventType,
} from './webhook-policy.js';

export const MessageKind = {
  approver: 'hitl.approver',
  reminder: 'hitl.reminder',
  escalation: 'hitl.escalation',
  copy: 'hitl.copy',
  node: 'node.email',
  webhook: 'webhook.event',
  chat: 'hitl.chat',
  chatTest: 'chat.test',
} as const;

/**
 * A chat message: where it goes and what it says. The request's page link is made when it is sent (from
 * FLOWGATE_PUBLIC_URL), so the row never holds a URL that could carry a token.
 */
export interface ChatPayload {
  readonly destinationId: string;
  /** Seed 002's `args.message`; the request's own message when absent. */
  readonly message?: string;
  readonly expectedResponse?: readonly string[];
}

/** The mails that carry a decision link of their own, minted when each is sent. */
export const LINK_KINDS: ReadonlySet<string> = new Set([
  MessageKind.approver,
  MessageKind.reminder,
  MessageKind.escalation,
]);

/** The run events other systems hear of, under their webhook names (API.md "Webhooks"). */
const WEBHOOK_TYPES: Readonly<Record<string, WebhookEventType>> = {
  hitl_requested: 'hitl.requested',
  hitl_approved: 'hitl.approved',
  hitl_rejected: 'hitl.rejected',
  hitl_completed: 'hitl.completed',
  hitl_expired: 'hitl.expired',
  hitl_cancelled: 'hitl.cancelled',
  hitl_escalated: 'hitl.escalated',
  workflow_started: 'workflow.started',
  workflow_paused: 'workflow.paused',
  workflow_completed: 'workflow.completed',
  workflow_failed: 'workflow.failed',
  workflow_cancelled: 'workflow.cancelled',
};

/** A raised request with its rules read once for every channel. */
interface RaisedRequest {
  readonly request: NewHitlRequest;
  readonly spec: HumanNodeSpec;
}

/** What a webhook event says, and the run, request and node it is about. */
interface WebhookEvent {
  readonly data: unknown;
  readonly workflowId: string | null;
  readonly requestId: string | null;
  readonly nodeId: string | null;
}

/** A webhook message's payload. The body is kept as a string so that jsonb cannot reorder the signed bytes. */
export interface WebhookPayload {
  readonly type: string;
  readonly body: string;
}

export interface OutboxNoticesOptions {
  readonly newId: () => string;
  /** Absent when mail is off: requests raise no mail, and an email node fails saying so. */
  readonly attachments: AttachmentPolicy | undefined;
  readonly maxAttempts: number;
  /** Called after rows were written (before their commit): the sender looks soon. */
  readonly enqueued: () => void;
}

export class OutboxNotices implements Notices {
  readonly #options: OutboxNoticesOptions;

  constructor(options: OutboxNoticesOptions) {
    this.#options = options;
  }

  async requestsRaised(tx: Tx, requests: readonly NewHitlRequest[], now: string): Promise<void> {
    const specs = requests.map((request) => ({
      request,
      spec: JSON.parse(request.spec) as HumanNodeSpec,
    }));
    // Chat and custom events need no mail: their rows are written whether or not mail is configured.
    await this.#chatMessages(tx, specs, now);
    await this.#customEvents(tx, specs, now);
    if (!this.#options.attachments) return;
    const raised: RaisedRequest[] = [];
    const names = new Set<string>();
    const roles = new Set<string>();
    for (const { request, spec } of specs) {
      const copies = spec.args && (spec.outputTypes ?? ['email']).includes('email');
      if (spec.approvers.length === 0 && !copies) continue;
      raised.push({ request, spec });
      for (const approver of spec.approvers) {
        if ('user' in approver) names.add(approver.user);
        else roles.add(approver.role);
      }
    }
    // Gates without approvers or copies (most of them, in the engine's benchmarks) cost nothing here.
    if (raised.length === 0) return;
    const people = await findMailRecipients(tx, [...names], [...roles]);
    const rows: NewOutboxMessage[] = [];
    for (const { request, spec } of raised) {
      for (const person of approversOf(spec, people, request.runStartedBy)) {
        rows.push(
          this.#row(now, MessageKind.approver, request, person.userId, { to: person.email }),
        );
      }
      if (spec.args && (spec.outputTypes ?? ['email']).includes('email')) {
        const read = readMailArgs(spec.args, { needsRecipient: false });
        // A bad address cannot fail a gate that is already raised: the row fails when sent, saying why.
        if (!read.ok)
          rows.push(this.#row(now, MessageKind.copy, request, null, { problems: read.problems }));
        else if (read.args.to.length + read.args.cc.length + read.args.bcc.length > 0)
          rows.push(this.#row(now, MessageKind.copy, request, null, read.args));
      }
    }
    if (rows.length === 0) return;
    await insertOutboxMessages(tx, rows);
    this.#options.enqueued();
  }

  /**
   * One `chat` row per request whose node lists `chat` in its outputTypes and per active destination (or per one
   * named in `args.destinations`). Nodes without chat, the common case, cost no read.
   */
  async #chatMessages(tx: Tx, raised: readonly RaisedRequest[], now: string): Promise<void> {
    const chatty = raised.filter(({ spec }) => spec.outputTypes?.includes('chat'));
    if (chatty.length === 0) return;
    const destinations = await listChatDestinations(tx, { activeOnly: true });
    if (destinations.length === 0) return;
    const rows: NewOutboxMessage[] = [];
    for (const { request, spec } of chatty) {
      const args = spec.args ?? {};
      const named = Array.isArray(args.destinations)
        ? new Set(args.destinations.filter((d): d is string => typeof d === 'string'))
        : undefined;
      const expected = Array.isArray(args.expectedResponse)
        ? args.expectedResponse.filter((r): r is string => typeof r === 'string')
        : [];
      for (const destination of destinations) {
        if (named && !named.has(destination.name) && !named.has(destination.destinationId)) {
          continue;
        }
        const payload: ChatPayload = {
          destinationId: destination.destinationId,
          ...(typeof args.message === 'string' ? { message: args.message } : {}),
          ...(expected.length > 0 ? { expectedResponse: expected } : {}),
        };
        rows.push({
          messageId: this.#options.newId(),
          channel: 'chat',
          kind: MessageKind.chat,
          workflowId: request.workflowId,
          requestId: request.requestId,
          nodeId: request.nodeId,
          userId: null,
          payload: JSON.stringify(payload),
          maxAttempts: WEBHOOK_RETRY_SCHEDULE_MS.length,
          now,
        });
      }
    }
    if (rows.length === 0) return;
    await insertOutboxMessages(tx, rows);
    this.#options.enqueued();
  }

  /**
   * Seed 002's `custom` output type: the request and its `args` (free-form keys, rendered like the rest) as a
   * `hitl.custom` webhook event, for a system of the operator's own to deliver however it likes. Nodes without it
   * cost no read.
   */
  async #customEvents(tx: Tx, raised: readonly RaisedRequest[], now: string): Promise<void> {
    const custom = raised.filter(({ spec }) => spec.outputTypes?.includes('custom'));
    if (custom.length === 0) return;
    await this.#webhookEvents(
      tx,
      custom.map(({ request, spec }) => ({
        type: 'hitl.custom' as const,
        describe: () => ({
          data: customEventData(request, spec),
          workflowId: request.workflowId,
          requestId: request.requestId,
          nodeId: request.nodeId,
        }),
      })),
      now,
    );
  }

  async emailNode(tx: Tx, node: EmailNodeRef, value: unknown, now: string): Promise<unknown> {
    if (!this.#options.attachments) {
      throw new FlowgateError('CONFIG_INVALID', 'Mail is not configured here');
    }
    const read = readMailArgs(value, { needsRecipient: true });
    if (!read.ok) {
      throw new FlowgateError(
        'VALIDATION_FAILED',
        `Cannot send this email: ${read.problems.join('; ')}`,
        {
          details: read.problems,
        },
      );
    }
    const problem = attachmentPathProblem(this.#options.attachments, read.args.attachments);
    if (problem) throw new FlowgateError('VALIDATION_FAILED', `Cannot send this email: ${problem}`);
    const messageId = this.#options.newId();
    await insertOutboxMessages(tx, [
      {
        messageId,
        channel: 'email',
        kind: MessageKind.node,
        workflowId: node.workflowId,
        requestId: null,
        nodeId: node.nodeId,
        userId: null,
        payload: JSON.stringify(read.args),
        maxAttempts: this.#options.maxAttempts,
        now,
      },
    ]);
    this.#options.enqueued();
    const { to, cc, bcc, subject, attachments } = read.args;
    return { messageId, queued: true, to, cc, bcc, subject: subject ?? null, attachments };
  }

  async eventsRecorded(tx: Tx, events: readonly NewEvent[], now: string): Promise<void> {
    const heard = events.filter((event) => WEBHOOK_TYPES[event.type] !== undefined);
    // Most transactions record nothing other systems hear of, and then cost no read.
    if (heard.length === 0) return;
    // An event's data is parsed only when a subscription wants its type (most runs' events go nowhere).
    await this.#webhookEvents(
      tx,
      heard.map((event) => ({
        type: WEBHOOK_TYPES[event.type]!,
        describe: () => {
          const recorded = event.data ? (JSON.parse(event.data) as Record<string, unknown>) : {};
          return {
            data: { ...recorded, workflowId: event.workflowId },
            workflowId: event.workflowId,
            requestId: typeof recorded.requestId === 'string' ? recorded.requestId : null,
            nodeId: typeof recorded.nodeId === 'string' ? recorded.nodeId : null,
          };
        },
      })),
      now,
    );
  }

  /** A plan's event (`plan.created`, `plan.approved`, `plan.rejected`) to the subscriptions that want it. */
  async planEvent(
    tx: Tx,
    type: 'plan.created' | 'plan.approved' | 'plan.rejected',
    data: Readonly<Record<string, unknown>> & { readonly workflowId?: string | null },
    now: string,
  ): Promise<void> {
    await this.#webhookEvents(
      tx,
      [
        {
          type,
          describe: () => ({
            data,
            workflowId: data.workflowId ?? null,
            requestId: null,
            nodeId: null,
          }),
        },
      ],
      now,
    );
  }

  /**
   * One outbox message per event and subscription whose filter takes it; one read of the subscriptions. An event is
   * described (its data read, its body written) only when some subscription takes it.
   */
  async #webhookEvents(
    tx: Tx,
    events: readonly { type: WebhookEventType; describe: () => WebhookEvent }[],
    now: string,
  ): Promise<void> {
    const subscriptions = await listWebhookSubscriptions(tx, { activeOnly: true });
    if (subscriptions.length === 0) return;
    const rows: NewOutboxMessage[] = [];
    for (const { type, describe } of events) {
      let event: (WebhookEvent & { body: string }) | undefined;
      for (const subscription of subscriptions) {
        if (!matchesEventFilter(subscription.events, type)) continue;
        if (!event) {
          const described = describe();
          event = { ...described, body: webhookBody(type, now, described.data) };
        }
        const payload: WebhookPayload = { type, body: event.body };
        rows.push({
          messageId: `msg_${this.#options.newId().replaceAll('-', '')}`,
          channel: 'webhook',
          kind: MessageKind.webhook,
          workflowId: event.workflowId,
          requestId: event.requestId,
          nodeId: event.nodeId,
          userId: null,
          payload: JSON.stringify(payload),
          maxAttempts: WEBHOOK_RETRY_SCHEDULE_MS.length,
          now,
          subscriptionId: subscription.subscriptionId,
        });
      }
    }
    if (rows.length === 0) return;
    await insertOutboxMessages(tx, rows);
    this.#options.enqueued();
  }

  /**
   * A reminder to each approver who has not voted, or an escalation notice to each approver a level added: one mail
   * each with a link of its own (a reminder's new link leaves the earlier mail's working until it expires).
   */
  async timersFired(tx: Tx, notices: readonly TimerNotice[], now: string): Promise<void> {
    if (!this.#options.attachments) return;
    const names = new Set<string>();
    const roles = new Set<string>();
    for (const notice of notices) {
      for (const approver of notice.approvers) {
        if ('user' in approver) names.add(approver.user);
        else roles.add(approver.role);
      }
    }
    const people = await findMailRecipients(tx, [...names], [...roles]);
    // A reminder is optional mail (its request was sent already); an escalation asks new people, and always goes.
    const reminded = notices.some((notice) => notice.kind === 'reminder');
    const stored = reminded
      ? await preferencesOfUsers(
          tx,
          people.map((person) => person.userId),
        )
      : [];
    const declined = new Set(
      stored.filter((p) => !wantsMail(p.preferences, 'reminder')).map((p) => p.userId),
    );
    const rows: NewOutboxMessage[] = [];
    for (const notice of notices) {
      const voted = new Set(notice.votedUserIds);
      const told = approversOf(
        { ...notice.spec, approvers: notice.approvers },
        people,
        notice.runStartedBy,
      );
      const kind = notice.kind === 'reminder' ? MessageKind.reminder : MessageKind.escalation;
      for (const person of told) {
        if (voted.has(person.userId) || voted.has(person.username)) continue;
        if (notice.kind === 'reminder' && declined.has(person.userId)) continue;
        rows.push(this.#row(now, kind, notice, person.userId, { to: person.email }));
      }
    }
    if (rows.length === 0) return;
    await insertOutboxMessages(tx, rows);
    this.#options.enqueued();
  }

  #row(
    now: string,
    kind: string,
    request: Pick<NewHitlRequest, 'workflowId' | 'requestId' | 'nodeId'>,
    userId: string | null,
    payload: unknown,
  ): NewOutboxMessage {
    return {
      messageId: this.#options.newId(),
      channel: 'email',
      kind,
      workflowId: request.workflowId,
      requestId: request.requestId,
      nodeId: request.nodeId,
      userId,
      payload: JSON.stringify(payload),
      maxAttempts: this.#options.maxAttempts,
      now,
    };
  }
}

/**
 * A `hitl.custom` event's data: what a receiver needs to ask the people itself and to answer through the API
 * (`POST /api/hitl/:requestId/approve`), without reading the run first.
 */
function customEventData(request: NewHitlRequest, spec: HumanNodeSpec): Record<string, unknown> {
  return {
    workflowId: request.workflowId,
    requestId: request.requestId,
    nodeId: request.nodeId,
    dagId: request.dagId,
    message: request.message,
    args: spec.args ?? {},
    outputTypes: spec.outputTypes ?? [],
    approvers: spec.approvers,
    options: spec.options,
    context: JSON.parse(request.context) as unknown,
    expiresAt: request.expiresAt,
    requestPath: `/requests/${request.requestId}`,
  };
}

/** The people among `people` whom the request lets decide: named or holding a listed role, and not refused. */
function approversOf(
  spec: HumanNodeSpec,
  people: readonly MailRecipient[],
  runStartedBy: string | null,
): MailRecipient[] {
  return people.filter((person) => {
    const actor = {
      userId: person.userId,
      username: person.username,
      roles: person.role ? [person.role] : [],
    };
    const listed = spec.approvers.some((a) =>
      'user' in a ? a.user === person.userId || a.user === person.username : a.role === person.role,
    );
    return listed && refusalFor(actor, spec, runStartedBy) === undefined;
  });
}
