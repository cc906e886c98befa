/**
 * Slack's request signing (api.slack.com/authentication/verifying-requests-from-slack): `X-Slack-Signature` is
 * `v0=` + hex HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<raw body>` under the app's signing secret. A
 * timestamp more than five minutes from now is refused, so a captured request cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SLACK_TOLERANCE_S = 5 * 60;

export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Why the request is refused, or undefined when it is Slack's. */
export function slackSignatureProblem(
  secret: string,
  input: {
    readonly timestamp: string | undefined;
    readonly signature: string | undefined;
    readonly rawBody: string;
    readonly nowMs: number;
  },
): string | undefined {
  const { timestamp, signature } = input;
  if (!timestamp || !signature) return 'The Slack signature headers are missing';
  if (!/^\d{1,12}$/.test(timestamp)) return 'The Slack timestamp is not a number';
  if (Math.abs(input.nowMs / 1000 - Number(timestamp)) > SLACK_TOLERANCE_S) {
    return 'The Slack timestamp is more than five minutes away';
  }
  const expected = Buffer.from(slackSignature(secret, timestamp, input.rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return 'The Slack signature does not match';
  }
  return undefined;
}
