-- index idx_action_tokens_message_id on action_tokens
CREATE INDEX "idx_action_tokens_message_id" on "action_tokens" ("message_id");

-- index idx_action_tokens_request_id on action_tokens
CREATE INDEX "idx_action_tokens_request_id" on "action_tokens" ("request_id");

-- index idx_agent_executions_agent_id on agent_executions
CREATE INDEX "idx_agent_executions_agent_id" on "agent_executions" ("agent_id");

-- index idx_agent_executions_kind_started on agent_executions
CREATE INDEX "idx_agent_executions_kind_started" on "agent_executions" ("kind", "started_at");

-- index idx_agent_executions_node on agent_executions
CREATE INDEX "idx_agent_executions_node" on "agent_executions" ("workflow_id", "node_id");

-- index idx_agent_executions_plan on agent_executions
CREATE INDEX "idx_agent_executions_plan" on "agent_executions" ("plan_id") where "plan_id" is not null;

-- index idx_agent_executions_status on agent_executions
CREATE INDEX "idx_agent_executions_status" on "agent_executions" ("status");

-- index idx_agent_executions_workflow_id on agent_executions
CREATE INDEX "idx_agent_executions_workflow_id" on "agent_executions" ("workflow_id");

-- index idx_api_keys_user_id on api_keys
CREATE INDEX "idx_api_keys_user_id" on "api_keys" ("user_id", "created_at");

-- index idx_hitl_requests_created_at on hitl_requests
CREATE INDEX "idx_hitl_requests_created_at" on "hitl_requests" ("created_at");

-- index idx_hitl_requests_decided on hitl_requests
CREATE INDEX "idx_hitl_requests_decided" on "hitl_requests" ("responded_at", "request_id") where "responded_at" is not null;

-- index idx_hitl_requests_decided_by on hitl_requests
CREATE INDEX "idx_hitl_requests_decided_by" on "hitl_requests" ("responded_by", "responded_at", "request_id") where "responded_at" is not null;

-- index idx_hitl_requests_next_escalation on hitl_requests
CREATE INDEX "idx_hitl_requests_next_escalation" on "hitl_requests" ("next_escalation_at") where status = 'pending' and next_escalation_at is not null;

-- index idx_hitl_requests_next_reminder on hitl_requests
CREATE INDEX "idx_hitl_requests_next_reminder" on "hitl_requests" ("next_reminder_at") where status = 'pending' and next_reminder_at is not null;

-- index idx_hitl_requests_pending_expiry on hitl_requests
CREATE INDEX "idx_hitl_requests_pending_expiry" on "hitl_requests" ("expires_at") where status = 'pending' and expires_at is not null;

-- index idx_hitl_requests_status on hitl_requests
CREATE INDEX "idx_hitl_requests_status" on "hitl_requests" ("status", "created_at", "request_id");

-- index idx_hitl_requests_workflow_id on hitl_requests
CREATE INDEX "idx_hitl_requests_workflow_id" on "hitl_requests" ("workflow_id");

-- index idx_outbox_attempts_message_id on outbox_attempts
CREATE INDEX "idx_outbox_attempts_message_id" on "outbox_attempts" ("message_id", "attempt");

-- index idx_outbox_messages_due on outbox_messages
CREATE INDEX "idx_outbox_messages_due" on "outbox_messages" ("next_attempt_at") where status = 'pending';

-- index idx_outbox_messages_request_id on outbox_messages
CREATE INDEX "idx_outbox_messages_request_id" on "outbox_messages" ("request_id");

-- index idx_outbox_messages_subscription_id on outbox_messages
CREATE INDEX "idx_outbox_messages_subscription_id" on "outbox_messages" ("subscription_id");

-- index idx_planner_conversations_created_at on planner_conversations
CREATE INDEX "idx_planner_conversations_created_at" on "planner_conversations" ("created_at");

-- index idx_planner_conversations_thread on planner_conversations
CREATE UNIQUE INDEX "idx_planner_conversations_thread" on "planner_conversations" ("thread_id", "turn");

-- index idx_planner_conversations_user_id on planner_conversations
CREATE INDEX "idx_planner_conversations_user_id" on "planner_conversations" ("user_id");

-- index idx_plans_created_at on plans
CREATE INDEX "idx_plans_created_at" on "plans" ("created_at");

-- index idx_plans_status on plans
CREATE INDEX "idx_plans_status" on "plans" ("status");

-- index idx_plans_user_id on plans
CREATE INDEX "idx_plans_user_id" on "plans" ("user_id");

-- index idx_refresh_tokens_family_id on refresh_tokens
CREATE INDEX "idx_refresh_tokens_family_id" on "refresh_tokens" ("family_id");

