/** Who does something, and from where: recorded with every decision and change (seed 004's event metadata). */
export interface Actor {
  /** A stable user id (a username in library use is fine). */
  readonly userId: string;
  readonly username?: string;
  /** The account's role (admin, user, viewer) and any groups it belongs to, for `{role}` approvers. */
  readonly roles?: readonly string[];
  /** `api`, `ui`, `cli`, `link`, `library`, `system`... */
  readonly channel?: string;
  readonly ip?: string;
  readonly userAgent?: string;
}

/** The engine itself (timeouts, expiry): never an approver, recorded as such. */
export const SYSTEM_ACTOR: Actor = { userId: 'system', username: 'system', channel: 'system' };

export function describeActor(actor: Actor): Record<string, string> {
  const out: Record<string, string> = { userId: actor.userId };
  if (actor.username) out.username = actor.username;
  if (actor.channel) out.channel = actor.channel;
  if (actor.ip) out.ip = actor.ip;
  if (actor.userAgent) out.userAgent = actor.userAgent;
  return out;
}
