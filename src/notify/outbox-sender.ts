/**
 * The delivery loop: claims due outbox messages under a lease, makes each mail (minting the approver's link token in
 * the claim's transaction, so the token is committed before any mail names it), sends it, and records the attempt.
 * A failure is retried with exponential backoff and jitter until the message's attempts run out; an SMTP 5xx answer,
 * or a mail that can never be made, fails at once. Runs where the workers run.
 */
import type { HumanNodeSpec } from '../definition/index.js';
import { backoffDelay, type BackoffPolicy } from '../engine/retry.js';
import type { RequestContext } from '../hitl/raise.js';
import type { Store, Tx } from '../store/port.js';
import { insertActionTokens, revokeMessageTokens } from '../store/repositories/action-tokens.js';
import { getHitlRequest, type HitlRequestRecord } from '../store/repositories/hitl-requests.js';
import { getMailRecipient } from '../store/repositories/mail-recipients.js';
import { preferencesOfAddresses } from '../store/repositories/notification-preferences.js';
import {
  getWebhookSubscription,
  signingSecrets,
  updateWebhookSubscription,
  type WebhookSubscriptionRecord,
} from '../store/repositories/webhook-subscriptions.js';
import {
  getChatDestination,
  type ChatDestinationRecord,
} from '../store/repositories/chat-destinations.js';
import {
  claimOutboxMessages,
  finishOutboxAttempt,
  insertOutboxAttempts,
  nextOutboxDue,
  type AttemptOutcome,
  type OutboxMessageRecord,
} from '../store/repositories/outbox.js';
import { toIso, type Clock } from '../shared/clock.js';
import { fromJson } from '../shared/json.js';
import { loadAttachments, PermanentMailError, type AttachmentPolicy } from './attachments.js';
import { linkTokenText, newLinkToken } from './link-tokens.js';
import type { MailArgs } from './mail-args.js';
import { isPermanentSmtpError, type Mailer } from './mailer.js';
import { wantsMail } from './preferences.js';
import type { OutboundGuard } from './outbound-guard.js';
import { attemptChat, CHAT_MAX_AGE_MS, nextChatAttemptAt } from './chat-attempt.js';
import { chatHostProblem } from './chat-hosts.js';
import { UnsealError } from './sealed-text.js';
import { slackMessage, teamsMessage, type ChatMessageInput } from './chat-payloads.js';
import {
  LINK_KINDS,
  MessageKind,
  type ChatPayload,
  type WebhookPayload,
} from './outbox-notices.js';
import {
  renderApproverMail,
  renderCopyMail,
  type OutgoingMail,
  type RequestSummary,
} from './render-mail.js';
import { attemptWebhook } from './webhook-attempt.js';
import { nextWebhookDelay } from './webhook-policy.js';

export interface MailSettings {
  readonly from: string;
  /** Links are built on it: `<publicUrl>/a/<token>`, `<publicUrl>/requests/<id>`. */
  readonly publicUrl: string;
  readonly attachments: AttachmentPolicy;
  /** How long a decision link lives (a request's own deadline ends it sooner). */
  readonly linkTtlMs: number;
}

export interface OutboxSenderOptions {
  readonly senderId: string;
  /** The longest the loop sleeps without looking (other processes enqueue too). */
  readonly pollMs: number;
  /** How long a claimed message stays with this sender before another may take it. */
  readonly leaseMs: number;
  readonly batch: number;
  readonly backoff: BackoffPolicy;
}

export interface OutboxSenderDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly random: () => number;
  /** Absent when mail is off: a mail message is then skipped, saying so. */
  readonly mailer: Mailer | undefined;
  readonly settings: MailSettings | undefined;
  readonly guard: OutboundGuard;
  /** How long one webhook attempt may take; well inside the lease, so no other sender takes it meanwhile. */
  readonly webhookTimeoutMs: number;
  /** Where request pages are (`<chatPublicUrl>/requests/<id>`): chat messages link there; without it none is sent. */
  readonly chatPublicUrl?: string | undefined;
  /** A destination's URL from its stored, encrypted form; throws (UnsealError) when this server lacks the key. */
  readonly openChatUrl: (destination: ChatDestinationRecord) => Promise<string>;
  readonly onError: (error: unknown) => void;
}