-- index idx_refresh_tokens_user_id on refresh_tokens
CREATE INDEX "idx_refresh_tokens_user_id" on "refresh_tokens" ("user_id");

-- index idx_schedules_dag_id on schedules
CREATE INDEX "idx_schedules_dag_id" on "schedules" ("dag_id");

-- index idx_schedules_due on schedules
CREATE INDEX "idx_schedules_due" on "schedules" ("paused", "next_fire_at");

-- index idx_sessions_user_id on sessions
CREATE INDEX "idx_sessions_user_id" on "sessions" ("user_id");

-- index idx_trigger_requests_created_at on trigger_requests
CREATE INDEX "idx_trigger_requests_created_at" on "trigger_requests" ("created_at");

-- index idx_triggers_dag_id on triggers
CREATE INDEX "idx_triggers_dag_id" on "triggers" ("dag_id");

-- index idx_users_slack_user_id on users
CREATE UNIQUE INDEX "idx_users_slack_user_id" on "users" ("slack_user_id") where "slack_user_id" is not null;

-- index idx_workflow_compensations_workflow_id on workflow_compensations
CREATE INDEX "idx_workflow_compensations_workflow_id" on "workflow_compensations" ("workflow_id");

-- index idx_workflow_events_created_at on workflow_events
CREATE INDEX "idx_workflow_events_created_at" on "workflow_events" ("created_at");

-- index idx_workflow_events_event_type on workflow_events
CREATE INDEX "idx_workflow_events_event_type" on "workflow_events" ("event_type");

-- index idx_workflow_events_workflow_id on workflow_events
CREATE INDEX "idx_workflow_events_workflow_id" on "workflow_events" ("workflow_id");

-- index idx_workflow_nodes_claimable on workflow_nodes
CREATE INDEX "idx_workflow_nodes_claimable" on "workflow_nodes" ("ready_at") where status = 'pending' and ready_at is not null;

-- index idx_workflow_nodes_leases on workflow_nodes
CREATE INDEX "idx_workflow_nodes_leases" on "workflow_nodes" ("lease_expires_at") where status = 'running' and lease_expires_at is not null;

-- index idx_workflow_nodes_status on workflow_nodes
CREATE INDEX "idx_workflow_nodes_status" on "workflow_nodes" ("status");

-- index idx_workflow_nodes_workflow_id on workflow_nodes
CREATE INDEX "idx_workflow_nodes_workflow_id" on "workflow_nodes" ("workflow_id");

-- index idx_workflow_rollbacks_running on workflow_rollbacks
CREATE INDEX "idx_workflow_rollbacks_running" on "workflow_rollbacks" ("created_at") where status = 'running';

-- index idx_workflow_rollbacks_workflow_id on workflow_rollbacks
CREATE INDEX "idx_workflow_rollbacks_workflow_id" on "workflow_rollbacks" ("workflow_id", "created_at");

-- index idx_workflows_created_at on workflows
CREATE INDEX "idx_workflows_created_at" on "workflows" ("created_at");

-- index idx_workflows_created_by on workflows
CREATE INDEX "idx_workflows_created_by" on "workflows" ("created_by");

-- index idx_workflows_dag_id on workflows
CREATE INDEX "idx_workflows_dag_id" on "workflows" ("dag_id");

-- index idx_workflows_parent on workflows
CREATE INDEX "idx_workflows_parent" on "workflows" ("parent_workflow_id");

-- index idx_workflows_session_id on workflows
CREATE INDEX "idx_workflows_session_id" on "workflows" ("session_id");

-- index idx_workflows_status on workflows
CREATE INDEX "idx_workflows_status" on "workflows" ("status");

-- table action_tokens
CREATE TABLE "action_tokens" ("token_id" text primary key, "secret_hash" text not null, "request_id" text not null, "workflow_id" text not null, "user_id" text not null, "message_id" text, "channel" text not null, "created_at" text not null, "expires_at" text not null, "used_at" text, "used_decision" text, "revoked_at" text, "revoked_reason" text);

-- table agent_executions
CREATE TABLE "agent_executions" ("id" integer primary key, "execution_id" text not null unique, "agent_id" text not null, "workflow_id" text, "node_id" text, "input" text, "output" text, "status" text default 'pending', "started_at" text, "completed_at" text, "error" text, "kind" text default 'agent' not null, "attempt" integer default 1 not null, "duration_ms" integer, "loop_key" text, "step_key" text, "tool_call_id" text, "provider" text, "model" text, "response_model" text, "input_tokens" integer, "output_tokens" integer, "cached_input_tokens" integer, "reasoning_tokens" integer, "cost_usd" double precision, "cost_source" text, "http_status" integer, "plan_id" text);

