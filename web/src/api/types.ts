/**
 * The shapes the UI reads from the HTTP API (src/http/schemas). Written here because the server keeps its schemas in
 * src/http, which the UI may not import (STYLE.md §4.2: web/ talks HTTP only).
 */

export interface User {
  readonly userId: string;
  readonly username: string;
  readonly role: string;
  readonly email: string | null;
  readonly fullName: string | null;
  readonly isActive: boolean;
  readonly preferences: Preferences | null;
}

export interface Preferences {
  readonly theme?: string;
  readonly timezone?: string;
}

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly user: User;
}

export interface Vote {
  readonly userId: string;
  readonly decision: string;
  readonly comment: string | null;
  readonly channel: string | null;
  readonly createdAt: string;
}

export type Approver = { readonly user: string } | { readonly role: string };

export interface HumanOption {
  readonly value: unknown;
  readonly label?: string;
}

/** The rules frozen into a request when it was raised (src/definition/human-spec.ts). */
export interface RequestSpec {
  readonly message?: string;
  readonly approvers?: readonly Approver[];
  readonly quorum?: { readonly mode: 'any' | 'all' | 'count'; readonly count?: number };
  readonly allowSelfApproval?: boolean;
  readonly options?: readonly HumanOption[];
  readonly form?: JsonSchema;
  readonly editable?: readonly string[];
  readonly timeout?: { readonly afterMs: number; readonly outcome: string };
  readonly onReject?: string;
}

export interface RequestContext {
  readonly input?: unknown;
  readonly outputs?: Record<string, unknown>;
  readonly proposed?: unknown;
  /** An AI agent asking to run a tool (approveTools): `proposed` is the same input, editable. */
  readonly toolCall?: ToolCall;
}

export interface ToolCall {
  readonly toolName: string;
  readonly toolCallId: string;
  /** The arguments the model wrote. */
  readonly input?: unknown;
  /** What the model said before the call (markdown, possibly empty). */
  readonly reasoning?: string | null;
}

export interface HitlRequest {
  readonly requestId: string;
  readonly workflowId: string;
  readonly nodeId: string;
  readonly dagId: string | null;
  readonly message: string | null;
  readonly status: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly respondedAt: string | null;
  readonly respondedBy: string | null;
  readonly response: string | null;
  readonly spec: RequestSpec | null;
  readonly context?: RequestContext | null;
  readonly decision: unknown;
  readonly votes?: readonly Vote[];
  /** In lists too: the tool an AI agent asks to run (the context has the rest). */
  readonly toolCall?: Pick<ToolCall, 'toolName' | 'toolCallId'>;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export interface WorkflowNode {
  readonly nodeId: string;
  readonly nodeType: string | null;
  readonly status: string;
  readonly attempt: number;
  readonly result: unknown;
  readonly error: string | null;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
}

export interface Workflow {
  readonly workflowId: string;
  readonly dagId: string;
  readonly version: number;
  readonly name: string | null;
  readonly status: string;
  readonly pauseReason: string | null;
  readonly input: unknown;
  readonly result: unknown;
  readonly error: string | null;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
  readonly nodes?: readonly WorkflowNode[];
}

/** One step of a DAG as the API's normalized definition has it (src/definition/model.ts). */
export interface DagNode {
  readonly id: string;
  readonly type: string;
  readonly sourceType?: string;
  readonly name?: string;
  readonly dependencies: readonly string[];
}

export interface DagDetail {
  readonly dagId: string;
  readonly name: string | null;
  readonly description: string | null;
  readonly version: number;
  readonly latestVersion: number;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly source: unknown;
  readonly permissions: {
    readonly owners: readonly string[];
    readonly editors: readonly string[];
    readonly viewers: readonly string[];
    readonly isPublic: boolean;
  };
  readonly definition: { readonly nodes: readonly DagNode[] };
}

export interface RunEvent {
  readonly id: number;
  readonly workflowId: string;
  readonly type: string;
  readonly data: unknown;
  readonly createdAt: string;
}

export interface Decision {
  readonly requestId: string;
  readonly workflowId: string;
  readonly status: string;
  readonly approvals?: number;
  readonly required?: number;
}

/** The error envelope of API.md. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

/** The subset of JSON Schema a human node's form uses and the UI renders. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly title?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly default?: unknown;
}

/** One message of the live stream (`GET /api/events`). */
export interface LiveEvent {
  readonly id: number;
  readonly workflowId: string;
  readonly type: string;
  readonly data: unknown;
  readonly createdAt: string;
}