type Job =
  | { readonly message: OutboxMessageRecord; readonly skip: string }
  | { readonly message: OutboxMessageRecord; readonly subscription: WebhookSubscriptionRecord }
  | { readonly message: OutboxMessageRecord; readonly chat: ChatJob }
  | {
      readonly message: OutboxMessageRecord;
      readonly request?: HitlRequestRecord;
      readonly link?: { readonly url: string; readonly expiresAt: string; readonly name: string };
      /** A copy's addresses whose users declined such mail (lower-cased): left out. */
      readonly declined?: ReadonlySet<string>;
    };

interface ChatJob {
  readonly destination: ChatDestinationRecord;
  readonly payload: ChatPayload;
  readonly request: HitlRequestRecord | undefined;
  readonly publicUrl: string | undefined;
}

/** After a wake-up, empty claims are retried briefly: the commit that enqueued may land a moment later. */
const EAGER_MS = 2_000;
const EAGER_STEP_MS = 25;
/**
 * A wake-up waits this long first, so that a burst of raises (500 runs reaching their gates) is claimed in a few
 * batches after the burst rather than interleaved with it: the engine's commits go first, mail follows 0.1 s later.
 */
const SETTLE_MS = 100;
/**
 * Wake-ups keep coming while a burst lasts (each committing transaction sends one), and each moves the look another
 * SETTLE_MS later, so that sending does not compete with the raising for the CPU and the database's connections (in
 * bench N2 on PostgreSQL, sending during a burst of 500 raises made it some 15 % slower, while writing the rows alone
 * cost about 3 %). A burst longer than this is not waited out: its first messages go after at most this long.
 */
const SETTLE_MAX_MS = 1_000;

export class OutboxSender {
  readonly #deps: OutboxSenderDeps;
  readonly #options: OutboxSenderOptions;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  #woken = false;
  #eagerUntil = 0;
  #settling: NodeJS.Timeout | undefined;
  #settlingSince = 0;

