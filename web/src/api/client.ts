/**
 * The typed HTTP client: JSON in and out, the bearer token attached, one refresh and retry on a 401, and API errors
 * (the `{error: {code, message, details}}` envelope) raised as ApiError.
 */
import {
  clearSession,
  setTokens,
  storedRefreshToken,
  tokenAfter401,
  validAccessToken,
} from './session';
import type {
  ApiErrorBody,
  DagDetail,
  Decision,
  HitlRequest,
  Page,
  Preferences,
  RunEvent,
  TokenPair,
  User,
  Workflow,
} from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as Partial<ApiErrorBody>;
    if (body.error) {
      return new ApiError(response.status, body.error.code, body.error.message, body.error.details);
    }
  } catch {
    // Not the envelope: fall through to a generic error.
  }
  return new ApiError(response.status, 'HTTP_ERROR', `The server answered ${response.status}.`);
}

async function send(path: string, init: RequestInit, token: string | null): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  return fetch(path, { ...init, headers });
}

/** Calls the API as the signed-in user. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const used = await validAccessToken();
  let response = await send(path, init, used);
  if (response.status === 401) {
    // The token may have been revoked or expired early: one refresh, one retry.
    const token = await tokenAfter401(used);
    if (token === null) throw new ApiError(401, 'UNAUTHENTICATED', 'Please sign in again.');
    response = await send(path, init, token);
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

const post = <T>(path: string, body: unknown) =>
  api<T>(path, { method: 'POST', body: JSON.stringify(body ?? {}) });

export async function login(username: string, password: string): Promise<User> {
  const response = await fetch('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw await errorOf(response);
  const pair = (await response.json()) as TokenPair;
  setTokens(pair);
  return pair.user;
}

export async function logout(): Promise<void> {
  const refreshToken = storedRefreshToken();
  clearSession();
  if (refreshToken === null) return;
  // Ending the login on the server is best effort: the tokens are gone from this tab either way.
  await fetch('/api/auth/logout', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken }),
  }).catch(() => undefined);
}

export const getMe = () => api<User>('/api/me');
export const updatePreferences = (preferences: Preferences | null) =>
  api<User>('/api/me', { method: 'PATCH', body: JSON.stringify({ preferences }) });

export function listRequests(query: {
  status?: string;
  /** With status 'decided': only the requests this username closed. */
  respondedBy?: string;
  cursor?: string;
  limit?: number;
}): Promise<Page<HitlRequest>> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  return api<Page<HitlRequest>>(`/api/hitl?${params.toString()}`);
}

