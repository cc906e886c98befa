-- table action_tokens
token_id text not null
secret_hash text not null
request_id text not null
workflow_id text not null
user_id text not null
message_id text null
channel text not null
created_at text not null
expires_at text not null
used_at text null
used_decision text null
revoked_at text null
revoked_reason text null

-- table agent_executions
id bigint not null
execution_id text not null
agent_id text not null
workflow_id text null
node_id text null
input jsonb null
output jsonb null
status text null default 'pending'::text
started_at text null
completed_at text null
error text null
kind text not null default 'agent'::text
attempt integer not null default 1
duration_ms integer null
loop_key text null
step_key text null
tool_call_id text null
provider text null
model text null
response_model text null
input_tokens integer null
output_tokens integer null
cached_input_tokens integer null
reasoning_tokens integer null
cost_usd double precision null
cost_source text null
http_status integer null
plan_id text null

-- table api_keys
key_id text not null
user_id text not null
name text not null
key_hash text not null
prefix text not null
created_at text not null
last_used_at text null
revoked_at text null

-- table chat_destinations
destination_id text not null
kind text not null
name text not null
url text not null
is_active integer not null default 1
created_by text null
created_at text not null
updated_at text not null

-- table dag_versions
dag_id text not null
version integer not null
format text not null
definition jsonb not null
source jsonb null
checksum text not null
created_by text null
created_at text not null

-- table dags
dag_id text not null
name text null
description text null
latest_version integer not null
permissions jsonb null
created_by text null
created_at text not null
updated_at text not null
archived_at text null

-- table flowgate_keys
name text not null
value text not null
created_at text not null

-- table flowgate_migrations
name character varying not null
timestamp character varying not null

-- table flowgate_migrations_lock
id character varying not null
is_locked integer not null default 0

-- table hitl_decisions
id bigint not null
request_id text not null
user_id text not null
decision text not null
comment text null
value jsonb null
edits jsonb null
channel text null
metadata jsonb null
created_at text not null

