/**
 * Requests raised by an AI agent that wants to run a tool (approveTools): said plainly wherever a request is named,
 * since an approver decides whether a program acts, not answers a question a DAG author wrote.
 */
import type { HitlRequest, ToolCall } from '../api/types';
import { summary } from './text';

/** The call an agent asks for: the full one from the context when loaded, else the lists' summary. */
export function toolCallOf(request: HitlRequest): ToolCall | undefined {
  return request.context?.toolCall ?? request.toolCall;
}

export function toolCallTitle(call: Pick<ToolCall, 'toolName'>): string {
  return `The agent wants to run ${call.toolName}`;
}

/** A request's one-line name in lists: the tool call when it is one, else the first line of its message. */
export function requestSummary(request: HitlRequest): string {
  const call = toolCallOf(request);
  return call ? toolCallTitle(call) : summary(request.message);
}
