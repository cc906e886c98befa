/** How an inbound trigger checks its callers. */
export const TriggerAuth = { bearer: 'bearer', standardWebhooks: 'standard_webhooks' } as const;
export type TriggerAuth = (typeof TriggerAuth)[keyof typeof TriggerAuth];

export const TRIGGER_AUTH_VALUES = Object.values(TriggerAuth);
