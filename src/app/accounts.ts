/**
 * The accounts of a Flowgate (src/auth: users, sign-in, tokens, API keys) over the same database and clock as its
 * runs. The shells reach accounts through here, never src/auth directly.
 */
import { randomBytes } from 'node:crypto';

import { AuthService } from '../auth/auth-service.js';
import type { Flowgate } from './flowgate.js';

export { AuthService, ROLES } from '../auth/auth-service.js';
export type { AuthUser, NewUser, Role, TokenPair, UserUpdate } from '../auth/auth-service.js';
export type { ApiKeyInfo, CreatedApiKey } from '../auth/api-keys.js';

export interface AccountsOptions {
  /**
   * Signs access tokens (32+ characters). Without it a random key is made: right for a process that issues no tokens
   * (`flowgate user add`), and for a single server whose access tokens need not survive a restart.
   */
  readonly jwtSecret?: string;
}

export function createAccounts(flowgate: Flowgate, options: AccountsOptions = {}): AuthService {
  return new AuthService({
    store: flowgate.store,
    clock: flowgate.clock,
    jwtSecret: options.jwtSecret ?? randomBytes(32).toString('base64url'),
  });
}
