/**
 * Chat destinations as admins manage them (API.md "Notifications and decision links"): a Slack incoming webhook or
 * a Teams Workflows URL, checked by the outbound guard when saved and again at every send. Also what the Slack
 * interactivity route needs from the app: the signature check and the Slack member → Flowgate user mapping.
 */
import { randomUUID } from 'node:crypto';

import { chatHostProblem } from '../notify/chat-hosts.js';
import { slackSignatureProblem } from '../notify/chat-slack-signature.js';
import { OutboundError, sendOutbound, type OutboundGuard } from '../notify/outbound-guard.js';
import { MessageKind, type ChatPayload } from '../notify/outbox-notices.js';
import { maskUrl, UnsealError } from '../notify/sealed-text.js';
import { WEBHOOK_RETRY_SCHEDULE_MS } from '../notify/webhook-policy.js';
import type { Store, Tx } from '../store/port.js';
import {
  deleteChatDestination,
  findUserBySlackId,
  getChatDestination,
  insertChatDestination,
  listChatDestinations,
  updateChatDestination,
  type ChatDestinationRecord,
  type ChatKind,
} from '../store/repositories/chat-destinations.js';
import { insertOutboxMessages } from '../store/repositories/outbox.js';
import { isUniqueViolation } from '../store/repositories/users.js';
import type { Actor } from '../shared/actor.js';
import { toIso, type Clock } from '../shared/clock.js';
import { FlowgateError } from '../shared/errors.js';
import type { ChatUrlKeys } from './chat-url-keys.js';

export const CHAT_KINDS: readonly ChatKind[] = ['slack', 'teams'];

export interface ChatDestinationView {
  readonly id: string;
  readonly kind: ChatKind;
  readonly name: string;
  /** Masked (`https://hooks.slack.com/…Xa9Q`): the full URL is a credential, shown to nobody once saved. */
  readonly url: string;
  /** Why the stored URL cannot be read here (it was encrypted with a key this server lacks); absent when it can. */
  readonly urlProblem?: string;
  readonly active: boolean;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ChatDestinationInput {
  readonly kind: ChatKind;
  readonly name: string;
  readonly url: string;
}

export interface ChatDestinationChanges {
  readonly name?: string | undefined;
  readonly url?: string | undefined;
  readonly active?: boolean | undefined;
}

export interface ChatDestinationsDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly guard: OutboundGuard;
  /** Seals URLs before they are stored, and opens them to mask them. */
  readonly urlKeys: ChatUrlKeys;
  /** FLOWGATE_SLACK_SIGNING_SECRET; without it Slack's buttons are refused. */
  readonly slackSigningSecret: string | undefined;
  /** Something was enqueued: the sender looks soon. */
  readonly enqueued: () => void;
}

export class ChatDestinations {
  readonly #deps: ChatDestinationsDeps;

  constructor(deps: ChatDestinationsDeps) {
    this.#deps = deps;
  }

