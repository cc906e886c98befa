/** Sign-in: password login, refresh-token rotation, logout. */
import { z } from 'zod';

import { User } from './users.js';

export const LoginBody = z.object({
  username: z.string().min(1).max(200),
  password: z.string().min(1).max(1024),
});

export const RefreshBody = z.object({ refreshToken: z.string().min(1).max(1000) });

export const TokenPair = z
  .object({
    accessToken: z.string().describe('A JWT for `Authorization: Bearer`; lives 15 minutes.'),
    refreshToken: z.string().describe('Single use: refreshing spends it and returns a new one.'),
    user: User,
  })
  .describe('A token pair');
