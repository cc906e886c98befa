/**
 * Decision links as the shells see them: `GET /a/:token` renders a confirmation page and changes nothing;
 * `POST /a/:token` spends the token and decides in one transaction, as the approver the token is bound to, through
 * the same rules as every channel (who may see the DAG, who may decide the request, compare-and-set). Every answer is
 * an HTML page with a status: 404 for a link that is not one of ours (or was tampered with), 410 for one spent,
 * expired or replaced, 409 when the request was closed meanwhile, 403/401 when the approver may not (yet) decide.
 */
import { randomBytes } from 'node:crypto';

import type { Changes } from '../engine/changes.js';
import { decideRequest } from '../engine/decisions.js';
import type { EngineEnv } from '../engine/transitions.js';
import type { HumanNodeSpec } from '../definition/index.js';
import type { RequestContext } from '../hitl/raise.js';
import {
  linkTokenText,
  pageNonce,
  pageNonceValid,
  parseLinkToken,
  secretMatches,
} from '../notify/link-tokens.js';
import { renderConfirmPage, renderNoticePage } from '../notify/render-link-page.js';
import type { Tx } from '../store/port.js';
import {
  ensureServerKey,
  getActionToken,
  useActionToken,
  type ActionTokenRecord,
} from '../store/repositories/action-tokens.js';
import { getDag } from '../store/repositories/dags.js';
import { getHitlRequest, type HitlRequestRecord } from '../store/repositories/hitl-requests.js';
import { getMailRecipient } from '../store/repositories/mail-recipients.js';
import { lockRunOfRequest } from '../store/repositories/workflows.js';
import type { Actor } from '../shared/actor.js';
import { toIso } from '../shared/clock.js';
import { FlowgateError } from '../shared/errors.js';
import { fromJson } from '../shared/json.js';
import { canDecideRequest } from './permissions.js';

export interface LinkPage {
  readonly status: number;
  readonly html: string;
}

export interface LinkForm {
  readonly decision?: string;
  readonly comment?: string;
  readonly nonce?: string;
}

export interface LinkCaller {
  readonly ip?: string;
  readonly userAgent?: string;
  /** The signed-in caller, when the request carried credentials (for nodes with `requireLogin`). */
  readonly signedIn?: Actor;
}

export interface DecisionLinksDeps {
  readonly env: EngineEnv;
  readonly transact: <T>(work: (tx: Tx, changes: Changes) => Promise<T>) => Promise<T>;
  /** Where the UI is, for "open in Flowgate" and sign-in links; relative links without it. */
  readonly publicUrl?: string;
}

const NONCE_KEY = 'decision-link-nonce';
const MAX_COMMENT = 4_000;

type Checked =
  | { readonly page: LinkPage }
  | {
      readonly token: ActionTokenRecord;
      readonly request: HitlRequestRecord;
      readonly person: NonNullable<Awaited<ReturnType<typeof getMailRecipient>>>;
    };

export class DecisionLinks {
  readonly #deps: DecisionLinksDeps;
  #key: Promise<string> | undefined;

  /** @internal Made by the Flowgate. */
  constructor(deps: DecisionLinksDeps) {
    this.#deps = deps;
  }

  /** The confirmation page, or why there is none. Writes nothing about the token or the request. */
  async view(tokenText: string): Promise<LinkPage> {
    const parsed = parseLinkToken(tokenText);
    if (!parsed) return invalidLink();
    const { env } = this.#deps;
    const now = env.clock.now();
    const checked = await env.store.read((db) => this.#check(db, parsed, now));
    if ('page' in checked) return checked.page;
    const { token, request, person } = checked;
    const spec = fromJson<HumanNodeSpec>(request.spec);
    const requireLogin = spec?.links?.requireLogin ?? false;
    const key = await this.#nonceKey();
    return {
      status: 200,
      html: renderConfirmPage({
        request: summaryOf(request),
        approverName: person.fullName ?? person.username,
        approverEmail: person.email,
        nonce: pageNonce(key, token.tokenId, now),
        requestUrl: this.#url(`/requests/${request.requestId}`),
        linkExpiresAt: token.expiresAt,
        ...(requireLogin
          ? {
              loginUrl: this.#url(
                `/login?next=${encodeURIComponent(`/requests/${request.requestId}`)}`,
              ),
            }
          : {}),
        needsAnswer: spec?.form !== undefined,
      }),
    };
  }