/** Every page of a listing, up to `max` items (the inbox sorts them by due time, which the API does not). */
export async function listAllRequests(status: string, max = 2000): Promise<HitlRequest[]> {
  const items: HitlRequest[] = [];
  let cursor: string | undefined;
  do {
    const page = await listRequests({ status, limit: 500, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && items.length < max);
  return items;
}

const id = encodeURIComponent;

export const getRequest = (requestId: string) => api<HitlRequest>(`/api/hitl/${id(requestId)}`);
export const getWorkflow = (workflowId: string) =>
  api<Workflow>(`/api/workflows/${id(workflowId)}`);

export const approve = (
  requestId: string,
  body: { response?: string; edits?: Record<string, unknown> },
) => post<Decision>(`/api/hitl/${id(requestId)}/approve`, body);
export const reject = (requestId: string, response: string) =>
  post<Decision>(`/api/hitl/${id(requestId)}/reject`, { response });
export const respond = (requestId: string, value: unknown, response?: string) =>
  post<Decision>(`/api/hitl/${id(requestId)}/respond`, {
    value,
    ...(response ? { response } : {}),
  });

export { clearSession };

export function listRuns(query: {
  status?: string;
  dagId?: string;
  version?: string;
  since?: string;
  until?: string;
  waiting?: string;
  cursor?: string;
  limit?: number;
}): Promise<Page<Workflow>> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  return api<Page<Workflow>>(`/api/workflows?${params.toString()}`);
}

export const getRunEvents = (workflowId: string) =>
  api<{ items: RunEvent[] }>(`/api/workflows/${id(workflowId)}/events`);

export const getDag = (dagId: string, version: number) =>
  api<DagDetail>(`/api/dags/${id(dagId)}?version=${version}`);

export type RunAction = 'pause' | 'resume' | 'cancel' | 'retry';

export const controlRun = (workflowId: string, action: RunAction) =>
  post<Workflow>(`/api/workflows/${id(workflowId)}/${action}`, {});

export interface HitlMetrics {
  readonly pending: number;
  readonly avgApprovalSeconds: number | null;
  readonly approvalRate: number | null;
  readonly decided: Record<'approved' | 'rejected' | 'completed' | 'expired' | 'cancelled', number>;
}

export interface ExecutionMetrics {
  readonly totalRuns: number;
  readonly byStatus: Record<string, number>;
  readonly avgDurationSeconds: number | null;
  readonly humanInterventions: number;
  readonly costUsd: number;
}

export interface AgentMetrics {
  readonly items: readonly {
    readonly agentId: string;
    readonly kind: string;
    readonly total: number;
    readonly successful: number;
    readonly failed: number;
    readonly avgDurationSeconds: number | null;
  }[];
}

export const getHitlMetrics = () => api<HitlMetrics>('/api/metrics/hitl');
export const getExecutionMetrics = () => api<ExecutionMetrics>('/api/metrics/executions');
export const getAgentMetrics = () => api<AgentMetrics>('/api/metrics/agents');

export interface RunDay {
  readonly day: string;
  readonly total: number;
  readonly byStatus: Readonly<Record<string, number>>;
}
export const getRunTimeline = (days: number) =>
  api<{ days: RunDay[] }>(`/api/metrics/run-timeline?days=${days}`);

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export const listApiKeys = () => api<{ items: ApiKey[] }>('/api/me/api-keys');
export const createApiKey = (name: string) =>
  post<ApiKey & { key: string }>('/api/me/api-keys', { name });
export const revokeApiKey = (keyId: string) =>
  api<void>(`/api/me/api-keys/${id(keyId)}`, { method: 'DELETE' });

export interface DagSummary {
  readonly dagId: string;
  readonly name: string | null;
  readonly description: string | null;
  readonly latestVersion: number;
  readonly permissions: DagDetail['permissions'];
  readonly createdBy: string | null;
  readonly createdAt: string;
}

export const listDags = (cursor?: string) =>
  api<Page<DagSummary>>(
    `/api/dags?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
  );
export const getLatestDag = (dagId: string) => api<DagDetail>(`/api/dags/${id(dagId)}`);
export const startRun = (dagId: string, version: number, input: unknown) =>
  post<{ workflowId: string; status: string }>('/api/workflows', { dagId, version, input });

export const saveDagVersion = (dagId: string, document: unknown) =>
  api<{ dagId: string; version: number }>(`/api/dags/${id(dagId)}`, {
    method: 'PUT',
    body: JSON.stringify(document),
  });

export const listUsers = () => api<Page<User>>('/api/users?limit=500');
export const createUser = (body: {
  username: string;
  password: string;
  role: string;
  email?: string;
  fullName?: string;
}) => post<User>('/api/users', body);
export const updateUser = (userId: string, body: { role?: string; isActive?: boolean }) =>
  api<User>(`/api/users/${id(userId)}`, { method: 'PATCH', body: JSON.stringify(body) });

export interface Webhook {
  readonly id: string;
  readonly url: string;
  readonly description: string | null;
  readonly events: string[];
  readonly active: boolean;
  readonly disabledReason: string | null;
  readonly createdAt: string;
}

export const listWebhooks = () => api<Page<Webhook>>('/api/webhooks');
export const createWebhook = (body: { url: string; events: string[]; description?: string }) =>
  post<Webhook & { secret: string }>('/api/webhooks', body);
export const deleteWebhook = (webhookId: string) =>
  api<void>(`/api/webhooks/${id(webhookId)}`, { method: 'DELETE' });
export const testWebhook = (webhookId: string) =>
  post<unknown>(`/api/webhooks/${id(webhookId)}/test`, {});

export interface Plan {
  readonly planId: string;
  readonly status: string;
  readonly version: number;
  readonly request: string | null;
  readonly plan: unknown;
  readonly problems: readonly { code: string; path: string; message: string }[];
  readonly gates: readonly string[];
  readonly createdBy: string;
  readonly createdAt: string;
  readonly rejectionReason: string | null;
  readonly decidedBy: string | null;
  readonly workflowId: string | null;
  readonly summary?: string | null;
  readonly estimate?: PlanCostEstimate | null;
  readonly plannerUsage?: PlannerUsage | null;
}

export interface PlanCostEstimate {
  readonly nodes: readonly {
    readonly nodeId: string;
    readonly provider: string;
    readonly model: string;
    readonly calls: number;
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly costUsd: number | null;
    readonly basis: string;
  }[];
  readonly costUsd: number | null;
  readonly unpricedNodes: readonly string[];
  readonly budgetUsd: number | null;
}

export interface PlannerUsage {
  readonly calls: number;
  readonly failedCalls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number | null;
  readonly unpricedCalls: number;
}

export const listPlans = () => api<Page<Plan>>('/api/plans?limit=100');
export const getPlan = (planId: string) => api<Plan>(`/api/plans/${id(planId)}`);
export const createPlan = (request: string) => post<Plan>('/api/plans', { request });
export const approvePlan = (planId: string, version: number, input: unknown) =>
  post<Plan>(`/api/plans/${id(planId)}/approve`, { version, input });
export const rejectPlan = (planId: string, reason: string) =>
  post<Plan>(`/api/plans/${id(planId)}/reject`, { reason });

export interface DagImport {
  readonly format: 'plan' | 'graph' | 'stages' | null;
  readonly dagId: string | null;
  readonly document: Record<string, unknown>;
  readonly valid: boolean;
  readonly problems: readonly { code: string; path: string; message: string }[];
  /** When valid: the DAG written as a plan (Flowgate's own format) and what that format cannot say. */
  readonly plan: { readonly document: unknown; readonly lost: readonly string[] } | null;
  readonly nodes: readonly { id: string; type: string; dependencies: readonly string[] }[];
}

/** Reads a DAG document's text (JSON or YAML, any seed format) on the server; stores nothing. */
export const importDagText = (text: string) => post<DagImport>('/api/dags/import', { text });
