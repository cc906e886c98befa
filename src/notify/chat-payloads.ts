/**
 * The bodies chat destinations receive, built when a message is sent. Slack gets Block Kit (a section with the
 * question, a context line, and Review / Approve / Reject buttons); a Teams Workflows URL gets an Adaptive Card in
 * the message envelope Workflows expect. Every link points at the request's page in the UI, where the person signs
 * in: never at a decision link, since a chat message is seen by a whole channel and unfurled by bots.
 */

export interface ChatMessageInput {
  readonly title: string;
  /** The question (seed 002's `args.message`, or the request's message). */
  readonly message: string;
  /** `<publicUrl>/requests/<requestId>`, or undefined for a test message. */
  readonly requestUrl: string | undefined;
  readonly requestId: string | undefined;
  readonly workflowId: string | undefined;
  readonly dagId: string | undefined;
  readonly nodeId: string | undefined;
  /** Seed 002's `args.expectedResponse`: the answers the question expects. */
  readonly expectedResponse: readonly string[];
}

/** The action ids Slack sends back when a button is clicked (`POST /api/integrations/slack/actions`). */
export const SLACK_ACTIONS = { approve: 'flowgate_approve', reject: 'flowgate_reject' } as const;

// Slack's limits: a section's text holds 3,000 characters, a context element 2,000, the fallback text 40,000.
const SECTION_MAX = 3_000;
const CONTEXT_MAX = 2_000;

/** Slack mrkdwn treats `&`, `<` and `>` as control characters (links, mentions); everything else is shown as is. */
export function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function contextLine(input: ChatMessageInput): string {
  const parts: string[] = [];
  if (input.dagId) parts.push(`DAG ${input.dagId}`);
  if (input.workflowId) parts.push(`run ${input.workflowId}`);
  if (input.nodeId) parts.push(`step ${input.nodeId}`);
  if (input.expectedResponse.length > 0) {
    parts.push(`expected answers: ${input.expectedResponse.join(' / ')}`);
  }
  return parts.join(' · ');
}

export function slackMessage(input: ChatMessageInput): Record<string, unknown> {
  const headline = `*${escapeSlack(input.title)}*`;
  const body = input.message.trim() === '' ? '' : `\n${escapeSlack(input.message)}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: clip(headline + body, SECTION_MAX) } },
  ];
  const context = contextLine(input);
  if (context !== '') {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: clip(escapeSlack(context), CONTEXT_MAX) }],
    });
  }
  if (input.requestUrl && input.requestId) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'flowgate_review',
          text: { type: 'plain_text', text: 'Review' },
          url: input.requestUrl,
        },
        {
          type: 'button',
          action_id: SLACK_ACTIONS.approve,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
          value: input.requestId,
        },
        {
          type: 'button',
          action_id: SLACK_ACTIONS.reject,
          style: 'danger',
          text: { type: 'plain_text', text: 'Reject' },
          value: input.requestId,
        },
      ],
    });
  }
  return {
    // The fallback shown in notifications and by clients without Block Kit.
    text: clip(`${input.title}: ${input.message}`, SECTION_MAX),
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
}

export function teamsMessage(input: ChatMessageInput): Record<string, unknown> {
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', text: input.title, weight: 'Bolder', size: 'Medium', wrap: true },
  ];
  if (input.message.trim() !== '')
    body.push({ type: 'TextBlock', text: input.message, wrap: true });
  const context = contextLine(input);
  if (context !== '') {
    body.push({ type: 'TextBlock', text: context, isSubtle: true, size: 'Small', wrap: true });
  }
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          actions: input.requestUrl
            ? [{ type: 'Action.OpenUrl', title: 'Review', url: input.requestUrl }]
            : [],
        },
      },
    ],
  };
}
