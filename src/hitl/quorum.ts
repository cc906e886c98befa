/**
 * Counting votes on a request, as pure functions: who may vote, and when the votes close it. One rejection vetoes;
 * an answer (respond) closes at once; approvals count distinct people until the quorum is met.
 */
import type { Actor } from '../shared/actor.js';

export type Approver = { readonly user: string } | { readonly role: string };

export interface QuorumRule {
  readonly mode: 'any' | 'all' | 'count';
  readonly count?: number;
}

export interface DecisionRules {
  readonly approvers: readonly Approver[];
  readonly quorum: QuorumRule;
  readonly allowSelfApproval: boolean;
}

export type VoteKind = 'approve' | 'reject' | 'respond';

export interface Vote {
  readonly userId: string;
  readonly decision: VoteKind;
  /** The approver entries this voter matched when voting (for `all` over roles). */
  readonly matched: readonly string[];
}

export type Refusal = 'viewer' | 'not_an_approver' | 'self_approval';

/** Why `actor` may not decide, or undefined when they may. */
export function refusalFor(
  actor: Actor,
  rules: DecisionRules,
  runStartedBy: string | null,
): Refusal | undefined {
  const roles = actor.roles ?? [];
  if (roles.includes('viewer') && !roles.includes('admin')) return 'viewer';
  if (
    !rules.allowSelfApproval &&
    runStartedBy !== null &&
    (runStartedBy === actor.userId || runStartedBy === actor.username)
  ) {
    return 'self_approval';
  }
  if (rules.approvers.length > 0 && matchedApprovers(actor, rules).length === 0)
    return 'not_an_approver';
  return undefined;
}

/** Keys (`user:alice`, `role:finance`) of the approver entries the actor matches. */
export function matchedApprovers(actor: Actor, rules: DecisionRules): string[] {
  const roles = actor.roles ?? [];
  const keys: string[] = [];
  for (const approver of rules.approvers) {
    if ('user' in approver) {
      if (approver.user === actor.userId || approver.user === actor.username)
        keys.push(`user:${approver.user}`);
    } else if (roles.includes(approver.role)) {
      keys.push(`role:${approver.role}`);
    }
  }
  return keys;
}

export type Tally =
  | { readonly status: 'open'; readonly approvals: number; readonly required: number }
  | { readonly status: 'approved' | 'rejected' | 'completed' };

/** How many distinct approvals close the request. */
export function requiredApprovals(rules: DecisionRules): number {
  switch (rules.quorum.mode) {
    case 'any':
      return 1;
    case 'count':
      return Math.max(1, rules.quorum.count ?? 1);
    case 'all':
      return Math.max(1, rules.approvers.length);
  }
}

export function tally(rules: DecisionRules, votes: readonly Vote[]): Tally {
  if (votes.some((vote) => vote.decision === 'reject')) return { status: 'rejected' };
  if (votes.some((vote) => vote.decision === 'respond')) return { status: 'completed' };
  const approvers = new Set(votes.filter((v) => v.decision === 'approve').map((v) => v.userId));
  const required = requiredApprovals(rules);
  if (rules.quorum.mode === 'all' && rules.approvers.length > 0) {
    // Every listed user, and someone of every listed role, must have approved.
    const covered = new Set(
      votes.filter((v) => v.decision === 'approve').flatMap((v) => v.matched),
    );
    const missing = rules.approvers.filter(
      (a) => !covered.has('user' in a ? `user:${a.user}` : `role:${a.role}`),
    );
    if (missing.length > 0) return { status: 'open', approvals: approvers.size, required };
    return { status: 'approved' };
  }
  if (approvers.size >= required) return { status: 'approved' };
  return { status: 'open', approvals: approvers.size, required };
}
