/**
 * Inbound triggers as the shells see them: a DAG's URLs that start runs (`POST /hooks/:triggerId`), created with a
 * secret shown once, listed and deleted under the DAG's permissions, and fired by callers that prove they hold the
 * secret (a bearer token, or a Standard Webhooks signature).
 */
import type { RunStartEnv } from '../engine/start-stored-runs.js';
import {
  deleteTrigger,
  getTrigger,
  insertTrigger,
  listTriggers,
  type TriggerRecord,
} from '../store/repositories/triggers.js';
import {
  checkTriggerHeaders,
  fireTrigger,
  type FiredTrigger,
  type TriggerCredentialsHeaders,
  type TriggerRequest,
} from '../triggers/fire-trigger.js';
import { TRIGGER_AUTH_VALUES, TriggerAuth } from '../triggers/trigger-auth.js';
import { hashTriggerSecret, newTriggerId, newTriggerSecret } from '../triggers/trigger-secrets.js';
import { signingKeyOf } from '../triggers/verify-standard-webhook.js';
import { toIso } from '../shared/clock.js';
import { FlowgateError } from '../shared/errors.js';
import { actorName, demandMaySchedule, visibleDagFor, visibleDagIdsFor } from './dag-access.js';
import { cursorPair, pageLimit } from './paging.js';
import type { ScheduleCaller } from './schedules.js';
import { encodeCursor } from './views.js';

export { TRIGGER_AUTH_VALUES, TriggerAuth };
export type { FiredTrigger, TriggerCredentialsHeaders, TriggerRequest };

export interface TriggerView {
  readonly id: string;
  readonly dagId: string;
  readonly name: string | null;
  /** `bearer`, or `standard_webhooks` (signed requests accepted too). */
  readonly auth: string;
  /** Where callers POST: `/hooks/<id>`, relative to the server. */
  readonly path: string;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

export interface CreatedTrigger extends TriggerView {
  /** `whsec_…`: the bearer token, and the signing secret of a `standard_webhooks` trigger. Returned this once. */
  readonly secret: string;
}

export interface TriggersOptions {
  /** How long an Idempotency-Key (or webhook-id) is remembered; a day by default. */
  readonly idempotencyTtlMs?: number;
}

function triggerView(record: TriggerRecord): TriggerView {
  return {
    id: record.triggerId,
    dagId: record.dagId,
    name: record.name,
    auth: record.auth,
    path: `/hooks/${record.triggerId}`,
    createdBy: record.createdBy,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt,
  };
}

/**
 * A Flowgate's inbound triggers (`flowgate.triggers`), served as `POST /hooks/:triggerId` by `flowgate serve`.
 *
 * @example
 * ```ts
 * const { id, secret } = await flowgate.triggers.create('deploy', {}, { createdBy: 'alice' });
 * // A caller: POST /hooks/<id> with Authorization: Bearer <secret> and a JSON body, the run's input.
 * const { workflowId } = await flowgate.triggers.fire(id, {
 *   authorization: `Bearer ${secret}`,
 *   idempotencyKey: 'build-1234',
 *   rawBody: Buffer.from('{"ref":"main"}'),
 *   input: { ref: 'main' },
 * });
 * ```
 */
export class Triggers {
  readonly #env: RunStartEnv;
  readonly #ttlMs: number;

  /** @internal Made by the Flowgate. */
  constructor(env: RunStartEnv, options: TriggersOptions = {}) {
    this.#env = env;
    this.#ttlMs = options.idempotencyTtlMs ?? 24 * 3_600_000;
  }

