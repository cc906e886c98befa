/**
 * Which hosts a chat destination of each kind may post to. The SSRF guard already keeps every outbound URL off
 * private networks; this is narrower: a destination saved as `slack` goes to Slack, a `teams` one to the Microsoft
 * hosts that Teams Workflows (and the retiring Office 365 connectors) hand out, so a destination cannot be turned
 * into a way of posting request summaries to an arbitrary public server. An operator who runs a Slack-compatible
 * server (Mattermost, Rocket.Chat), or tests against a local receiver, names its host in
 * FLOWGATE_OUTBOUND_ALLOWED_HOSTS (or its address in FLOWGATE_OUTBOUND_ALLOWED_CIDRS).
 */
import type { ChatKind } from '../store/repositories/chat-destinations.js';
import type { OutboundGuard } from './outbound-guard.js';

/** Exact hosts, and `*.suffix` for any subdomain of it (not the suffix itself). */
export const CHAT_HOSTS: Readonly<Record<ChatKind, readonly string[]>> = {
  slack: ['hooks.slack.com'],
  teams: [
    // Workflows ("Post to a channel when a webhook request is received"): older flows on Logic Apps hosts, newer
    // ones on Power Platform environment hosts.
    '*.logic.azure.com',
    'api.powerplatform.com',
    '*.api.powerplatform.com',
    'api.powerautomate.com',
    '*.api.powerautomate.com',
    'flow.microsoft.com',
    // Office 365 connectors, being retired but still delivering for some tenants.
    '*.webhook.office.com',
  ],
};

export function chatHostMatches(pattern: string, host: string): boolean {
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern;
}

/**
 * Why a destination of `kind` may not post to `url`'s host, or undefined when it may. Only the host is judged here;
 * the scheme and the addresses are the guard's to check.
 */
export function chatHostProblem(
  kind: ChatKind,
  url: string,
  guard: Pick<OutboundGuard, 'operatorAllows'>,
): string | undefined {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.toLowerCase();
  } catch {
    return 'The URL is not valid';
  }
  const host = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  if (CHAT_HOSTS[kind].some((pattern) => chatHostMatches(pattern, host))) return undefined;
  if (guard.operatorAllows(hostname)) return undefined;
  const service = kind === 'slack' ? 'Slack' : 'Microsoft Teams';
  return (
    `A ${kind} destination posts only to ${service} hosts (${CHAT_HOSTS[kind].join(', ')}), not ${host}; ` +
    'an operator can allow another host with FLOWGATE_OUTBOUND_ALLOWED_HOSTS'
  );
}
