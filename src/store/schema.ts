/**
 * The database as Kysely sees it. Seed 001's nine tables keep their names and columns (so the seed's own SQL runs
 * unchanged against a Flowgate database); the columns after a blank line in each table are Flowgate's additions.
 *
 * Timestamps are ISO 8601 UTC text in both dialects (written by the app's clock, never by SQL `now()`), so they sort
 * as text and compare the same way everywhere. JSON columns are text in SQLite and jsonb in PostgreSQL; the driver
 * is set to return both as text, and the repositories parse them.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** An auto-increment key: generated on insert, a number when read. */
type AutoId = Generated<number>;
/** A column with a database default. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export interface UsersTable {
  user_id: string;
  username: string;
  full_name: string | null;
  email: string | null;
  role: string | null;
  created_at: Defaulted<string>;
  last_login: string | null;

  /** An argon2id PHC string; null for an account that cannot log in with a password. */
  password_hash: string | null;
  /** 1 or 0 (an integer in both dialects); a deactivated user can neither log in nor use a token or key. */
  is_active: Defaulted<number>;
  /** Seed 004's preferences (theme, timezone, notifications), as JSON. */
  preferences: string | null;
  updated_at: string | null;
  /** The Slack member id (`U…`) whose button clicks act as this user; set by admins only (migration 0010). */
  slack_user_id: Defaulted<string | null>;
}

export interface SessionsTable {
  session_id: string;
  user_id: string;
  workflow_id: string | null;
  status: Defaulted<string>;
  created_at: Defaulted<string>;
  updated_at: Defaulted<string>;
  completed_at: string | null;
  metadata: string | null;

  ip: string | null;
  user_agent: string | null;
  /** The refresh-token family issued at the login that opened this session. */
  refresh_family: string | null;
  expires_at: string | null;
}

export interface WorkflowsTable {
  workflow_id: string;
  dag_id: string;
  session_id: string | null;
  name: string | null;
  description: string | null;
  status: Defaulted<string>;
  created_at: Defaulted<string>;
  started_at: string | null;
  completed_at: string | null;
  created_by: string | null;
  graph_json: string | null;
  result: string | null;
  error: string | null;

  dag_version: number;
  input: string | null;
  /** Why a paused run is paused: `hitl` (waiting for people; resumes by itself) or `user` (resumes on request). */
  pause_reason: string | null;
  deadline_at: string | null;
  max_concurrency: number | null;
  parent_workflow_id: string | null;
  parent_node_id: string | null;
  updated_at: string | null;
  /** Seed 003's context variables: a JSON object templates read as `context`, changed by `updateContext`. */
  context: Defaulted<string | null>;
}

export interface WorkflowNodesTable {
  id: AutoId;
  workflow_id: string;
  node_id: string;
  node_type: string | null;
  agent_id: string | null;
  status: Defaulted<string>;
  started_at: string | null;
  completed_at: string | null;
  result: string | null;
  error: string | null;
  config: string | null;

  tool_name: string | null;
  /** Claims so far; each claim is a new lease epoch, and a completion is fenced by it. */
  attempt: Defaulted<number>;
  /** Failed attempts, counted against the retry budget (a lost lease is not a failure). */
  failures: Defaulted<number>;
  /** Set when the node may be claimed, at or after this time (retry backoff and timers push it later). */
  ready_at: string | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
  child_workflow_id: string | null;
}

export interface WorkflowEventsTable {
  id: AutoId;
  workflow_id: string;
  event_type: string;
  event_data: string | null;
  created_at: Defaulted<string>;
}

export interface AgentExecutionsTable {
  id: AutoId;
  execution_id: string;
  agent_id: string;
  workflow_id: string | null;
  node_id: string | null;
  input: string | null;
  output: string | null;
  status: Defaulted<string>;
  started_at: string | null;
  completed_at: string | null;
  error: string | null;

  /** `agent` or `tool`: tools are recorded too, with their name in agent_id. */
  kind: Defaulted<string>;
  attempt: Defaulted<number>;
  duration_ms: number | null;

