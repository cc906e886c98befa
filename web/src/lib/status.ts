/** Statuses in words (the API's values are snake_case identifiers). */
const WORDS: Record<string, string> = {
  waiting_hitl: 'waiting for a person',
  pending_approval: 'waiting for approval',
};

export function statusText(status: string): string {
  return WORDS[status] ?? status.replace(/_/g, ' ');
}
