import { z } from 'zod';

export const Health = z.object({
  status: z.enum(['ok', 'error']),
  database: z.enum(['ok', 'error']),
});