  /** AI nodes' model and tool calls (kind `model_call`, `tool_call`): migration 0007. */
  loop_key: string | null;
  step_key: string | null;
  tool_call_id: string | null;
  provider: string | null;
  model: string | null;
  response_model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cached_input_tokens: number | null;
  reasoning_tokens: number | null;
  cost_usd: number | null;
  cost_source: string | null;
  http_status: number | null;

  /** The planner's model calls (kind `planner_call`): the plan they drafted (migration 0012). */
  plan_id: string | null;
}

export interface HitlRequestsTable {
  id: AutoId;
  request_id: string;
  workflow_id: string;
  node_id: string;
  message: string | null;
  status: Defaulted<string>;
  created_at: Defaulted<string>;
  responded_at: string | null;
  responded_by: string | null;
  response: string | null;

  dag_id: string | null;
  /** The node attempt that raised the request; a retried gate raises a new request. */
  attempt: Defaulted<number>;
  /** The HITL rules of the node (approvers, quorum, options, form, editable, timeout...), as JSON. */
  spec: string | null;
  /** What the approver sees: earlier nodes' outputs and the run's input, as JSON. */
  context: string | null;
  /** The node's final output once decided ({approved, response, value, edits, decidedBy, decidedAt}). */
  decision: string | null;
  run_started_by: string | null;
  expires_at: string | null;
  updated_at: string | null;
  /** The next reminder's due time; null when none is left (0008). */
  next_reminder_at: string | null;
  reminders_sent: Defaulted<number>;
  /** The next escalation level's due time; null when none is left. */
  next_escalation_at: string | null;
  /** How many escalation levels have fired. */
  escalation_level: Defaulted<number>;
}

/** One person's vote on a request; a request closes when its quorum is met (or one rejection vetoes). */
export interface HitlDecisionsTable {
  id: AutoId;
  request_id: string;
  user_id: string;
  decision: string;
  comment: string | null;
  value: string | null;
  edits: string | null;
  channel: string | null;
  metadata: string | null;
  created_at: string;
}

export interface PlansTable {
  plan_id: string;
  user_id: string;
  request: string | null;
  plan_json: string | null;
  status: Defaulted<string>;
  created_at: Defaulted<string>;
  approved_at: string | null;
  rejected_at: string | null;
  rejection_reason: string | null;
  // Flowgate's (0009): see migrations/0009-planner.ts.
  thread_id: string | null;
  version: number | null;
  problems: string | null;
  model: string | null;
  dag_id: string | null;
  dag_version: number | null;
  workflow_id: string | null;
  decided_by: string | null;
  executed_at: string | null;
  updated_at: string | null;
}

/** One row per exchange with the planner (seed 001's shape); `thread_id` is the conversation. */
export interface PlannerConversationsTable {
  conversation_id: string;
  user_id: string;
  message: string | null;
  response: string | null;
  created_at: Defaulted<string>;
  thread_id: string | null;
  turn: number | null;
  plan_id: string | null;
}

export interface PlanVersionsTable {
  plan_id: string;
  version: number;
  plan_json: string;
  problems: string | null;
  created_by: string | null;
  created_at: string;
}

