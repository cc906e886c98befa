/**
 * Why the caller may not decide a request, in words, from the same rules the server applies (src/hitl/quorum.ts):
 * the server refuses anyway (403); this only says why before anyone tries, and hides buttons that would fail.
 */
import type { HitlRequest, User, Workflow } from '../api/types';
import { namesMe, namesMyRole, votedBy } from './inbox';

export function refusalOf(
  request: HitlRequest,
  user: User,
  run: Workflow | null,
): string | undefined {
  if (request.status !== 'pending') return undefined;
  if (user.role === 'viewer')
    return 'Your account is read-only (viewer): you can read requests but not decide them.';
  const spec = request.spec ?? {};
  const startedBy = run?.createdBy ?? null;
  if (
    spec.allowSelfApproval === false &&
    startedBy !== null &&
    (startedBy === user.userId || startedBy === user.username)
  ) {
    return 'You started this run, and this step does not allow approving your own run: someone else must decide.';
  }
  const approvers = spec.approvers ?? [];
  if (approvers.length > 0 && !namesMe(request, user) && !namesMyRole(request, user)) {
    return `This request is for ${approverList(request)}, which does not include you.`;
  }
  if (votedBy(request, user)) return 'You have voted; the request waits for the other approvers.';
  return undefined;
}

export function approverList(request: HitlRequest): string {
  const approvers = request.spec?.approvers ?? [];
  if (approvers.length === 0) return 'anyone who may act on this DAG';
  return approvers.map((a) => ('user' in a ? a.user : `anyone with the role ${a.role}`)).join(', ');
}

export function quorumText(request: HitlRequest): string {
  const quorum = request.spec?.quorum ?? { mode: 'any' as const };
  switch (quorum.mode) {
    case 'all':
      return 'Every approver must approve.';
    case 'count':
      return `${quorum.count ?? 1} approvals are needed.`;
    case 'any':
      return 'One approval is enough.';
  }
}
