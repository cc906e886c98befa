/** Chat destinations and Slack's interaction answers as the API shows them (API.md "Notifications…"). */
import { z } from 'zod';

export const ChatKind = z.enum(['slack', 'teams']);

export const ChatDestination = z
  .object({
    id: z.string(),
    kind: ChatKind,
    name: z.string(),
    url: z
      .string()
      .describe(
        'Masked (`https://hooks.slack.com/…Xa9Q`): the URL is a credential, stored encrypted and never shown again',
      ),
    urlProblem: z
      .string()
      .optional()
      .describe('Why the stored URL cannot be read here (encrypted with a key this server lacks)'),
    active: z.boolean(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe(
    'Where approval requests are posted: a Slack incoming webhook or a Teams Workflows URL',
  );

export const ChatDestinationList = z.object({
  items: z.array(ChatDestination),
  nextCursor: z.string().nullable(),
});

export const CreateChatDestinationBody = z.object({
  kind: ChatKind,
  name: z.string().min(1).max(100),
  url: z.string().min(1).max(2048),
});

export const UpdateChatDestinationBody = z.object({
  name: z.string().min(1).max(100).optional(),
  url: z.string().min(1).max(2048).optional(),
  active: z.boolean().optional(),
});

export const ChatTestRef = z.object({ messageId: z.string() });

export const SlackReply = z
  .object({ response_type: z.literal('ephemeral'), text: z.string() })
  .describe('A message only the clicking Slack user sees');