  /** Decides once: the nonce of a page this server rendered, then the token spent and the decision, together. */
  async decide(tokenText: string, form: LinkForm, caller: LinkCaller = {}): Promise<LinkPage> {
    const parsed = parseLinkToken(tokenText);
    if (!parsed) return invalidLink();
    const { env } = this.#deps;
    const now = env.clock.now();
    const kind =
      form.decision === 'approve' || form.decision === 'reject' ? form.decision : undefined;
    if (!form.nonce || !pageNonceValid(await this.#nonceKey(), parsed.tokenId, form.nonce, now)) {
      return notice(
        403,
        'Please use the page',
        'A decision is taken only from the page this link opens. Open the link from your email again and ' +
          'choose there.',
      );
    }
    if (!kind)
      return notice(400, 'Choose approve or reject', 'Open the link again and press a button.');
    const comment = form.comment?.trim().slice(0, MAX_COMMENT);
    try {
      return await this.#deps.transact(async (tx, changes) => {
        const checked = await this.#check(tx, parsed, now);
        if ('page' in checked) return checked.page;
        const { token, request, person } = checked;
        const spec = fromJson<HumanNodeSpec>(request.spec);
        if (spec?.links?.requireLogin && caller.signedIn?.userId !== person.userId) {
          return notice(
            401,
            'Sign in first',
            `This request asks ${person.fullName ?? person.username} to sign in to Flowgate before deciding.`,
            { url: this.#url('/login'), label: 'Sign in' },
          );
        }
        const actor: Actor = {
          userId: person.userId,
          username: person.username,
          roles: person.role ? [person.role] : [],
          channel: 'link',
          ...(caller.ip ? { ip: caller.ip } : {}),
          ...(caller.userAgent ? { userAgent: caller.userAgent } : {}),
        };
        const dag = request.dagId ? await getDag(tx, request.dagId) : undefined;
        if (!dag || !canDecideRequest(actor, dag)) {
          throw new FlowgateError('FORBIDDEN', 'You may not decide this request.');
        }
        // The run is locked first, as every decision locks it: closing the request revokes tokens, and taking the
        // token before the run would lock in the opposite order to a decision made elsewhere meanwhile.
        await lockRunOfRequest(tx, request.requestId, env.store.capabilities.rowLocks);
        if (!(await useActionToken(tx, token.tokenId, changes.now, kind))) return usedLink();
        const result = await decideRequest(tx, env, changes, request.requestId, actor, {
          kind,
          ...(comment ? { comment } : {}),
        });
        const done = kind === 'approve' ? 'approved' : 'rejected';
        const more =
          result.status === 'pending'
            ? ` The request waits for more approvals (${result.approvals ?? 0} of ${result.required ?? 0}).`
            : '';
        return notice(
          200,
          `You ${done} the request`,
          `Thank you, your decision is recorded.${more}`,
        );
      });
    } catch (error) {
      if (error instanceof FlowgateError && error.code === 'HITL_NOT_PENDING')
        return closedRequest();
      if (
        error instanceof FlowgateError &&
        (error.code === 'FORBIDDEN' || error.code === 'CONFLICT')
      ) {
        return notice(
          error.code === 'FORBIDDEN' ? 403 : 409,
          'You cannot decide this request',
          error.message,
        );
      }
      throw error;
    }
  }

  /** The token, its request and its person, or the page that says why the link does not work. */
  async #check(db: Tx, parsed: { tokenId: string; secret: string }, now: number): Promise<Checked> {
    const token = await getActionToken(db, parsed.tokenId);
    if (!token || !secretMatches(parsed.secret, token.secretHash)) return { page: invalidLink() };
    const request = await getHitlRequest(db, token.requestId);
    const person = await getMailRecipient(db, token.userId);
    if (!request || !person || !person.isActive) return { page: invalidLink() };
    if (token.usedAt !== null) return { page: usedLink() };
    if (token.revokedReason === 'superseded') {
      return {
        page: notice(
          410,
          'This link was replaced',
          'A newer email about this request carries a new link.',
        ),
      };
    }
    if (token.revokedAt !== null || request.status !== 'pending')
      return { page: closedRequest(request) };
    if (Date.parse(token.expiresAt) <= now) {
      return {
        page: notice(410, 'This link has expired', 'Decide in Flowgate instead.', {
          url: this.#url(`/requests/${request.requestId}`),
          label: 'Open the request',
        }),
      };
    }
    return { token, request, person };
  }

  #nonceKey(): Promise<string> {
    const { env } = this.#deps;
    this.#key ??= env.store
      .transaction((tx) =>
        ensureServerKey(
          tx,
          NONCE_KEY,
          randomBytes(32).toString('base64url'),
          toIso(env.clock.now()),
        ),
      )
      .catch((error: unknown) => {
        this.#key = undefined;
        throw error;
      });
    return this.#key;
  }

  #url(path: string): string {
    return `${this.#deps.publicUrl ?? ''}${path}`;
  }
}

/** For tests and tools: the URL path of a token. */
export function linkPath(token: { tokenId: string; secret: string }): string {
  return `/a/${linkTokenText(token)}`;
}

function notice(
  status: number,
  title: string,
  text: string,
  link?: { url: string; label: string },
): LinkPage {
  return { status, html: renderNoticePage(title, text, link) };
}

function invalidLink(): LinkPage {
  return notice(
    404,
    'This link is not valid',
    'Check that the whole link from the email was opened, or decide in Flowgate.',
  );
}

function usedLink(): LinkPage {
  return notice(410, 'This link was already used', 'A decision was already made with this link.');
}

function closedRequest(request?: HitlRequestRecord): LinkPage {
  const by = request?.respondedBy ? ` by ${request.respondedBy}` : '';
  const when = request?.respondedAt ? ` at ${request.respondedAt}` : '';
  return notice(
    409,
    'This request is closed',
    `The request is ${request?.status ?? 'closed'}${by}${when}; nothing more can be decided.`,
  );
}

function summaryOf(request: HitlRequestRecord) {
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