  /**
   * Adds a trigger to a DAG. Its secret is kept as a SHA-256 hash, like an API key's; a `standard_webhooks` trigger
   * also keeps the signing key, because an HMAC can only be checked with the key itself.
   */
  async create(
    dagId: string,
    options: { name?: string; auth?: TriggerAuth } = {},
    who: ScheduleCaller = {},
  ): Promise<CreatedTrigger> {
    const dag = await visibleDagFor(this.#env.engine.store, dagId, who.caller);
    demandMaySchedule(who.caller, dag);
    const auth = options.auth ?? TriggerAuth.bearer;
    if (!TRIGGER_AUTH_VALUES.includes(auth)) {
      throw new FlowgateError(
        'VALIDATION_FAILED',
        `auth is one of ${TRIGGER_AUTH_VALUES.join(', ')}`,
      );
    }
    const name = options.name?.trim() || null;
    if (name !== null && name.length > 100) {
      throw new FlowgateError('VALIDATION_FAILED', 'A trigger name has at most 100 characters.');
    }
    const secret = newTriggerSecret();
    const row = {
      trigger_id: newTriggerId(),
      dag_id: dag.dagId,
      name,
      auth,
      secret_hash: hashTriggerSecret(secret),
      signing_key:
        auth === TriggerAuth.standardWebhooks ? signingKeyOf(secret).toString('base64') : null,
      created_by: who.caller ? actorName(who.caller) : (who.createdBy ?? null),
      created_at: toIso(this.#env.engine.clock.now()),
      last_used_at: null,
    };
    await this.#env.engine.store.transaction((tx) => insertTrigger(tx, row));
    return { ...(await this.get(row.trigger_id)), secret };
  }

  async get(triggerId: string, who: ScheduleCaller = {}): Promise<TriggerView> {
    return triggerView(await this.#visible(triggerId, who.caller));
  }

  /** Triggers, oldest first; a caller sees only those of DAGs they may see. */
  async list(
    filter: { dagId?: string; limit?: number; cursor?: string } = {},
    who: ScheduleCaller = {},
  ): Promise<{ items: TriggerView[]; nextCursor: string | null }> {
    const limit = pageLimit(filter.limit);
    const after = filter.cursor === undefined ? undefined : cursorPair(filter.cursor);
    const dagIds = await visibleDagIdsFor(this.#env.engine.store, who.caller);
    const rows = await this.#env.engine.store.read((db) =>
      listTriggers(db, {
        limit: limit + 1,
        ...(filter.dagId !== undefined ? { dagId: filter.dagId } : {}),
        ...(dagIds ? { dagIds } : {}),
        ...(after ? { after: { createdAt: after[0], triggerId: after[1] } } : {}),
      }),
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(triggerView),
      nextCursor:
        rows.length > limit && last ? encodeCursor([last.createdAt, last.triggerId]) : null,
    };
  }

  /** Deletes a trigger: its URL stops working at once; the runs it started stay. */
  async delete(triggerId: string, who: ScheduleCaller = {}): Promise<void> {
    const current = await this.#visible(triggerId, who.caller);
    if (who.caller) {
      const dag = await visibleDagFor(this.#env.engine.store, current.dagId, who.caller, {
        includeArchived: true,
      });
      demandMaySchedule(who.caller, dag);
    }
    await this.#env.engine.store.transaction((tx) => deleteTrigger(tx, triggerId));
  }

  /**
   * What can be refused before reading a request's body: an unknown trigger (NOT_FOUND), a wrong or missing
   * secret (UNAUTHENTICATED). A signature can only be checked with the body; `fire` does that.
   */
  checkHeaders(
    triggerId: string,
    headers: TriggerCredentialsHeaders,
  ): Promise<{ needsSignature: boolean }> {
    return checkTriggerHeaders(this.#env, triggerId, headers);
  }

  /** Checks the caller and starts a run with the body as input (at most one per idempotency key). */
  fire(triggerId: string, request: TriggerRequest): Promise<FiredTrigger> {
    return fireTrigger(this.#env, triggerId, request, { idempotencyTtlMs: this.#ttlMs });
  }

  async #visible(triggerId: string, caller: ScheduleCaller['caller']): Promise<TriggerRecord> {
    const record = await this.#env.engine.store.read((db) => getTrigger(db, triggerId));
    if (!record) throw new FlowgateError('NOT_FOUND', `Trigger ${triggerId} does not exist`);
    if (caller) {
      await visibleDagFor(this.#env.engine.store, record.dagId, caller, {
        what: `Trigger ${triggerId}`,
        includeArchived: true,
      });
    }
    return record;
  }
}
