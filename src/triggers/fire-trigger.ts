import { startStoredRuns, type RunStartEnv } from '../engine/start-stored-runs.js';
import { getDag } from '../store/repositories/dags.js';
import {
  claimIdempotencyKey,
  deleteIdempotencyKeys,
  findIdempotencyKey,
  getTriggerCredentials,
  touchTrigger,
  type TriggerCredentials,
} from '../store/repositories/triggers.js';
import { toIso } from '../shared/clock.js';
import { FlowgateError } from '../shared/errors.js';
import { TriggerAuth } from './trigger-auth.js';
import { matchesTriggerSecret } from './trigger-secrets.js';
import { SIGNATURE_TOLERANCE_MS, verifyStandardWebhook } from './verify-standard-webhook.js';

/** The parts of an inbound request that say who sent it. */
export interface TriggerCredentialsHeaders {
  readonly authorization?: string | undefined;
  readonly webhookId?: string | undefined;
  readonly webhookTimestamp?: string | undefined;
  readonly webhookSignature?: string | undefined;
}

export interface TriggerRequest extends TriggerCredentialsHeaders {
  /** `Idempotency-Key`; for a signed request without one, its `webhook-id` serves. */
  readonly idempotencyKey?: string | undefined;
  /** The body as received (what a signature covers). */
  readonly rawBody: Buffer;
  /** The body parsed: the run's input. */
  readonly input: unknown;
}

export interface FiredTrigger {
  readonly workflowId: string;
  /** False when an earlier request with the same idempotency key started the run. */
  readonly started: boolean;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const ASK =
  'Send Authorization: Bearer <trigger secret>, or (for a standard_webhooks trigger) a Standard Webhooks signature.';

/**
 * What can be checked before the body is read: that the trigger exists (NOT_FOUND), and either a bearer secret
 * (UNAUTHENTICATED when wrong) or the presence of a signature for a trigger that takes one. Returns whether a
 * signature is still to be checked once the body is in.
 */
export async function checkTriggerHeaders(
  env: RunStartEnv,
  triggerId: string,
  headers: TriggerCredentialsHeaders,
): Promise<{ needsSignature: boolean }> {
  const trigger = await env.engine.store.read((db) => getTriggerCredentials(db, triggerId));
  if (!trigger) throw new FlowgateError('NOT_FOUND', `Trigger ${triggerId} does not exist`);
  return { needsSignature: checkHeaders(trigger, headers) === 'signature' };
}

function checkHeaders(
  trigger: TriggerCredentials,
  headers: TriggerCredentialsHeaders,
): 'bearer' | 'signature' {
  const bearer =
    headers.authorization === undefined ? undefined : BEARER.exec(headers.authorization);
  if (bearer) {
    if (matchesTriggerSecret(bearer[1]!, trigger.secretHash)) return 'bearer';
    throw new FlowgateError('UNAUTHENTICATED', 'The trigger secret is wrong.');
  }
  if (headers.webhookSignature !== undefined && trigger.auth === TriggerAuth.standardWebhooks) {
    return 'signature';
  }
  throw new FlowgateError('UNAUTHENTICATED', ASK);
}

/**
 * Checks the caller of a trigger and starts a run of its DAG's latest version with the body as input. With an
 * idempotency key, the key is claimed in the run's own transaction: a repeat (even a concurrent one) gets the run
 * the first request started, for as long as the key is remembered (`idempotencyTtlMs`).
 */
export async function fireTrigger(
  env: RunStartEnv,
  triggerId: string,
  request: TriggerRequest,
  options: { idempotencyTtlMs: number },
): Promise<FiredTrigger> {
  const trigger = await env.engine.store.read((db) => getTriggerCredentials(db, triggerId));
  if (!trigger) throw new FlowgateError('NOT_FOUND', `Trigger ${triggerId} does not exist`);
  let key = request.idempotencyKey;
  if (checkHeaders(trigger, request) === 'signature') {
    const check = verifyStandardWebhook(
      Buffer.from(trigger.signingKey ?? '', 'base64'),
      {
        id: request.webhookId,
        timestamp: request.webhookTimestamp,
        signature: request.webhookSignature,
        body: request.rawBody,
      },
      env.engine.clock.now(),
    );
    if (!check.ok) {
      throw new FlowgateError(
        'UNAUTHENTICATED',
        check.reason === 'stale'
          ? `The webhook-timestamp is more than ${SIGNATURE_TOLERANCE_MS / 60_000} minutes from now.`
          : check.reason === 'missing'
            ? 'A signed request needs webhook-id, webhook-timestamp and webhook-signature.'
            : 'The webhook signature does not match.',
      );
    }
    // Standard Webhooks senders keep the message id across their retries: it is the natural idempotency key.
    key ??= request.webhookId;
  }
  if (key !== undefined && (key.length === 0 || key.length > 255)) {
    throw new FlowgateError('BAD_REQUEST', 'An Idempotency-Key has 1 to 255 characters.');
  }

  return env.transact(async (tx, changes) => {
    const dag = await getDag(tx, trigger.dagId);
    if (!dag || dag.archivedAt !== null) {
      throw new FlowgateError(
        'CONFLICT',
        `DAG ${trigger.dagId} is archived: the trigger starts nothing.`,
      );
    }
    const workflowId = env.engine.newId();
    if (key !== undefined) {
      const expired = toIso(env.engine.clock.now() - options.idempotencyTtlMs);
      await deleteIdempotencyKeys(tx, { before: expired, triggerId, key });
      const claimed = await claimIdempotencyKey(tx, {
        triggerId,
        key,
        workflowId,
        now: changes.now,
      });
      if (!claimed) {
        const earlier = await findIdempotencyKey(tx, triggerId, key);
        if (earlier) return { workflowId: earlier.workflowId, started: false };
        throw new FlowgateError('CONFLICT', 'The same Idempotency-Key is being used right now.');
      }
    }
    await startStoredRuns(tx, env.engine, changes, trigger.dagId, [
      {
        workflowId,
        input: request.input ?? null,
        createdBy: trigger.createdBy,
        trigger: {
          type: 'trigger',
          triggerId,
          ...(key !== undefined ? { idempotencyKey: key } : {}),
        },
      },
    ]);
    await touchTrigger(tx, triggerId, changes.now);
    return { workflowId, started: true };
  });
}