  async create(
    input: ChatDestinationInput,
    options: { createdBy?: string | null } = {},
  ): Promise<ChatDestinationView> {
    const name = checkName(input.name);
    if (!CHAT_KINDS.includes(input.kind)) {
      throw new FlowgateError('BAD_REQUEST', `kind must be one of ${CHAT_KINDS.join(', ')}`);
    }
    await this.#checkUrl(input.kind, input.url);
    const id = `chat_${randomUUID().replaceAll('-', '')}`;
    const now = this.#now();
    const sealed = await this.#deps.urlKeys.seal(id, input.url);
    return this.#view(
      await this.#unique(name, () =>
        this.#deps.store.transaction(async (tx) => {
          await insertChatDestination(tx, {
            destinationId: id,
            kind: input.kind,
            name,
            url: sealed,
            createdBy: options.createdBy ?? null,
            now,
          });
          return (await getChatDestination(tx, id))!;
        }),
      ),
    );
  }

  async list(): Promise<ChatDestinationView[]> {
    const records = await this.#deps.store.read((db) => listChatDestinations(db));
    return Promise.all(records.map((record) => this.#view(record)));
  }

  async get(id: string): Promise<ChatDestinationView> {
    return this.#view(await this.#deps.store.read((db) => found(db, id)));
  }

  async update(id: string, changes: ChatDestinationChanges): Promise<ChatDestinationView> {
    const name = changes.name === undefined ? undefined : checkName(changes.name);
    let sealed: string | undefined;
    if (changes.url !== undefined) {
      // The host allowed depends on the destination's kind, which a change cannot alter.
      const { kind } = await this.#deps.store.read((db) => found(db, id));
      await this.#checkUrl(kind, changes.url);
      sealed = await this.#deps.urlKeys.seal(id, changes.url);
    }
    return this.#view(
      await this.#unique(name ?? '', () =>
        this.#deps.store.transaction(async (tx) => {
          await found(tx, id);
          await updateChatDestination(
            tx,
            id,
            {
              ...(name !== undefined ? { name } : {}),
              ...(sealed !== undefined ? { url: sealed } : {}),
              ...(changes.active !== undefined ? { isActive: changes.active } : {}),
            },
            this.#now(),
          );
          return found(tx, id);
        }),
      ),
    );
  }

  async delete(id: string): Promise<void> {
    const deleted = await this.#deps.store.transaction((tx) => deleteChatDestination(tx, id));
    if (!deleted) throw notFound();
  }

  /** Enqueues a test message to this destination alone; its attempts are in the outbox like every message. */
  async test(id: string): Promise<{ messageId: string }> {
    const messageId = randomUUID();
    const now = this.#now();
    await this.#deps.store.transaction(async (tx) => {
      await found(tx, id);
      const payload: ChatPayload = { destinationId: id };
      await insertOutboxMessages(tx, [
        {
          messageId,
          channel: 'chat',
          kind: MessageKind.chatTest,
          workflowId: null,
          requestId: null,
          nodeId: null,
          userId: null,
          payload: JSON.stringify(payload),
          maxAttempts: WEBHOOK_RETRY_SCHEDULE_MS.length,
          now,
        },
      ]);
    });
    this.#deps.enqueued();
    return { messageId };
  }

  /** Whether Slack's buttons can be verified here (FLOWGATE_SLACK_SIGNING_SECRET is set). */
  get slackConfigured(): boolean {
    return Boolean(this.#deps.slackSigningSecret);
  }

  /** Throws UNAUTHENTICATED unless the request was signed by Slack within the last five minutes. */
  verifySlackRequest(input: {
    readonly timestamp: string | undefined;
    readonly signature: string | undefined;
    readonly rawBody: string;
  }): void {
    const secret = this.#deps.slackSigningSecret;
    if (!secret) {
      throw new FlowgateError(
        'NOT_FOUND',
        'Slack interactivity is not configured here (set FLOWGATE_SLACK_SIGNING_SECRET)',
      );
    }
    const problem = slackSignatureProblem(secret, { ...input, nowMs: this.#deps.clock.now() });
    if (problem) throw new FlowgateError('UNAUTHENTICATED', problem);
  }

  /** The Flowgate user an admin mapped this Slack member to, as an actor of channel `slack`; undefined if none. */
  async slackActor(slackUserId: string): Promise<Actor | undefined> {
    const user = await this.#deps.store.read((db) => findUserBySlackId(db, slackUserId));
    if (!user) return undefined;
    return {
      userId: user.userId,
      username: user.username,
      roles: [user.role ?? 'viewer'],
      channel: 'slack',
    };
  }

  /**
   * Posts `text` to a click's `response_url`, where Slack shows it to the clicking member only (Slack ignores the
   * HTTP answer's body for Block Kit buttons). Only Slack's own host, or one the operator allow-listed, is called;
   * the click was signed by Slack, and the guard still checks the address it connects to.
   */
  async replyToSlack(responseUrl: string, text: string): Promise<void> {
    let host: string;
    try {
      const url = new URL(responseUrl);
      host = url.hostname.replace(/^\[|\]$/g, '');
    } catch {
      return;
    }
    const { guard } = this.#deps;
    if (host !== 'hooks.slack.com' && !guard.operatorAllows(host)) return;
    await sendOutbound(guard, responseUrl, {
      headers: { 'content-type': 'application/json', 'user-agent': 'Flowgate-Chat' },
      body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
      timeoutMs: SLACK_REPLY_TIMEOUT_MS,
      maxBodyBytes: 1024,
    });
  }

  async #unique<T>(name: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new FlowgateError('CONFLICT', `A chat destination named ${name} exists`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  /**
   * Seals the URLs stored in plain text (rows older than sealing) and re-seals those sealed with the database's own
   * key once FLOWGATE_JWT_SECRET is set; run at start, after the migrations.
   */
  sealStoredUrls(): Promise<{ changed: number; unreadable: number; problem?: string }> {
    return this.#deps.urlKeys.sealStoredUrls();
  }

  /** The URL to post to, opened from its stored form; throws UnsealError saying which key is missing. */
  openUrl(record: Pick<ChatDestinationRecord, 'destinationId' | 'url'>): Promise<string> {
    return this.#deps.urlKeys.open(record.destinationId, record.url);
  }

  async #view(record: ChatDestinationRecord): Promise<ChatDestinationView> {
    const common = {
      id: record.destinationId,
      kind: record.kind,
      name: record.name,
      active: record.isActive,
      createdBy: record.createdBy,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
    try {
      return { ...common, url: maskUrl(await this.openUrl(record)) };
    } catch (error) {
      if (!(error instanceof UnsealError)) throw error;
      return { ...common, url: '…', urlProblem: error.message };
    }
  }

  async #checkUrl(kind: ChatKind, url: string): Promise<void> {
    const hostProblem = chatHostProblem(kind, url, this.#deps.guard);
    if (hostProblem) throw new FlowgateError('BAD_REQUEST', hostProblem);
    try {
      await this.#deps.guard.check(url);
    } catch (error) {
      if (error instanceof OutboundError) {
        throw new FlowgateError('BAD_REQUEST', `The URL is refused: ${error.message}`);
      }
      throw error;
    }
  }

  #now(): string {
    return toIso(this.#deps.clock.now());
  }
}

// Slack's own answers come within a second or two; a reply that takes longer is of no use to the member.
const SLACK_REPLY_TIMEOUT_MS = 5_000;

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 100) {
    throw new FlowgateError(
      'BAD_REQUEST',
      'A chat destination needs a name of 1 to 100 characters',
    );
  }
  return trimmed;
}

function notFound(): FlowgateError {
  return new FlowgateError('NOT_FOUND', 'No such chat destination');
}

async function found(tx: Tx, id: string): Promise<ChatDestinationRecord> {
  const record = await getChatDestination(tx, id);
  if (!record) throw notFound();
  return record;
}