  constructor(deps: OutboxSenderDeps, options: OutboxSenderOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Something was enqueued (or may have been): look now. */
  wake(): void {
    const now = Date.now();
    if (this.#settling === undefined) this.#settlingSince = now;
    else clearTimeout(this.#settling);
    const delay = Math.max(0, Math.min(SETTLE_MS, this.#settlingSince + SETTLE_MAX_MS - now));
    this.#eagerUntil = now + delay + EAGER_MS;
    this.#settling = setTimeout(() => {
      this.#settling = undefined;
      this.#woken = true;
      this.#wake?.();
    }, delay);
  }

  /** Finishes the sends in flight (their SMTP timeouts bound this), then closes the transport. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#settling);
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
    this.#deps.mailer?.close();
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      this.#woken = false;
      try {
        const jobs = await this.#claim();
        if (jobs.length > 0) {
          await this.#finish(await Promise.all(jobs.map((job) => this.#send(job))));
          continue;
        }
        if (Date.now() < this.#eagerUntil) {
          await this.#sleep(EAGER_STEP_MS);
          continue;
        }
        const due = await this.#deps.store.read((db) => nextOutboxDue(db));
        const untilDue = due === undefined ? Infinity : Date.parse(due) - this.#deps.clock.now();
        await this.#sleep(Math.max(10, Math.min(this.#options.pollMs, untilDue)));
      } catch (error) {
        this.#deps.onError(error);
        await this.#sleep(Math.min(this.#options.pollMs, 1_000));
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopping || this.#woken) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }

  async #claim(): Promise<Job[]> {
    const { store, clock, settings } = this.#deps;
    // A read first: a write transaction only when something is due, so an idle sender never takes the write lock.
    const due = await store.read((db) => nextOutboxDue(db));
    if (due === undefined || Date.parse(due) > clock.now()) return [];
    return store.transaction(async (tx) => {
      const now = clock.now();
      const nowIso = toIso(now);
      const claimed = await claimOutboxMessages(tx, {
        sender: this.#options.senderId,
        now: nowIso,
        leaseUntil: toIso(now + this.#options.leaseMs),
        limit: this.#options.batch,
        skipLocked: store.capabilities.skipLocked,
      });
      if (claimed.length === 0) return [];
      await insertOutboxAttempts(
        tx,
        claimed.map((m) => ({
          messageId: m.messageId,
          attempt: m.attempts,
          sender: this.#options.senderId,
          startedAt: nowIso,
        })),
      );
      // Only the newest mail's link works: an earlier attempt may have delivered a mail whose token dies here.
      const approverMails = claimed.filter((m) => LINK_KINDS.has(m.kind));
      await revokeMessageTokens(
        tx,
        approverMails.map((m) => m.messageId),
        nowIso,
        'superseded',
      );
      const jobs: Job[] = [];
      for (const message of claimed) {
        if (message.channel === 'webhook') {
          const subscription = message.subscriptionId
            ? await getWebhookSubscription(tx, message.subscriptionId)
            : undefined;
          if (!subscription) jobs.push({ message, skip: 'the subscription no longer exists' });
          else if (!subscription.isActive)
            jobs.push({ message, skip: 'the subscription is disabled' });
          else jobs.push({ message, subscription });
          continue;
        }
        if (message.channel === 'chat') {
          jobs.push(await this.#chatJob(tx, message, now));
          continue;
        }
        if (!settings) {
          jobs.push({ message, skip: 'mail is not configured here' });
          continue;
        }
        if (message.kind === MessageKind.node) {
          jobs.push({ message });
          continue;
        }
        const request = message.requestId ? await getHitlRequest(tx, message.requestId) : undefined;
        if (!request) {
          jobs.push({ message, skip: 'the request no longer exists' });
        } else if (message.kind === MessageKind.copy) {
          jobs.push(await this.#copyJob(tx, message, request));
        } else if (request.status !== 'pending') {
          jobs.push({ message, skip: `the request is already ${request.status}` });
        } else {
          jobs.push(await this.#mintLink(tx, message, request, now, settings));
        }
      }
      return jobs;
    });
  }

  async #chatJob(tx: Tx, message: OutboxMessageRecord, now: number): Promise<Job> {
    const payload = fromJson<ChatPayload>(message.payload);
    if (!payload || typeof payload.destinationId !== 'string') {
      return { message, skip: 'the chat message has no destination' };
    }
    if (now - Date.parse(message.createdAt) > CHAT_MAX_AGE_MS) {
      return { message, skip: 'the chat message is over two hours old' };
    }
    const destination = await getChatDestination(tx, payload.destinationId);
    if (!destination) return { message, skip: 'the chat destination no longer exists' };
    if (!destination.isActive) return { message, skip: 'the chat destination is disabled' };
    const publicUrl = this.#deps.chatPublicUrl;
    if (message.kind === MessageKind.chatTest) {
      return { message, chat: { destination, payload, request: undefined, publicUrl } };
    }
    if (!publicUrl) {
      return { message, skip: 'FLOWGATE_PUBLIC_URL is not set, so there is no page to link to' };
    }
    const request = message.requestId ? await getHitlRequest(tx, message.requestId) : undefined;
    if (!request) return { message, skip: 'the request no longer exists' };
    if (request.status !== 'pending') {
      return { message, skip: `the request is already ${request.status}` };
    }
    return { message, chat: { destination, payload, request, publicUrl } };
  }

  async #mintLink(
    tx: Tx,
    message: OutboxMessageRecord,
    request: HitlRequestRecord,
    now: number,
    settings: MailSettings,
  ): Promise<Job> {
    const person = message.userId ? await getMailRecipient(tx, message.userId) : undefined;
    if (!person || !person.isActive) return { message, skip: 'the approver’s account is gone' };
    const spec = fromJson<HumanNodeSpec>(request.spec);
    // An escalation may have replaced this approver since the mail was enqueued: no link for them.
    if (spec && !stillApprover(spec, person)) {
      return { message, skip: 'the approver no longer decides this request' };
    }
    const ttl = spec?.links?.ttlMs ?? settings.linkTtlMs;
    const deadline = request.expiresAt ? Date.parse(request.expiresAt) : Infinity;
    const expiresAt = toIso(Math.min(now + ttl, deadline));
    const token = newLinkToken();
    await insertActionTokens(tx, [
      {
        tokenId: token.tokenId,
        secretHash: token.secretHash,
        requestId: request.requestId,
        workflowId: request.workflowId,
        userId: person.userId,
        messageId: message.messageId,
        channel: 'email',
        createdAt: toIso(now),
        expiresAt,
      },
    ]);
    return {
      message,
      request,
      link: {
        url: `${settings.publicUrl}/a/${linkTokenText(token)}`,
        expiresAt,
        name: person.fullName ?? person.username,
      },
    };
  }

  /** A copy without the addresses of users whose preferences decline it; skipped when none is left. */
  async #copyJob(tx: Tx, message: OutboxMessageRecord, request: HitlRequestRecord): Promise<Job> {
    const args = fromJson<Partial<MailArgs>>(message.payload) ?? {};
    const addresses = [...(args.to ?? []), ...(args.cc ?? []), ...(args.bcc ?? [])];
    const declined = new Set(
      (await preferencesOfAddresses(tx, addresses))
        .filter((person) => person.email !== null && !wantsMail(person.preferences, 'copy'))
        .map((person) => person.email!),
    );
    if (declined.size === 0) return { message, request };
    if (addresses.every((address) => declined.has(address.trim().toLowerCase()))) {
      return { message, skip: 'every recipient declined such mail in their preferences' };
    }
    return { message, request, declined };
  }

  async #send(job: Job): Promise<AttemptOutcome> {
    const { message } = job;
    const base = {
      messageId: message.messageId,
      attempt: message.attempts,
      sender: this.#options.senderId,
    };
    if ('skip' in job) {
      return { ...base, now: this.#nowIso(), outcome: 'skipped', error: job.skip, response: null };
    }
    if ('subscription' in job) return this.#sendWebhook(message, job.subscription);
    if ('chat' in job) return this.#sendChat(message, job.chat);
    try {
      const mail = await this.#compose(job);
      const sent = await this.#deps.mailer!.send(mail);
      return {
        ...base,
        now: this.#nowIso(),
        outcome: 'sent',
        error: null,
        response: sent.response.slice(0, 500),
        providerMessageId: sent.messageId,
      };
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      const permanent = error instanceof PermanentMailError || isPermanentSmtpError(error);
      const now = this.#deps.clock.now();
      if (permanent || message.attempts >= message.maxAttempts) {
        return { ...base, now: toIso(now), outcome: 'failed', error: text, response: null };
      }
      const delay = backoffDelay(this.#options.backoff, message.attempts, this.#deps.random());
      return {
        ...base,
        now: toIso(now),
        outcome: 'retry',
        error: text,
        response: null,
        nextAttemptAt: toIso(now + delay),
      };
    }
  }

  async #sendWebhook(
    message: OutboxMessageRecord,
    subscription: WebhookSubscriptionRecord,
  ): Promise<AttemptOutcome> {
    const base = {
      messageId: message.messageId,
      attempt: message.attempts,
      sender: this.#options.senderId,
    };
    const payload = fromJson<WebhookPayload>(message.payload);
    if (!payload || typeof payload.body !== 'string') {
      return { ...base, now: this.#nowIso(), outcome: 'failed', error: 'no body', response: null };
    }
    const nowMs = this.#deps.clock.now();
    const result = await attemptWebhook(this.#deps.guard, {
      url: subscription.url,
      secrets: signingSecrets(subscription, toIso(nowMs)),
      webhookId: message.messageId,
      body: payload.body,
      nowMs,
      timeoutMs: this.#deps.webhookTimeoutMs,
    });
    const now = this.#deps.clock.now();
    const answered = {
      ...base,
      now: toIso(now),
      response: result.responseSnippet?.slice(0, 500) ?? null,
      statusCode: result.status ?? null,
    };
    const { verdict } = result;
    if (verdict.outcome === 'succeeded') return { ...answered, outcome: 'sent', error: null };
    if (verdict.outcome === 'gone') {
      this.#gone.add(subscription.subscriptionId);
      return { ...answered, outcome: 'failed', error: verdict.reason };
    }
    if (verdict.outcome === 'aborted')
      return { ...answered, outcome: 'failed', error: verdict.reason };
    const delay = nextWebhookDelay(message.attempts, this.#deps.random(), result.retryAfterMs);
    if (delay === undefined || message.attempts >= message.maxAttempts) {
      return { ...answered, outcome: 'failed', error: verdict.reason };
    }
    return {
      ...answered,
      outcome: 'retry',
      error: verdict.reason,
      nextAttemptAt: toIso(now + delay),
    };
  }

  async #sendChat(message: OutboxMessageRecord, job: ChatJob): Promise<AttemptOutcome> {
    const base = {
      messageId: message.messageId,
      attempt: message.attempts,
      sender: this.#options.senderId,
    };
    const input = chatInput(job);
    const body = JSON.stringify(
      job.destination.kind === 'teams' ? teamsMessage(input) : slackMessage(input),
    );
    let url: string;
    try {
      url = await this.#deps.openChatUrl(job.destination);
    } catch (error) {
      // A missing key stays missing until an operator acts: retrying would only repeat the refusal.
      if (!(error instanceof UnsealError)) throw error;
      return refusedChat(base, this.#deps.clock.now(), error.message);
    }
    // Checked again at send: a row saved before the check existed, or an allow-list narrowed since.
    const hostProblem = chatHostProblem(job.destination.kind, url, this.#deps.guard);
    if (hostProblem) return refusedChat(base, this.#deps.clock.now(), hostProblem);
    const nowMs = this.#deps.clock.now();
    const result = await attemptChat(this.#deps.guard, {
      url,
      body,
      timeoutMs: this.#deps.webhookTimeoutMs,
      nowMs,
    });
    const now = this.#deps.clock.now();
    const answered = {
      ...base,
      now: toIso(now),
      response: result.responseSnippet?.slice(0, 500) ?? null,
      statusCode: result.status ?? null,
    };
    if (result.outcome === 'sent') return { ...answered, outcome: 'sent', error: null };
    const at =
      result.outcome === 'retry' && message.attempts < message.maxAttempts
        ? nextChatAttemptAt(
            message.attempts,
            Date.parse(message.createdAt),
            now,
            this.#deps.random(),
            result.retryAfterMs,
          )
        : undefined;
    if (at === undefined) return { ...answered, outcome: 'failed', error: result.error };
    return { ...answered, outcome: 'retry', error: result.error, nextAttemptAt: toIso(at) };
  }

  /** Subscriptions whose receiver answered 410 in the batch being sent: disabled with its outcomes. */
  readonly #gone = new Set<string>();

  async #compose(job: Extract<Job, { request?: HitlRequestRecord }>): Promise<OutgoingMail> {
    const { message } = job;
    const settings = this.#deps.settings!;
    const host = new URL(settings.publicUrl).hostname || 'flowgate';
    const common = { from: settings.from, messageId: `<${message.messageId}@${host}>` };
    const payload = fromJson<Record<string, unknown>>(message.payload) ?? {};
    if (Array.isArray(payload.problems)) {
      throw new PermanentMailError(`the email args are invalid: ${payload.problems.join('; ')}`);
    }
    const request = job.request;
    const summary = request && summaryOf(request);
    const requestUrl = request && `${settings.publicUrl}/requests/${request.requestId}`;
    if (LINK_KINDS.has(message.kind) && summary && job.link) {
      const spec = fromJson<HumanNodeSpec>(request.spec);
      const mail = renderApproverMail({
        occasion:
          message.kind === MessageKind.reminder
            ? 'reminder'
            : message.kind === MessageKind.escalation
              ? 'escalation'
              : 'raised',
        request: summary,
        approverName: job.link.name,
        decisionUrl: job.link.url,
        requestUrl: requestUrl!,
        linkExpiresAt: job.link.expiresAt,
        requireLogin: spec?.links?.requireLogin ?? false,
      });
      return { ...common, ...mail, to: [String(payload.to)], cc: [], bcc: [], attachments: [] };
    }
    const written = payload as unknown as MailArgs;
    const keep = (list: readonly string[] | undefined) =>
      (list ?? []).filter((address) => !job.declined?.has(address.trim().toLowerCase()));
    const args = job.declined
      ? { ...written, to: keep(written.to), cc: keep(written.cc), bcc: keep(written.bcc) }
      : written;
    const rendered = summary ? renderCopyMail(summary, requestUrl) : undefined;
    const attachments = await loadAttachments(settings.attachments, args.attachments ?? []);
    const text = args.bodyText ?? rendered?.text ?? '';
    return {
      ...common,
      to: args.to ?? [],
      cc: args.cc ?? [],
      bcc: args.bcc ?? [],
      subject: args.subject ?? rendered?.subject ?? 'Message from Flowgate',
      text,
      html: args.bodyHTML ?? rendered?.html ?? '',
      attachments,
    };
  }

  async #finish(outcomes: readonly AttemptOutcome[]): Promise<void> {
    const gone = [...this.#gone];
    this.#gone.clear();
    await this.#deps.store.transaction(async (tx) => {
      for (const outcome of outcomes) await finishOutboxAttempt(tx, outcome);
      const now = this.#nowIso();
      for (const subscriptionId of gone) {
        await updateWebhookSubscription(
          tx,
          subscriptionId,
          { isActive: false, disabledReason: 'The receiver answered 410 Gone' },
          now,
        );
      }
    });
  }

  #nowIso(): string {
    return toIso(this.#deps.clock.now());
  }
}

function stillApprover(
  spec: HumanNodeSpec,
  person: { userId: string; username: string; role: string | null },
): boolean {
  if (!spec.approvers || spec.approvers.length === 0) return true;
  return spec.approvers.some((a) =>
    'user' in a ? a.user === person.userId || a.user === person.username : a.role === person.role,
  );
}

function summaryOf(request: HitlRequestRecord): RequestSummary {
  const context = fromJson<RequestContext>(request.context);
  return {
    requestId: request.requestId,
    workflowId: request.workflowId,
    dagId: request.dagId,
    nodeId: request.nodeId,
    message: request.message ?? '',
    proposed: context?.proposed ?? null,
    expiresAt: request.expiresAt,
  };
}

/** A chat attempt refused before any connection: failed at once, saying why. */
function refusedChat(
  base: { messageId: string; attempt: number; sender: string },
  now: number,
  error: string,
): AttemptOutcome {
  return { ...base, now: toIso(now), response: null, statusCode: null, outcome: 'failed', error };
}

function chatInput(job: ChatJob): ChatMessageInput {
  const { request, payload, publicUrl } = job;
  if (!request) {
    return {
      title: 'Flowgate test message',
      message: `This chat destination (${job.destination.name}) receives Flowgate's approval requests.`,
      requestUrl: undefined,
      requestId: undefined,
      workflowId: undefined,
      dagId: undefined,
      nodeId: undefined,
      expectedResponse: [],
    };
  }
  return {
    title: 'Approval requested',
    message: payload.message ?? request.message ?? '',
    requestUrl: publicUrl ? `${publicUrl}/requests/${request.requestId}` : undefined,
    requestId: request.requestId,
    workflowId: request.workflowId,
    dagId: request.dagId ?? undefined,
    nodeId: request.nodeId,
    expectedResponse: payload.expectedResponse ?? [],
  };
}
