import { describe, expect, it } from 'vitest';

import { renderConfirmPage } from './render-link-page.js';
import { renderApproverMail, renderCopyMail, type RequestSummary } from './render-mail.js';

const request: RequestSummary = {
  requestId: 'r1',
  workflowId: 'w1',
  dagId: 'deploy',
  nodeId: 'gate',
  message: 'Ship <script>alert(1)</script> & "go"?\n\nSecond paragraph.',
  proposed: { version: '<b>1.2</b>' },
  expiresAt: null,
};

describe('mail and page rendering', () => {
  it('escapes everything from the run in HTML, and prints the links in the text part', () => {
    const mail = renderApproverMail({
      request,
      approverName: 'Eve <eve>',
      decisionUrl: 'https://f.test/a/x.y',
      requestUrl: 'https://f.test/requests/r1',
      linkExpiresAt: '2026-01-08T00:00:00.000Z',
      requireLogin: false,
    });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('Ship &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;go&quot;?');
    expect(mail.html).toContain('&lt;b&gt;1.2&lt;/b&gt;');
    expect(mail.html).toContain('Hello Eve &lt;eve&gt;');
    expect(mail.text).toContain('Review and decide: https://f.test/a/x.y');
    expect(mail.text).toContain('Open in Flowgate: https://f.test/requests/r1');
    expect(mail.subject).toBe(
      'Approval needed: Ship <script>alert(1)</script> & "go"? Second paragraph.',
    );
    expect(mail.html).toContain('name="viewport"');
    const copy = renderCopyMail(request, 'https://f.test/requests/r1');
    expect(copy.html).not.toContain('/a/');
    expect(copy.text).not.toContain('/a/');
  });

  it('reminders and escalations say why they come, in the subject and the heading', () => {
    const base = {
      request: { ...request, message: 'Deploy?' },
      approverName: 'Bob',
      decisionUrl: 'https://f.test/a/x.y',
      requestUrl: 'https://f.test/requests/r1',
      linkExpiresAt: '2026-01-08T00:00:00.000Z',
      requireLogin: false,
    };
    const reminder = renderApproverMail({ ...base, occasion: 'reminder' });
    expect(reminder.subject).toBe('Reminder: Deploy?');
    expect(reminder.text).toContain('Reminder: your decision is still needed:');
    expect(reminder.html).toContain('<h1 style="font-size:20px;margin:0 0 14px;">Reminder:');
    const escalated = renderApproverMail({ ...base, occasion: 'escalation' });
    expect(escalated.subject).toBe('Escalated: Deploy?');
    expect(escalated.text).toContain('This request was escalated to you');
    expect(escalated.text).toContain('Review and decide: https://f.test/a/x.y');
  });

  it('the confirmation page is a plain form: no script, both buttons, the nonce', () => {
    const html = renderConfirmPage({
      request,
      approverName: 'alice',
      approverEmail: 'alice@example.test',
      nonce: '1.abc',
      requestUrl: undefined,
      linkExpiresAt: '2026-01-08T00:00:00.000Z',
      needsAnswer: false,
    });
    expect(html).not.toContain('<script');
    expect(html).toContain('value="approve"');
    expect(html).toContain('value="reject"');
    expect(html).toContain('name="nonce" value="1.abc"');
    expect(html).toContain('method="post"');
  });
});
