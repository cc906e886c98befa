import { describe, expect, it } from 'vitest';

import { wantsMail } from './preferences.js';

const stored = (notifications: Record<string, boolean>) => JSON.stringify({ notifications });

describe('notification preferences', () => {
  it('an unset preference means yes', () => {
    expect(wantsMail(null, 'reminder')).toBe(true);
    expect(wantsMail(null, 'copy')).toBe(true);
    expect(wantsMail(JSON.stringify({ theme: 'dark' }), 'copy')).toBe(true);
    expect(wantsMail('not json', 'reminder')).toBe(true);
  });

  it('email: false stops reminders and copies; workflowUpdates: false stops copies only', () => {
    expect(wantsMail(stored({ email: false }), 'reminder')).toBe(false);
    expect(wantsMail(stored({ email: false }), 'copy')).toBe(false);
    expect(wantsMail(stored({ workflowUpdates: false }), 'reminder')).toBe(true);
    expect(wantsMail(stored({ workflowUpdates: false }), 'copy')).toBe(false);
    expect(wantsMail(stored({ email: true, push: false }), 'copy')).toBe(true);
  });
});
