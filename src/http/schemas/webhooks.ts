/** Webhook subscriptions and their delivery log as the API shows them (API.md "Webhooks"). */
import { z } from 'zod';

export const Webhook = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.string()),
    active: z.boolean(),
    disabledReason: z.string().nullable(),
    disabledAt: z.string().nullable(),
    previousSecretExpiresAt: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('A webhook subscription (its secret is shown only when created or rotated)');

export const CreatedWebhook = Webhook.extend({
  secret: z.string().describe('`whsec_…`: shown once'),
});

export const WebhookList = z.object({ items: z.array(Webhook), nextCursor: z.string().nullable() });

export const CreateWebhookBody = z.object({
  url: z.string().min(1).max(2048),
  events: z.array(z.string().min(1).max(100)).min(1).max(50),
  description: z.string().max(500).optional(),
});

export const UpdateWebhookBody = z.object({
  url: z.string().min(1).max(2048).optional(),
  events: z.array(z.string().min(1).max(100)).min(1).max(50).optional(),
  description: z.string().max(500).nullable().optional(),
  active: z.boolean().optional(),
});

export const RotatedSecret = z.object({
  secret: z.string(),
  previousSecretExpiresAt: z.string(),
});

export const DeliveryRef = z.object({ deliveryId: z.string() });

export const DeliveryParams = z.object({
  id: z.string().min(1).max(200),
  deliveryId: z.string().min(1).max(200),
});

export const WebhookDelivery = z.object({
  id: z.string(),
  type: z.string(),
  status: z.string(),
  attempts: z.array(
    z.object({
      attempt: z.number(),
      startedAt: z.string(),
      finishedAt: z.string().nullable(),
      outcome: z.string().nullable(),
      statusCode: z.number().nullable(),
      error: z.string().nullable(),
      response: z.string().nullable(),
    }),
  ),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});

export const WebhookDeliveryList = z.object({
  items: z.array(WebhookDelivery),
  nextCursor: z.string().nullable(),
});
