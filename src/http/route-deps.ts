import type { Flowgate } from '../app/flowgate.js';
import type { AuthService } from '../auth/auth-service.js';

/** What the routes are handed: the app facade and the account service. */
export interface RouteDeps {
  readonly flowgate: Pick<Flowgate, 'countWorkflows'>;
  readonly auth: AuthService;
  /** Login attempts allowed per client address and window. */
  readonly loginRateLimit: { readonly max: number; readonly timeWindowMs: number };
}
