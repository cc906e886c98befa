/**
 * Which mails a person's preferences (seed 004: `PATCH /api/me {preferences: {notifications: {email, push,
 * workflowUpdates, executionAlerts}}}`) let through. The rule:
 *
 * - A request to decide is always sent: the mail when a request is raised for an approver, and the notice to an
 *   approver an escalation adds. Whoever is asked to decide must hear of it, whatever they chose.
 * - Optional mails honour the preferences, and an unset preference means yes:
 *   - a reminder of a request already sent goes out unless `notifications.email` is false;
 *   - seed 002's informational copy (to, cc, bcc) skips any address of a user whose `notifications.email` or
 *     `notifications.workflowUpdates` is false. Addresses of nobody in Flowgate are sent as written.
 * - An email node's mail is a step of the workflow, not a notification: it is sent as the DAG says.
 */
export type OptionalMail = 'reminder' | 'copy';

interface NotificationPreferences {
  readonly email?: unknown;
  readonly workflowUpdates?: unknown;
}

function notificationsOf(preferences: string | null): NotificationPreferences {
  if (!preferences) return {};
  try {
    const parsed: unknown = JSON.parse(preferences);
    if (parsed && typeof parsed === 'object' && 'notifications' in parsed) {
      const notifications = (parsed as { notifications?: unknown }).notifications;
      if (notifications && typeof notifications === 'object') return notifications;
    }
  } catch {
    // Stored by the API, which checks it; anything unreadable counts as unset.
  }
  return {};
}

/** Whether someone with these stored preferences (JSON text, or null) gets this optional mail. */
export function wantsMail(preferences: string | null, mail: OptionalMail): boolean {
  const notifications = notificationsOf(preferences);
  if (notifications.email === false) return false;
  if (mail === 'copy' && notifications.workflowUpdates === false) return false;
  return true;
}