export interface DagsTable {
  dag_id: string;
  name: string | null;
  description: string | null;
  latest_version: number;
  permissions: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

/** Immutable: a run is pinned to the version it started on. */
export interface DagVersionsTable {
  dag_id: string;
  version: number;
  format: string;
  /** The normalized definition the engine runs. */
  definition: string;
  /** The document as submitted. */
  source: string | null;
  checksum: string;
  created_by: string | null;
  created_at: string;
}

/** Refresh tokens, stored only as SHA-256 hashes; a rotation spends one and issues the next of its family. */
export interface RefreshTokensTable {
  token_hash: string;
  family_id: string;
  user_id: string;
  session_id: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  revoked_at: string | null;
}

/** API keys, stored only as SHA-256 hashes; the prefix is kept to tell keys apart in a list. */
export interface ApiKeysTable {
  key_id: string;
  user_id: string;
  name: string;
  key_hash: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/**
 * The run's state after a node completed: kept for the last 50 completions of each run (seed 003). `seq` counts the
 * completions of the run's current history (a rollback deletes the snapshots after its target, so the next
 * completion continues from it). Only what changed is stored in full: the node's result; the other nodes' statuses
 * are one letter each, in definition order (see engine/snapshot-state.ts); the context when the run has one.
 */
export interface WorkflowSnapshotsTable {
  workflow_id: string;
  seq: number;
  snapshot_id: string;
  node_id: string;
  statuses: string;
  result: string | null;
  context: string | null;
  created_at: string;
}

/** A rollback to a snapshot: running while its compensations run, then completed, failed or cancelled. */
export interface WorkflowRollbacksTable {
  rollback_id: string;
  workflow_id: string;
  snapshot_id: string;
  target_seq: number;
  status: string;
  requested_by: string | null;
  error: string | null;
  created_at: string;
  completed_at: string | null;
}

/**
 * One node a rollback undoes, in `position` order (the reverse of completion). `kind`/`name` name the agent or tool
 * that compensates it (null: the node names none, and is only reset). Leased while it runs, like a node.
 */
export interface WorkflowCompensationsTable {
  rollback_id: string;
  node_id: string;
  workflow_id: string;
  position: number;
  /** The snapshot the node's completion made: a completion compensated once is not compensated again. */
  snapshot_id: string;
  kind: string | null;
  name: string | null;
  input: string | null;
  status: string;
  attempt: Defaulted<number>;
  lease_owner: string | null;
  lease_expires_at: string | null;
  result: string | null;
  error: string | null;
  started_at: string | null;
  completed_at: string | null;
}

/** A cron schedule of a DAG; `next_fire_at` is the first occurrence not yet handled (null: none left). */
export interface SchedulesTable {
  schedule_id: string;
  dag_id: string;
  cron: string;
  timezone: string;
  /** The input of each run it starts, as JSON. */
  input: string | null;
  /** none, latest or all: what becomes of occurrences missed while no scheduler ran. */
  catchup: string;
  catchup_window_seconds: number;
  max_catchup_runs: number;
  /** skip, buffer_one or allow: an occurrence due while the previous run is still active. */
  overlap: string;
  /** 1 or 0 (an integer in both dialects). */
  paused: Defaulted<number>;
  next_fire_at: string | null;
  last_scheduled_for: string | null;
  /** The run it started last: the one an overlap policy waits for. */
  last_workflow_id: string | null;
  /** The occurrence `buffer_one` holds back until the active run ends. */
  buffered_for: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** What became of each occurrence a schedule handled; the key makes a scheduled time start at most one run. */
export interface ScheduleFiresTable {
  schedule_id: string;
  scheduled_for: string;
  /** started, skipped or buffered. */
  outcome: string;
  reason: string | null;
  workflow_id: string | null;
  created_at: string;
  updated_at: string;
}

/** An inbound trigger: a URL that starts a run of its DAG; its secret is kept as a SHA-256 hash. */
export interface TriggersTable {
  trigger_id: string;
  dag_id: string;
  name: string | null;
  /** bearer or standard_webhooks. */
  auth: string;
  secret_hash: string;
  /** The HMAC key of a standard_webhooks trigger (an HMAC cannot be checked against a hash). */
  signing_key: string | null;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
}

/** The run each Idempotency-Key (or webhook-id) of a trigger started, so that a repeat starts nothing. */
export interface TriggerRequestsTable {
  trigger_id: string;
  idempotency_key: string;
  workflow_id: string;
  created_at: string;
}

/** A message that leaves the process (mail), written with the change that causes it; see migration 0005. */
export interface OutboxMessagesTable {
  message_id: string;
  /** `email`. */
  channel: string;
  /** What it is for: `hitl.approver`, `hitl.copy`, `node.email`. */
  kind: string;
  workflow_id: string | null;
  request_id: string | null;
  node_id: string | null;
  /** The approver a decision mail is for (its link is bound to them). */
  user_id: string | null;
  payload: string;
  /** pending, sent, failed, skipped. */
  status: string;
  attempts: Defaulted<number>;
  max_attempts: number;
  /** When it is due; a claim moves it forward by the sender's lease. */
  next_attempt_at: string;
  lease_owner: string | null;
  last_error: string | null;
  provider_message_id: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
  /** The webhook subscription a `webhook` message goes to (migration 0006). */
  subscription_id: string | null;
}

/** One try at sending a message; `outcome` stays null when the sender died mid-way. */
export interface OutboxAttemptsTable {
  id: Generated<number>;
  message_id: string;
  attempt: number;
  sender: string;
  started_at: string;
  finished_at: string | null;
  /** sent, retry, failed. */
  outcome: string | null;
  error: string | null;
  response: string | null;
  /** The receiver's HTTP status, when one answered (migration 0006). */
  status_code: number | null;
}

/** A decision link: one approver, one request, an expiry, single use; only the secret's hash is kept. */
export interface ActionTokensTable {
  token_id: string;
  secret_hash: string;
  request_id: string;
  workflow_id: string;
  user_id: string;
  message_id: string | null;
  channel: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  used_decision: string | null;
  revoked_at: string | null;
  /** closed, superseded. */
  revoked_reason: string | null;
}

/** Random keys the server makes once and every process shares. */
export interface FlowgateKeysTable {
  name: string;
  value: string;
  created_at: string;
}

/** Where webhook events go, and how they are signed; see migration 0006. */
export interface WebhookSubscriptionsTable {
  subscription_id: string;
  url: string;
  description: string | null;
  /** The event filter, JSON text: `["hitl.*", "workflow.failed"]`. */
  events: string;
  secret: string;
  /** A rotated-out secret, still signing until `previous_secret_expires_at`. */
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  is_active: Defaulted<number>;
  disabled_reason: string | null;
  disabled_at: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** Where chat pings go: a Slack incoming webhook or a Teams Workflows URL; see migration 0010. */
export interface ChatDestinationsTable {
  destination_id: string;
  /** slack or teams. */
  kind: string;
  name: string;
  url: string;
  is_active: Defaulted<number>;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  workflows: WorkflowsTable;
  workflow_nodes: WorkflowNodesTable;
  workflow_events: WorkflowEventsTable;
  agent_executions: AgentExecutionsTable;
  hitl_requests: HitlRequestsTable;
  hitl_decisions: HitlDecisionsTable;
  plans: PlansTable;
  planner_conversations: PlannerConversationsTable;
  plan_versions: PlanVersionsTable;
  dags: DagsTable;
  dag_versions: DagVersionsTable;
  refresh_tokens: RefreshTokensTable;
  api_keys: ApiKeysTable;
  schedules: SchedulesTable;
  schedule_fires: ScheduleFiresTable;
  triggers: TriggersTable;
  trigger_requests: TriggerRequestsTable;
  workflow_snapshots: WorkflowSnapshotsTable;
  workflow_rollbacks: WorkflowRollbacksTable;
  workflow_compensations: WorkflowCompensationsTable;
  outbox_messages: OutboxMessagesTable;
  outbox_attempts: OutboxAttemptsTable;
  action_tokens: ActionTokensTable;
  flowgate_keys: FlowgateKeysTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  chat_destinations: ChatDestinationsTable;
}

export type WorkflowRow = Selectable<WorkflowsTable>;
export type WorkflowNodeRow = Selectable<WorkflowNodesTable>;
export type WorkflowEventRow = Selectable<WorkflowEventsTable>;
export type HitlRequestRow = Selectable<HitlRequestsTable>;
export type HitlDecisionRow = Selectable<HitlDecisionsTable>;
export type DagVersionRow = Selectable<DagVersionsTable>;
export type NewWorkflowNode = Insertable<WorkflowNodesTable>;
export type NewWorkflowEvent = Insertable<WorkflowEventsTable>;
export type NewAgentExecution = Insertable<AgentExecutionsTable>;