-- table hitl_requests
id bigint not null
request_id text not null
workflow_id text not null
node_id text not null
message text null
status text null default 'pending'::text
created_at text null default to_char((now() AT TIME ZONE 'utc'::text), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'::text)
responded_at text null
responded_by text null
response text null
dag_id text null
attempt integer not null default 1
spec jsonb null
context jsonb null
decision jsonb null
run_started_by text null
expires_at text null
updated_at text null
next_reminder_at text null
reminders_sent integer not null default 0
next_escalation_at text null
escalation_level integer not null default 0

-- table outbox_attempts
id bigint not null
message_id text not null
attempt integer not null
sender text not null
started_at text not null
finished_at text null
outcome text null
error text null
response text null
status_code integer null

-- table outbox_messages
message_id text not null
channel text not null
kind text not null
workflow_id text null
request_id text null
node_id text null
user_id text null
payload jsonb not null
status text not null
attempts integer not null default 0
max_attempts integer not null
next_attempt_at text not null
lease_owner text null
last_error text null
provider_message_id text null
created_at text not null
updated_at text not null
sent_at text null
subscription_id text null

-- table plan_versions
plan_id text not null
version integer not null
plan_json jsonb not null
problems jsonb null
created_by text null
created_at text not null

-- table planner_conversations
conversation_id text not null
user_id text not null
message text null
response text null
created_at text null default to_char((now() AT TIME ZONE 'utc'::text), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'::text)
thread_id text null
turn integer null
plan_id text null

-- table plans
plan_id text not null
user_id text not null
request text null
plan_json jsonb null
status text null default 'pending_approval'::text
created_at text null default to_char((now() AT TIME ZONE 'utc'::text), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'::text)
approved_at text null
rejected_at text null
rejection_reason text null
thread_id text null
version integer null
problems jsonb null
model text null
dag_id text null
dag_version integer null
workflow_id text null
decided_by text null
executed_at text null
updated_at text null

-- table refresh_tokens
token_hash text not null
family_id text not null
user_id text not null
session_id text null
created_at text not null
expires_at text not null
used_at text null
revoked_at text null

-- table schedule_fires
schedule_id text not null
scheduled_for text not null
outcome text not null
reason text null
workflow_id text null
created_at text not null
updated_at text not null

-- table schedules
schedule_id text not null
dag_id text not null
cron text not null
timezone text not null
input jsonb null
catchup text not null
catchup_window_seconds integer not null
max_catchup_runs integer not null
overlap text not null
paused integer not null default 0
next_fire_at text null
last_scheduled_for text null
last_workflow_id text null
buffered_for text null
created_by text null
created_at text not null
updated_at text not null

-- table sessions
session_id text not null
user_id text not null
workflow_id text null
status text null default 'active'::text
created_at text null default to_char((now() AT TIME ZONE 'utc'::text), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'::text)
updated_at text null default to_char((now() AT TIME ZONE 'utc'::text), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'::text)
completed_at text null
metadata jsonb null
ip text null
user_agent text null
refresh_family text null
expires_at text null

-- table trigger_requests
trigger_id text not null
idempotency_key text not null
workflow_id text not null
created_at text not null

-- table triggers
trigger_id text not null
dag_id text not null
name text null
auth text not null
secret_hash text not null
signing_key text null
created_by text null
created_at text not null
last_used_at text null

-- table users
user_id text not null
username text not null
full_name text null
email text null
role text null
created_at text null default to_char((now() AT TIME ZONE 'utc'::text), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'::text)
last_login text null
password_hash text null
is_active integer not null default 1
preferences jsonb null
updated_at text null
slack_user_id text null

-- table webhook_subscriptions
subscription_id text not null
url text not null
description text null
events text not null
secret text not null
previous_secret text null
previous_secret_expires_at text null
is_active integer not null default 1
disabled_reason text null
disabled_at text null
created_by text null
created_at text not null
updated_at text not null

-- table workflow_compensations
rollback_id text not null
node_id text not null
workflow_id text not null
position integer not null
snapshot_id text not null
kind text null
name text null
input jsonb null
status text not null
attempt integer not null default 0
lease_owner text null
lease_expires_at text null
result jsonb null
error text null
started_at text null
completed_at text null

-- table workflow_events
id bigint not null
workflow_id text not null
event_type text not null
event_data jsonb null
created_at text null default to_char((now() AT TIME ZONE 'utc'::text), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'::text)

-- table workflow_nodes
id bigint not null
workflow_id text not null
node_id text not null
node_type text null
agent_id text null
status text null default 'pending'::text
started_at text null
completed_at text null
result jsonb null
error text null
config jsonb null
tool_name text null
attempt integer not null default 0
failures integer not null default 0
ready_at text null
lease_owner text null
lease_expires_at text null
child_workflow_id text null

-- table workflow_rollbacks
rollback_id text not null
workflow_id text not null
snapshot_id text not null
target_seq integer not null
status text not null
requested_by text null
error text null
created_at text not null
completed_at text null

-- table workflow_snapshots
workflow_id text not null
seq integer not null
snapshot_id text not null
node_id text not null
statuses text not null
result jsonb null
context jsonb null
created_at text not null

-- table workflows
workflow_id text not null
dag_id text not null
session_id text null
name text null
description text null
status text null default 'pending'::text
created_at text null default to_char((now() AT TIME ZONE 'utc'::text), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'::text)
started_at text null
completed_at text null
created_by text null
graph_json jsonb null
result jsonb null
error text null
dag_version integer not null default 1
input jsonb null
pause_reason text null
deadline_at text null
max_concurrency integer null
parent_workflow_id text null
parent_node_id text null
updated_at text null
context jsonb null

-- indexes
CREATE UNIQUE INDEX action_tokens_pkey ON public.action_tokens USING btree (token_id);
CREATE INDEX idx_action_tokens_message_id ON public.action_tokens USING btree (message_id);
CREATE INDEX idx_action_tokens_request_id ON public.action_tokens USING btree (request_id);
CREATE UNIQUE INDEX agent_executions_execution_id_key ON public.agent_executions USING btree (execution_id);
CREATE UNIQUE INDEX agent_executions_pkey ON public.agent_executions USING btree (id);
CREATE INDEX idx_agent_executions_agent_id ON public.agent_executions USING btree (agent_id);
CREATE INDEX idx_agent_executions_kind_started ON public.agent_executions USING btree (kind, started_at);
CREATE INDEX idx_agent_executions_node ON public.agent_executions USING btree (workflow_id, node_id);
CREATE INDEX idx_agent_executions_plan ON public.agent_executions USING btree (plan_id) WHERE (plan_id IS NOT NULL);
CREATE INDEX idx_agent_executions_status ON public.agent_executions USING btree (status);
CREATE INDEX idx_agent_executions_workflow_id ON public.agent_executions USING btree (workflow_id);
CREATE UNIQUE INDEX api_keys_key_hash_key ON public.api_keys USING btree (key_hash);
CREATE UNIQUE INDEX api_keys_pkey ON public.api_keys USING btree (key_id);
CREATE INDEX idx_api_keys_user_id ON public.api_keys USING btree (user_id, created_at);
CREATE UNIQUE INDEX chat_destinations_name_key ON public.chat_destinations USING btree (name);
CREATE UNIQUE INDEX chat_destinations_pkey ON public.chat_destinations USING btree (destination_id);
CREATE UNIQUE INDEX dag_versions_pkey ON public.dag_versions USING btree (dag_id, version);
CREATE UNIQUE INDEX dags_pkey ON public.dags USING btree (dag_id);
CREATE UNIQUE INDEX flowgate_keys_pkey ON public.flowgate_keys USING btree (name);
CREATE UNIQUE INDEX flowgate_migrations_pkey ON public.flowgate_migrations USING btree (name);
CREATE UNIQUE INDEX flowgate_migrations_lock_pkey ON public.flowgate_migrations_lock USING btree (id);
CREATE UNIQUE INDEX hitl_decisions_pkey ON public.hitl_decisions USING btree (id);
CREATE UNIQUE INDEX hitl_decisions_request_id_user_id_key ON public.hitl_decisions USING btree (request_id, user_id);
CREATE UNIQUE INDEX hitl_requests_pkey ON public.hitl_requests USING btree (id);
CREATE UNIQUE INDEX hitl_requests_request_id_key ON public.hitl_requests USING btree (request_id);
CREATE INDEX idx_hitl_requests_created_at ON public.hitl_requests USING btree (created_at);
CREATE INDEX idx_hitl_requests_decided ON public.hitl_requests USING btree (responded_at, request_id) WHERE (responded_at IS NOT NULL);
CREATE INDEX idx_hitl_requests_decided_by ON public.hitl_requests USING btree (responded_by, responded_at, request_id) WHERE (responded_at IS NOT NULL);
CREATE INDEX idx_hitl_requests_next_escalation ON public.hitl_requests USING btree (next_escalation_at) WHERE ((status = 'pending'::text) AND (next_escalation_at IS NOT NULL));
CREATE INDEX idx_hitl_requests_next_reminder ON public.hitl_requests USING btree (next_reminder_at) WHERE ((status = 'pending'::text) AND (next_reminder_at IS NOT NULL));
CREATE INDEX idx_hitl_requests_pending_expiry ON public.hitl_requests USING btree (expires_at) WHERE ((status = 'pending'::text) AND (expires_at IS NOT NULL));
CREATE INDEX idx_hitl_requests_status ON public.hitl_requests USING btree (status, created_at, request_id);
CREATE INDEX idx_hitl_requests_workflow_id ON public.hitl_requests USING btree (workflow_id);
CREATE INDEX idx_outbox_attempts_message_id ON public.outbox_attempts USING btree (message_id, attempt);
CREATE UNIQUE INDEX outbox_attempts_pkey ON public.outbox_attempts USING btree (id);
CREATE INDEX idx_outbox_messages_due ON public.outbox_messages USING btree (next_attempt_at) WHERE (status = 'pending'::text);
CREATE INDEX idx_outbox_messages_request_id ON public.outbox_messages USING btree (request_id);
CREATE INDEX idx_outbox_messages_subscription_id ON public.outbox_messages USING btree (subscription_id);
CREATE UNIQUE INDEX outbox_messages_pkey ON public.outbox_messages USING btree (message_id);
CREATE UNIQUE INDEX plan_versions_pkey ON public.plan_versions USING btree (plan_id, version);
CREATE INDEX idx_planner_conversations_created_at ON public.planner_conversations USING btree (created_at);
CREATE UNIQUE INDEX idx_planner_conversations_thread ON public.planner_conversations USING btree (thread_id, turn);
CREATE INDEX idx_planner_conversations_user_id ON public.planner_conversations USING btree (user_id);
CREATE UNIQUE INDEX planner_conversations_pkey ON public.planner_conversations USING btree (conversation_id);
CREATE INDEX idx_plans_created_at ON public.plans USING btree (created_at);
CREATE INDEX idx_plans_status ON public.plans USING btree (status);
CREATE INDEX idx_plans_user_id ON public.plans USING btree (user_id);
CREATE UNIQUE INDEX plans_pkey ON public.plans USING btree (plan_id);
CREATE INDEX idx_refresh_tokens_family_id ON public.refresh_tokens USING btree (family_id);
CREATE INDEX idx_refresh_tokens_user_id ON public.refresh_tokens USING btree (user_id);
CREATE UNIQUE INDEX refresh_tokens_pkey ON public.refresh_tokens USING btree (token_hash);
CREATE UNIQUE INDEX schedule_fires_pkey ON public.schedule_fires USING btree (schedule_id, scheduled_for);
CREATE INDEX idx_schedules_dag_id ON public.schedules USING btree (dag_id);
CREATE INDEX idx_schedules_due ON public.schedules USING btree (paused, next_fire_at);
CREATE UNIQUE INDEX schedules_pkey ON public.schedules USING btree (schedule_id);
CREATE INDEX idx_sessions_user_id ON public.sessions USING btree (user_id);
CREATE UNIQUE INDEX sessions_pkey ON public.sessions USING btree (session_id);
CREATE INDEX idx_trigger_requests_created_at ON public.trigger_requests USING btree (created_at);
CREATE UNIQUE INDEX trigger_requests_pkey ON public.trigger_requests USING btree (trigger_id, idempotency_key);
CREATE INDEX idx_triggers_dag_id ON public.triggers USING btree (dag_id);
CREATE UNIQUE INDEX triggers_pkey ON public.triggers USING btree (trigger_id);
CREATE UNIQUE INDEX idx_users_slack_user_id ON public.users USING btree (slack_user_id) WHERE (slack_user_id IS NOT NULL);
CREATE UNIQUE INDEX users_pkey ON public.users USING btree (user_id);
CREATE UNIQUE INDEX users_username_key ON public.users USING btree (username);
CREATE UNIQUE INDEX webhook_subscriptions_pkey ON public.webhook_subscriptions USING btree (subscription_id);
CREATE INDEX idx_workflow_compensations_workflow_id ON public.workflow_compensations USING btree (workflow_id);
CREATE UNIQUE INDEX workflow_compensations_pkey ON public.workflow_compensations USING btree (rollback_id, node_id);
CREATE INDEX idx_workflow_events_created_at ON public.workflow_events USING btree (created_at);
CREATE INDEX idx_workflow_events_event_type ON public.workflow_events USING btree (event_type);
CREATE INDEX idx_workflow_events_workflow_id ON public.workflow_events USING btree (workflow_id);
CREATE UNIQUE INDEX workflow_events_pkey ON public.workflow_events USING btree (id);
CREATE INDEX idx_workflow_nodes_claimable ON public.workflow_nodes USING btree (ready_at) WHERE ((status = 'pending'::text) AND (ready_at IS NOT NULL));
CREATE INDEX idx_workflow_nodes_leases ON public.workflow_nodes USING btree (lease_expires_at) WHERE ((status = 'running'::text) AND (lease_expires_at IS NOT NULL));
CREATE INDEX idx_workflow_nodes_status ON public.workflow_nodes USING btree (status);
CREATE INDEX idx_workflow_nodes_workflow_id ON public.workflow_nodes USING btree (workflow_id);
CREATE UNIQUE INDEX workflow_nodes_pkey ON public.workflow_nodes USING btree (id);
CREATE UNIQUE INDEX workflow_nodes_workflow_id_node_id_key ON public.workflow_nodes USING btree (workflow_id, node_id);
CREATE INDEX idx_workflow_rollbacks_running ON public.workflow_rollbacks USING btree (created_at) WHERE (status = 'running'::text);
CREATE INDEX idx_workflow_rollbacks_workflow_id ON public.workflow_rollbacks USING btree (workflow_id, created_at);
CREATE UNIQUE INDEX workflow_rollbacks_pkey ON public.workflow_rollbacks USING btree (rollback_id);
CREATE UNIQUE INDEX workflow_snapshots_pkey ON public.workflow_snapshots USING btree (workflow_id, seq);
CREATE INDEX idx_workflows_created_at ON public.workflows USING btree (created_at);
CREATE INDEX idx_workflows_created_by ON public.workflows USING btree (created_by);
CREATE INDEX idx_workflows_dag_id ON public.workflows USING btree (dag_id);
CREATE INDEX idx_workflows_parent ON public.workflows USING btree (parent_workflow_id);
CREATE INDEX idx_workflows_session_id ON public.workflows USING btree (session_id);
CREATE INDEX idx_workflows_status ON public.workflows USING btree (status);
CREATE UNIQUE INDEX workflows_pkey ON public.workflows USING btree (workflow_id);
