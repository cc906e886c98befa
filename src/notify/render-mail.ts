/**
 * The mails Flowgate writes, as text and HTML parts that read well on a phone: one column, large type, big buttons,
 * and every link also printed as text. Pure functions: what goes in is already looked up.
 */
import { escapeHtml } from './escape-html.js';

export interface MailAttachment {
  readonly filename: string;
  readonly content: Buffer;
  readonly contentType?: string;
}

/** A mail ready for the transport. */
export interface OutgoingMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly attachments: readonly MailAttachment[];
  /** Stable across retries, so a receiver can drop the copy a crashed attempt already delivered. */
  readonly messageId: string;
}

export interface RequestSummary {
  readonly requestId: string;
  readonly workflowId: string;
  readonly dagId: string | null;
  readonly nodeId: string;
  readonly message: string;
  /** The values the approver is asked about (context.proposed), shown compactly. */
  readonly proposed: unknown;
  readonly expiresAt: string | null;
}

export interface ApproverMailInput {
  readonly request: RequestSummary;
  readonly approverName: string;
  /** The confirmation page (`/a/<token>`): a GET there never decides. */
  readonly decisionUrl: string;
  /** The request in the web UI. */
  readonly requestUrl: string;
  readonly linkExpiresAt: string;
  readonly requireLogin: boolean;
  /** Why this mail goes out: the request was raised (the default), is still waiting, or was escalated to them. */
  readonly occasion?: MailOccasion;
}

export type MailOccasion = 'raised' | 'reminder' | 'escalation';

const OCCASIONS: Readonly<Record<MailOccasion, { heading: string; subject: string }>> = {
  raised: { heading: 'Your decision is needed', subject: 'Approval needed' },
  reminder: { heading: 'Reminder: your decision is still needed', subject: 'Reminder' },
  escalation: {
    heading: 'This request was escalated to you: your decision is needed',
    subject: 'Escalated',
  },
};

const MAX_SUBJECT = 120;
const MAX_CONTEXT = 1_500;

export function subjectOf(request: Pick<RequestSummary, 'message'>, prefix: string): string {
  const line = request.message.replace(/\s+/g, ' ').trim();
  const subject = `${prefix}: ${line}`;
  return subject.length > MAX_SUBJECT ? `${subject.slice(0, MAX_SUBJECT - 1)}…` : subject;
}

/** The proposed values as indented JSON, cut short: a mail shows what matters, the UI shows the rest. */
export function contextText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return text.length > MAX_CONTEXT ? `${text.slice(0, MAX_CONTEXT)}\n…` : text;
}

function button(url: string, label: string, primary: boolean): string {
  const colors = primary
    ? 'background:#1a56db;color:#ffffff;'
    : 'background:#e5e7eb;color:#111827;';
  return (
    `<a href="${escapeHtml(url)}" style="display:inline-block;${colors}padding:14px 22px;` +
    `border-radius:6px;font-size:17px;font-weight:600;text-decoration:none;margin:6px 8px 6px 0;">` +
    `${escapeHtml(label)}</a>`
  );
}

function page(title: string, body: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f3f4f6;">` +
    `<div style="max-width:600px;margin:0 auto;padding:20px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;` +
    `font-size:16px;line-height:1.5;color:#111827;background:#ffffff;">${body}</div></body></html>`
  );
}

function paragraphs(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((p) => `<p style="margin:0 0 14px;">${escapeHtml(p).replaceAll('\n', '<br>')}</p>`)
    .join('');
}

function contextBlock(request: RequestSummary): { text: string; html: string } {
  const context = contextText(request.proposed);
  const where = `Workflow ${request.dagId ?? ''} (run ${request.workflowId}), step ${request.nodeId}`;
  const due = request.expiresAt ? `Decide before ${request.expiresAt}.` : '';
  return {
    text: [context ? `Details:\n${context}` : '', where, due].filter(Boolean).join('\n\n'),
    html:
      (context
        ? `<p style="margin:0 0 6px;font-weight:600;">Details</p><pre style="white-space:pre-wrap;` +
          `word-break:break-word;background:#f9fafb;border:1px solid #e5e7eb;padding:10px;font-size:14px;` +
          `margin:0 0 14px;">${escapeHtml(context)}</pre>`
        : '') +
      `<p style="margin:0 0 14px;color:#4b5563;font-size:14px;">${escapeHtml(where)}` +
      (due ? `<br>${escapeHtml(due)}` : '') +
      `</p>`,
  };
}

/** The mail to one approver: the message, the context, a button to the confirmation page and one to the UI. */
export function renderApproverMail(input: ApproverMailInput): {
  subject: string;
  text: string;
  html: string;
} {
  const { request } = input;
  const occasion = OCCASIONS[input.occasion ?? 'raised'];
  const context = contextBlock(request);
  const login = input.requireLogin
    ? 'You will be asked to sign in to Flowgate before you decide.'
    : 'The link opens a page where you confirm; opening it decides nothing.';
  const text = [
    `Hello ${input.approverName},`,
    `${occasion.heading}:`,
    request.message,
    context.text,
    `Review and decide: ${input.decisionUrl}`,
    `Open in Flowgate: ${input.requestUrl}`,
    `${login} The link is yours alone and works once, until ${input.linkExpiresAt}.`,
  ].join('\n\n');
  const html = page(
    occasion.heading,
    `<p style="margin:0 0 14px;">Hello ${escapeHtml(input.approverName)},</p>` +
      `<h1 style="font-size:20px;margin:0 0 14px;">${escapeHtml(occasion.heading)}</h1>` +
      paragraphs(request.message) +
      context.html +
      `<div style="margin:18px 0;">${button(input.decisionUrl, 'Review and decide', true)}` +
      `${button(input.requestUrl, 'Open in Flowgate', false)}</div>` +
      `<p style="margin:0 0 8px;font-size:13px;color:#4b5563;">${escapeHtml(login)} The link is yours alone ` +
      `and works once, until ${escapeHtml(input.linkExpiresAt)}. Forwarding it lets others decide as you.</p>` +
      `<p style="margin:0;font-size:13px;color:#4b5563;word-break:break-all;">${escapeHtml(input.decisionUrl)}</p>`,
  );
  return { subject: subjectOf(request, occasion.subject), text, html };
}

/** Seed 002's informational copy (to, cc, bcc): the request, a link to it in the UI, and no decision link. */
export function renderCopyMail(
  request: RequestSummary,
  requestUrl: string | undefined,
): { subject: string; text: string; html: string } {
  const context = contextBlock(request);
  const open = requestUrl ? `Open in Flowgate: ${requestUrl}` : '';
  const text = ['A decision has been requested:', request.message, context.text, open]
    .filter(Boolean)
    .join('\n\n');
  const html = page(
    'A decision has been requested',
    `<h1 style="font-size:20px;margin:0 0 14px;">A decision has been requested</h1>` +
      paragraphs(request.message) +
      context.html +
      (requestUrl
        ? `<div style="margin:18px 0;">${button(requestUrl, 'Open in Flowgate', true)}</div>`
        : ''),
  );
  return { subject: subjectOf(request, 'Decision requested'), text, html };
}
