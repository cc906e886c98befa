/**
 * The arithmetic of a request's reminders and escalation levels (pure; the engine's maintenance pass applies it).
 *
 * Reminders follow a fixed cycle from the moment the request opened: `first`, then every `every`, at most `max`.
 * A reminder found late (the workers were down) is sent once, and the next one is due a full `every` after it, so a
 * restart never sends a burst. Escalation levels are due at `after` from the opening, one after the other.
 * Nothing is scheduled at or past the request's own deadline: the timeout closes it first.
 */
import type {
  Approver,
  EscalationLevel,
  HumanNodeSpec,
  ReminderSpec,
} from '../definition/index.js';

export interface InitialTimers {
  readonly nextReminderAt: number | undefined;
  readonly nextEscalationAt: number | undefined;
}

function beforeDeadline(at: number | undefined, deadline: number | undefined) {
  return at !== undefined && (deadline === undefined || at < deadline) ? at : undefined;
}

/** The due times a request starts with. */
export function initialTimers(
  spec: Pick<HumanNodeSpec, 'reminders' | 'escalation'>,
  openedAt: number,
  deadline: number | undefined,
): InitialTimers {
  const reminder = spec.reminders ? openedAt + spec.reminders.firstMs : undefined;
  const level = spec.escalation?.[0];
  return {
    nextReminderAt: beforeDeadline(reminder, deadline),
    nextEscalationAt: beforeDeadline(level && openedAt + level.afterMs, deadline),
  };
}

/** When the reminder after the `sent`-th is due; undefined when `max` is reached or there is no cycle. */
export function reminderAfter(
  reminders: ReminderSpec,
  openedAt: number,
  sent: number,
  now: number,
  deadline: number | undefined,
): number | undefined {
  if (sent >= reminders.max || reminders.everyMs === undefined) return undefined;
  const scheduled = openedAt + reminders.firstMs + sent * reminders.everyMs;
  return beforeDeadline(scheduled > now ? scheduled : now + reminders.everyMs, deadline);
}

/** When the level after the `fired` first levels is due; undefined when none is left. */
export function escalationAfter(
  levels: readonly EscalationLevel[],
  openedAt: number,
  fired: number,
  deadline: number | undefined,
): number | undefined {
  const level = levels[fired];
  return beforeDeadline(level && openedAt + level.afterMs, deadline);
}

export interface Escalated {
  /** The request's approvers from now on. */
  readonly approvers: readonly Approver[];
  /** Who is told: the level's approvers not already listed. */
  readonly added: readonly Approver[];
  /** Approvers who may no longer decide (mode replace). */
  readonly removed: readonly Approver[];
}

const key = (approver: Approver) =>
  'user' in approver ? `user:${approver.user}` : `role:${approver.role}`;

/**
 * The approvers after a level fires. `add` appends the level's approvers; but a request without listed approvers is
 * open to everyone who may act on the DAG, and listing some would shut the others out, so it stays open and the
 * level's approvers are only told. `replace` makes the level's approvers the only ones.
 */
export function escalate(current: readonly Approver[], level: EscalationLevel): Escalated {
  const listed = new Set(current.map(key));
  const added = level.approvers.filter((approver) => !listed.has(key(approver)));
  if (level.mode === 'replace') {
    const next = new Set(level.approvers.map(key));
    return {
      approvers: level.approvers,
      added,
      removed: current.filter((approver) => !next.has(key(approver))),
    };
  }
  return {
    approvers: current.length === 0 ? current : [...current, ...added],
    added,
    removed: [],
  };
}
