import { describe, expect, it } from 'vitest';

import { readMailArgs } from './mail-args.js';

describe('seed 002 email args', () => {
  it('reads lists and comma-separated addresses, subject, bodies and attachments', () => {
    const read = readMailArgs(
      {
        to: 'a@example.test, b@example.test',
        cc: ['c@example.test'],
        bcc: 'd@example.test',
        subject: 'Line one\nline two',
        bodyText: 'text',
        bodyHTML: '<p>html</p>',
        attachments: ['report.pdf'],
      },
      { needsRecipient: true },
    );
    expect(read).toEqual({
      ok: true,
      args: {
        to: ['a@example.test', 'b@example.test'],
        cc: ['c@example.test'],
        bcc: ['d@example.test'],
        subject: 'Line one line two',
        bodyText: 'text',
        bodyHTML: '<p>html</p>',
        attachments: ['report.pdf'],
      },
    });
  });

  it('lists every problem: bad addresses (no header smuggling), wrong types, no recipient', () => {
    const read = readMailArgs(
      { to: ['x@example.test\r\nBcc: evil@example.test', 'nobody'], subject: 3, attachments: 'a' },
      { needsRecipient: true },
    );
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.problems).toHaveLength(5);
    expect(readMailArgs({}, { needsRecipient: true })).toMatchObject({ ok: false });
    expect(readMailArgs({}, { needsRecipient: false })).toMatchObject({ ok: true });
    expect(readMailArgs('to@example.test', { needsRecipient: false })).toMatchObject({ ok: false });
  });
});