-- table api_keys
CREATE TABLE "api_keys" ("key_id" text primary key, "user_id" text not null, "name" text not null, "key_hash" text not null unique, "prefix" text not null, "created_at" text not null, "last_used_at" text, "revoked_at" text);

-- table chat_destinations
CREATE TABLE "chat_destinations" ("destination_id" text primary key, "kind" text not null, "name" text not null unique, "url" text not null, "is_active" integer default 1 not null, "created_by" text, "created_at" text not null, "updated_at" text not null);

-- table dag_versions
CREATE TABLE "dag_versions" ("dag_id" text not null, "version" integer not null, "format" text not null, "definition" text not null, "source" text, "checksum" text not null, "created_by" text, "created_at" text not null, constraint "dag_versions_pkey" primary key ("dag_id", "version"));

-- table dags
CREATE TABLE "dags" ("dag_id" text primary key, "name" text, "description" text, "latest_version" integer not null, "permissions" text, "created_by" text, "created_at" text not null, "updated_at" text not null, "archived_at" text);

-- table flowgate_keys
CREATE TABLE "flowgate_keys" ("name" text primary key, "value" text not null, "created_at" text not null);

-- table flowgate_migrations
CREATE TABLE "flowgate_migrations" ("name" varchar(255) not null primary key, "timestamp" varchar(255) not null);

-- table flowgate_migrations_lock
CREATE TABLE "flowgate_migrations_lock" ("id" varchar(255) not null primary key, "is_locked" integer default 0 not null);

-- table hitl_decisions
CREATE TABLE "hitl_decisions" ("id" integer primary key autoincrement, "request_id" text not null, "user_id" text not null, "decision" text not null, "comment" text, "value" text, "edits" text, "channel" text, "metadata" text, "created_at" text not null, constraint "hitl_decisions_request_id_user_id_key" unique ("request_id", "user_id"));

-- table hitl_requests
CREATE TABLE "hitl_requests" ("id" integer primary key autoincrement, "request_id" text not null unique, "workflow_id" text not null, "node_id" text not null, "message" text, "status" text default 'pending', "created_at" text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), "responded_at" text, "responded_by" text, "response" text, "dag_id" text, "attempt" integer default 1 not null, "spec" text, "context" text, "decision" text, "run_started_by" text, "expires_at" text, "updated_at" text, "next_reminder_at" text, "reminders_sent" integer default 0 not null, "next_escalation_at" text, "escalation_level" integer default 0 not null);

-- table outbox_attempts
CREATE TABLE "outbox_attempts" ("id" integer primary key, "message_id" text not null, "attempt" integer not null, "sender" text not null, "started_at" text not null, "finished_at" text, "outcome" text, "error" text, "response" text, "status_code" integer);

-- table outbox_messages
CREATE TABLE "outbox_messages" ("message_id" text primary key, "channel" text not null, "kind" text not null, "workflow_id" text, "request_id" text, "node_id" text, "user_id" text, "payload" text not null, "status" text not null, "attempts" integer default 0 not null, "max_attempts" integer not null, "next_attempt_at" text not null, "lease_owner" text, "last_error" text, "provider_message_id" text, "created_at" text not null, "updated_at" text not null, "sent_at" text, "subscription_id" text);

-- table plan_versions
CREATE TABLE "plan_versions" ("plan_id" text not null, "version" integer not null, "plan_json" text not null, "problems" text, "created_by" text, "created_at" text not null, constraint "plan_versions_pkey" primary key ("plan_id", "version"));

-- table planner_conversations
CREATE TABLE "planner_conversations" ("conversation_id" text primary key, "user_id" text not null, "message" text, "response" text, "created_at" text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), "thread_id" text, "turn" integer, "plan_id" text);

-- table plans
CREATE TABLE "plans" ("plan_id" text primary key, "user_id" text not null, "request" text, "plan_json" text, "status" text default 'pending_approval', "created_at" text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), "approved_at" text, "rejected_at" text, "rejection_reason" text, "thread_id" text, "version" integer, "problems" text, "model" text, "dag_id" text, "dag_version" integer, "workflow_id" text, "decided_by" text, "executed_at" text, "updated_at" text);

-- table refresh_tokens
CREATE TABLE "refresh_tokens" ("token_hash" text primary key, "family_id" text not null, "user_id" text not null, "session_id" text, "created_at" text not null, "expires_at" text not null, "used_at" text, "revoked_at" text);

