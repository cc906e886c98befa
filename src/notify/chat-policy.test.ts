import { describe, expect, it } from 'vitest';

import { CHAT_MAX_AGE_MS, nextChatAttemptAt } from './chat-attempt.js';
import { escapeSlack, slackMessage, teamsMessage, type ChatMessageInput } from './chat-payloads.js';
import { slackSignature, slackSignatureProblem } from './chat-slack-signature.js';

const INPUT: ChatMessageInput = {
  title: 'Approval requested',
  message: 'Pay <@U1> & co?',
  requestUrl: 'https://flowgate.test/requests/r1',
  requestId: 'r1',
  workflowId: 'w1',
  dagId: 'payments',
  nodeId: 'gate',
  expectedResponse: ['yes', 'no'],
};

describe('chat retries', () => {
  it('follows the webhook schedule while the message is young, and gives up past two hours', () => {
    const created = 1_000_000;
    // After the first attempt: the 5 s slot (±20 %).
    const second = nextChatAttemptAt(1, created, created, 0.5);
    expect(second).toBe(created + 5_000);
    // After four attempts the next slot is 2 h away: past the two hours from creation, so no more.
    expect(nextChatAttemptAt(4, created, created + 40 * 60_000, 0.5)).toBeUndefined();
    // A young message whose next slot still fits is retried.
    expect(nextChatAttemptAt(3, created, created + 6 * 60_000, 0.5)).toBe(
      created + 6 * 60_000 + 30 * 60_000,
    );
    expect(nextChatAttemptAt(2, created, created + CHAT_MAX_AGE_MS, 0.5)).toBeUndefined();
  });
});

describe('chat payloads', () => {
  it('escapes mrkdwn control characters so a message cannot mention or link', () => {
    expect(escapeSlack('<!channel> & <https://x|y>')).toBe(
      '&lt;!channel&gt; &amp; &lt;https://x|y&gt;',
    );
    const body = slackMessage(INPUT) as { blocks: { text?: { text: string } }[] };
    expect(body.blocks[0]!.text!.text).toContain('Pay &lt;@U1&gt; &amp; co?');
  });

  it('clips a long message to what Slack takes in a section', () => {
    const body = slackMessage({ ...INPUT, message: 'x'.repeat(10_000) }) as {
      blocks: { text?: { text: string } }[];
    };
    expect(body.blocks[0]!.text!.text.length).toBeLessThanOrEqual(3_000);
  });

  it('has no buttons without a request page (a test message)', () => {
    const slack = slackMessage({ ...INPUT, requestUrl: undefined, requestId: undefined }) as {
      blocks: { type: string }[];
    };
    expect(slack.blocks.map((b) => b.type)).not.toContain('actions');
    const teams = teamsMessage({ ...INPUT, requestUrl: undefined }) as {
      attachments: { content: { actions: unknown[] } }[];
    };
    expect(teams.attachments[0]!.content.actions).toEqual([]);
  });

  it('gives Teams an Adaptive Card 1.4 with a Review link to the request page', () => {
    const teams = teamsMessage(INPUT) as {
      attachments: {
        contentType: string;
        content: { version: string; actions: { type: string; url: string }[] };
      }[];
    };
    expect(teams.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(teams.attachments[0]!.content.version).toBe('1.4');
    expect(teams.attachments[0]!.content.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Review', url: 'https://flowgate.test/requests/r1' },
    ]);
  });
});

describe('Slack signatures', () => {
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const now = 1_531_420_618_000;
  const body = 'payload=%7B%7D';
  const timestamp = String(now / 1000);

  it('accepts its own signature and refuses a changed body, another secret, an old or future time', () => {
    const signature = slackSignature(secret, timestamp, body);
    expect(signature).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(slackSignatureProblem(secret, { timestamp, signature, rawBody: body, nowMs: now })).toBe(
      undefined,
    );
    expect(
      slackSignatureProblem(secret, { timestamp, signature, rawBody: `${body}x`, nowMs: now }),
    ).toContain('does not match');
    expect(
      slackSignatureProblem('other', { timestamp, signature, rawBody: body, nowMs: now }),
    ).toContain('does not match');
    for (const skew of [-301_000, 301_000]) {
      expect(
        slackSignatureProblem(secret, { timestamp, signature, rawBody: body, nowMs: now + skew }),
      ).toContain('five minutes');
    }
    expect(
      slackSignatureProblem(secret, { timestamp, signature: undefined, rawBody: body, nowMs: now }),
    ).toContain('missing');
  });
});
