import { describe, expect, it } from 'vitest';

import { mailSetup } from './mail-setup.js';

describe('mail setup', () => {
  it('is off without an SMTP URL', () => {
    expect(mailSetup(undefined)).toBeUndefined();
    expect(mailSetup({ from: 'a@b.test' })).toBeUndefined();
  });

  it('names every missing or wrong setting at once', () => {
    expect(() => mailSetup({ smtpUrl: 'http://mail.test' })).toThrow(
      /FLOWGATE_SMTP_URL.*FLOWGATE_MAIL_FROM.*FLOWGATE_PUBLIC_URL/,
    );
    expect(() =>
      mailSetup({ smtpUrl: 'smtp://mail.test', from: 'a@b.test', publicUrl: 'ftp://x' }),
    ).toThrow('FLOWGATE_PUBLIC_URL must be an http(s) URL');
  });

  it('fills the defaults and trims the public URL', () => {
    const setup = mailSetup({
      smtpUrl: 'smtps://user:p%40ss@mail.test',
      from: 'Flowgate <f@b.test>',
      publicUrl: 'https://flowgate.test/',
    })!;
    expect(setup.settings.publicUrl).toBe('https://flowgate.test');
    expect(setup.settings.linkTtlMs).toBe(7 * 86_400_000);
    expect(setup.settings.attachments).toEqual({ maxBytes: 10 * 1024 * 1024 });
    expect(setup.maxAttempts).toBe(8);
  });
});
