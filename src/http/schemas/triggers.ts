/** Inbound triggers: URLs that start runs. */
import { z } from 'zod';

import { TRIGGER_AUTH_VALUES } from '../../app/triggers.js';

export const CreateTriggerBody = z
  .strictObject({
    name: z.string().max(100).optional(),
    auth: z
      .enum(TRIGGER_AUTH_VALUES)
      .optional()
      .describe(
        'bearer (the default: the secret is kept only as a hash), or standard_webhooks (signed requests too; ' +
          'the signing key is kept, since an HMAC cannot be checked against a hash)',
      ),
  })
  .describe('Everything is optional: an empty body makes a bearer trigger');

export const Trigger = z.object({
  id: z.string(),
  dagId: z.string(),
  name: z.string().nullable(),
  auth: z.string(),
  url: z.string().describe('Where callers POST to start a run'),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

export const CreatedTrigger = Trigger.extend({
  secret: z
    .string()
    .describe(
      'whsec_…, shown this once: send it as Authorization: Bearer, or sign with it (standard_webhooks)',
    ),
});

export const TriggerListQuery = z.object({
  dagId: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(1000).optional(),
});

export const TriggerList = z.object({ items: z.array(Trigger), nextCursor: z.string().nullable() });

export const TriggerParams = z.object({ triggerId: z.string().min(1).max(200) });

export const HookBody = z.unknown().describe('Any JSON: the input of the run');

export const HookAccepted = z
  .object({ workflowId: z.string() })
  .describe(
    'The run started; a repeat of an Idempotency-Key answers the first run, with Idempotent-Replayed: true',
  );
