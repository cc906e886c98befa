/** The caller's API keys: the secret is returned once, at creation. */
import { z } from 'zod';

export const CreateApiKeyBody = z.object({ name: z.string().min(1).max(100) });

export const ApiKey = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string().describe('The first characters of the key, to tell keys apart.'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export const CreatedApiKey = z.object({
  id: z.string(),
  name: z.string(),
  key: z.string().describe('The secret: shown this once, never again.'),
  prefix: z.string(),
  createdAt: z.string(),
});

export const ApiKeyList = z.object({ items: z.array(ApiKey) });
