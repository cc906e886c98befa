import type { Flowgate } from '../app/flowgate.js';
import type { AuthService } from '../app/accounts.js';

/** The facade operations the routes use. */
export type FlowgateApi = Pick<
  Flowgate,
  | 'countWorkflows'
  | 'validateDag'
  | 'putDag'
  | 'getDag'
  | 'findDag'
  | 'findDagOfRequest'
  | 'listDags'
  | 'pageDags'
  | 'archiveDag'
  | 'start'
  | 'getWorkflow'
  | 'listWorkflows'
  | 'listEvents'
  | 'listHitl'
  | 'getHitl'
  | 'approve'
  | 'reject'
  | 'respond'
  | 'cancelHitl'
  | 'cancelRunHitl'
  | 'pause'
  | 'resume'
  | 'cancel'
  | 'retry'
  | 'listSnapshots'
  | 'rollback'
  | 'listCompensations'
  | 'updateContext'
  | 'clearRetryCounters'
  | 'events'
  | 'hitlMetrics'
  | 'agentMetrics'
  | 'aiUsage'
  | 'executionMetrics'
  | 'runTimeline'
  | 'gaugeCounts'
  | 'notificationMetrics'
  | 'schedules'
  | 'triggers'
  | 'links'
  | 'webhooks'
  | 'chat'
  | 'plans'
>;

/** What the routes are handed: the app facade and the account service. */
export interface RouteDeps {
  readonly flowgate: FlowgateApi;
  readonly auth: AuthService;
  /** Login attempts allowed per client address and window. */
  readonly loginRateLimit: { readonly max: number; readonly timeWindowMs: number };
}
