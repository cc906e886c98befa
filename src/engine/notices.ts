/**
 * What the engine asks of whoever sends messages (src/notify, wired by the app): to write, inside the engine's own
 * transaction, the outbox rows its changes cause. The engine never sends anything itself and knows nothing of mail.
 */
import type { Approver, HumanNodeSpec } from '../definition/index.js';
import type { Tx } from '../store/port.js';
import type { NewEvent } from '../store/repositories/events.js';
import type { NewHitlRequest } from '../store/repositories/hitl-requests.js';

/** The built-in tool whose nodes the engine completes on the spot by enqueueing a mail (seed 002's email args). */
export const EMAIL_TOOL = 'email';

export interface EmailNodeRef {
  readonly workflowId: string;
  readonly nodeId: string;
  readonly attempt: number;
}

/** A pending request's timer fired: whom to tell, with a fresh decision link each. */
export interface TimerNotice {
  readonly kind: 'reminder' | 'escalation';
  readonly requestId: string;
  readonly workflowId: string;
  readonly nodeId: string;
  /** The request's rules as they now stand (an escalation changed its approvers). */
  readonly spec: HumanNodeSpec;
  readonly runStartedBy: string | null;
  /** Whom to tell: the request's approvers (reminder) or the approvers a level added (escalation). */
  readonly approvers: readonly Approver[];
  /** Users who already voted, and are not reminded. */
  readonly votedUserIds: readonly string[];
}

export interface Notices {
  /** Enqueues what the requests raised in this transaction send (a mail per approver, seed 002's copies). */
  requestsRaised(tx: Tx, requests: readonly NewHitlRequest[], now: string): Promise<void>;
  /**
   * Enqueues an email node's message and returns the node's output. Throws a FlowgateError when the args cannot
   * make a mail (no recipient, an attachment outside the allowed folder), which fails the node.
   */
  emailNode(tx: Tx, node: EmailNodeRef, args: unknown, now: string): Promise<unknown>;
  /** Enqueues what the run events recorded in this transaction send to other systems (webhooks). */
  eventsRecorded(tx: Tx, events: readonly NewEvent[], now: string): Promise<void>;
  /** Enqueues the mails of reminders and escalations that fired in this transaction. */
  timersFired?(tx: Tx, notices: readonly TimerNotice[], now: string): Promise<void>;
}
