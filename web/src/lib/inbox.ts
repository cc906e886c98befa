/**
 * The inbox's tabs, from the rules frozen into each request (its approvers): the API lists what the caller may see,
 * and which of those name the caller (Mine) or the caller's role (My roles) is read here, from the same fields.
 */
import type { Approver, HitlRequest, User } from '../api/types';

export const TABS = [
  { id: 'mine', label: 'Mine' },
  { id: 'roles', label: 'My roles' },
  { id: 'all', label: 'All I can see' },
  { id: 'decided', label: 'Decided' },
] as const;

export type TabId = (typeof TABS)[number]['id'];

export function isTab(value: string | null): value is TabId {
  return TABS.some((tab) => tab.id === value);
}

function approversOf(request: HitlRequest): readonly Approver[] {
  return request.spec?.approvers ?? [];
}

/** Named as a user approver (by id or username). */
export function namesMe(request: HitlRequest, user: User): boolean {
  return approversOf(request).some(
    (approver) =>
      'user' in approver && (approver.user === user.userId || approver.user === user.username),
  );
}

/** Addressed to the caller's role. */
export function namesMyRole(request: HitlRequest, user: User): boolean {
  return approversOf(request).some((approver) => 'role' in approver && approver.role === user.role);
}

/** Whether the caller has voted already (quorum requests stay pending while others vote). */
export function votedBy(request: HitlRequest, user: User): boolean {
  return (request.votes ?? []).some((vote) => vote.userId === user.userId);
}

/**
 * Waiting for me (the Mine tab and the header's count): a pending request that names me or my role, or is open to
 * anyone who may act on the DAG. A viewer decides nothing.
 */
export function waitsForMe(request: HitlRequest, user: User): boolean {
  if (request.status !== 'pending' || user.role === 'viewer') return false;
  return approversOf(request).length === 0 || namesMe(request, user) || namesMyRole(request, user);
}

export function inTab(request: HitlRequest, tab: TabId, user: User): boolean {
  switch (tab) {
    case 'mine':
      return waitsForMe(request, user) && !votedBy(request, user);
    case 'roles':
      return request.status === 'pending' && namesMyRole(request, user);
    case 'all':
      return request.status === 'pending';
    case 'decided':
      return request.status !== 'pending';
  }
}

/** Soonest due first (no timeout last), then oldest; decided ones newest first. */
export function sortForTab(requests: readonly HitlRequest[], tab: TabId): HitlRequest[] {
  const copy = [...requests];
  if (tab === 'decided') {
    return copy.sort((a, b) =>
      (b.respondedAt ?? b.createdAt).localeCompare(a.respondedAt ?? a.createdAt),
    );
  }
  return copy.sort((a, b) => {
    if (a.expiresAt !== b.expiresAt) {
      if (a.expiresAt === null) return 1;
      if (b.expiresAt === null) return -1;
      return a.expiresAt.localeCompare(b.expiresAt);
    }
    return a.createdAt.localeCompare(b.createdAt);
  });
}