-- table schedule_fires
CREATE TABLE "schedule_fires" ("schedule_id" text not null, "scheduled_for" text not null, "outcome" text not null, "reason" text, "workflow_id" text, "created_at" text not null, "updated_at" text not null, constraint "schedule_fires_pkey" primary key ("schedule_id", "scheduled_for"));

-- table schedules
CREATE TABLE "schedules" ("schedule_id" text primary key, "dag_id" text not null, "cron" text not null, "timezone" text not null, "input" text, "catchup" text not null, "catchup_window_seconds" integer not null, "max_catchup_runs" integer not null, "overlap" text not null, "paused" integer default 0 not null, "next_fire_at" text, "last_scheduled_for" text, "last_workflow_id" text, "buffered_for" text, "created_by" text, "created_at" text not null, "updated_at" text not null);

-- table sessions
CREATE TABLE "sessions" ("session_id" text primary key, "user_id" text not null, "workflow_id" text, "status" text default 'active', "created_at" text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), "updated_at" text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), "completed_at" text, "metadata" text, "ip" text, "user_agent" text, "refresh_family" text, "expires_at" text);

-- table trigger_requests
CREATE TABLE "trigger_requests" ("trigger_id" text not null, "idempotency_key" text not null, "workflow_id" text not null, "created_at" text not null, constraint "trigger_requests_pkey" primary key ("trigger_id", "idempotency_key"));

-- table triggers
CREATE TABLE "triggers" ("trigger_id" text primary key, "dag_id" text not null, "name" text, "auth" text not null, "secret_hash" text not null, "signing_key" text, "created_by" text, "created_at" text not null, "last_used_at" text);

-- table users
CREATE TABLE "users" ("user_id" text primary key, "username" text not null unique, "full_name" text, "email" text, "role" text, "created_at" text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), "last_login" text, "password_hash" text, "is_active" integer default 1 not null, "preferences" text, "updated_at" text, "slack_user_id" text);

-- table webhook_subscriptions
CREATE TABLE "webhook_subscriptions" ("subscription_id" text primary key, "url" text not null, "description" text, "events" text not null, "secret" text not null, "previous_secret" text, "previous_secret_expires_at" text, "is_active" integer default 1 not null, "disabled_reason" text, "disabled_at" text, "created_by" text, "created_at" text not null, "updated_at" text not null);

-- table workflow_compensations
CREATE TABLE "workflow_compensations" ("rollback_id" text not null, "node_id" text not null, "workflow_id" text not null, "position" integer not null, "snapshot_id" text not null, "kind" text, "name" text, "input" text, "status" text not null, "attempt" integer default 0 not null, "lease_owner" text, "lease_expires_at" text, "result" text, "error" text, "started_at" text, "completed_at" text, constraint "workflow_compensations_pkey" primary key ("rollback_id", "node_id"));

-- table workflow_events
CREATE TABLE "workflow_events" ("id" integer primary key, "workflow_id" text not null, "event_type" text not null, "event_data" text, "created_at" text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));

-- table workflow_nodes
CREATE TABLE "workflow_nodes" ("id" integer primary key autoincrement, "workflow_id" text not null, "node_id" text not null, "node_type" text, "agent_id" text, "status" text default 'pending', "started_at" text, "completed_at" text, "result" text, "error" text, "config" text, "tool_name" text, "attempt" integer default 0 not null, "failures" integer default 0 not null, "ready_at" text, "lease_owner" text, "lease_expires_at" text, "child_workflow_id" text, constraint "workflow_nodes_workflow_id_node_id_key" unique ("workflow_id", "node_id"));

-- table workflow_rollbacks
CREATE TABLE "workflow_rollbacks" ("rollback_id" text primary key, "workflow_id" text not null, "snapshot_id" text not null, "target_seq" integer not null, "status" text not null, "requested_by" text, "error" text, "created_at" text not null, "completed_at" text);

-- table workflow_snapshots
CREATE TABLE "workflow_snapshots" ("workflow_id" text not null, "seq" integer not null, "snapshot_id" text not null, "node_id" text not null, "statuses" text not null, "result" text, "context" text, "created_at" text not null, constraint "workflow_snapshots_pkey" primary key ("workflow_id", "seq")) without rowid;

-- table workflows
CREATE TABLE "workflows" ("workflow_id" text primary key, "dag_id" text not null, "session_id" text, "name" text, "description" text, "status" text default 'pending', "created_at" text default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), "started_at" text, "completed_at" text, "created_by" text, "graph_json" text, "result" text, "error" text, "dag_version" integer default 1 not null, "input" text, "pause_reason" text, "deadline_at" text, "max_concurrency" integer, "parent_workflow_id" text, "parent_node_id" text, "updated_at" text, "context" text);
