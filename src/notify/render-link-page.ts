/**
 * The pages of a decision link. The confirmation page is a plain form (no script at all, so nothing submits it but
 * a person's click); every other page says plainly what happened to the link.
 */
import { escapeHtml } from './escape-html.js';
import { contextText, type RequestSummary } from './render-mail.js';

export interface ConfirmPageInput {
  readonly request: RequestSummary;
  readonly approverName: string;
  readonly approverEmail: string;
  readonly nonce: string;
  readonly requestUrl: string | undefined;
  readonly linkExpiresAt: string;
  /** The node asks for sign-in: no buttons, a way to sign in instead. */
  readonly loginUrl?: string;
  /** The request wants an answer (a form, options) that this page cannot take. */
  readonly needsAnswer: boolean;
}

function layout(title: string, body: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta name="robots" content="noindex,nofollow"><title>${escapeHtml(title)} · Flowgate</title>` +
    `<style>body{margin:0;background:#f3f4f6;font:16px/1.5 -apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;` +
    `color:#111827}main{max-width:600px;margin:0 auto;padding:20px;background:#fff}h1{font-size:21px}` +
    `pre{white-space:pre-wrap;word-break:break-word;background:#f9fafb;border:1px solid #e5e7eb;padding:10px;` +
    `font-size:14px}textarea{width:100%;box-sizing:border-box;font:inherit;min-height:90px}` +
    `button{font:inherit;font-size:17px;font-weight:600;padding:12px 22px;border-radius:6px;border:0;` +
    `margin:8px 8px 0 0;cursor:pointer}.approve{background:#15803d;color:#fff}` +
    `.reject{background:#b91c1c;color:#fff}.muted{color:#4b5563;font-size:14px}</style></head>` +
    `<body><main>${body}</main></body></html>`
  );
}

function paragraphs(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replaceAll('\n', '<br>')}</p>`)
    .join('');
}

export function renderConfirmPage(input: ConfirmPageInput): string {
  const { request } = input;
  const context = contextText(request.proposed);
  const who =
    `<p class="muted">You are deciding as <strong>${escapeHtml(input.approverName)}</strong>` +
    `${input.approverEmail ? ` (${escapeHtml(input.approverEmail)})` : ''}. This link works once, until ` +
    `${escapeHtml(input.linkExpiresAt)}.</p>`;
  const open = input.requestUrl
    ? `<p><a href="${escapeHtml(input.requestUrl)}">Open the request in Flowgate</a></p>`
    : '';
  let action: string;
  if (input.loginUrl) {
    action =
      `<p><strong>This request asks you to sign in before you decide.</strong> ` +
      `<a href="${escapeHtml(input.loginUrl)}">Sign in to Flowgate</a> as ${escapeHtml(input.approverName)}, ` +
      `then decide there.</p>`;
  } else if (input.needsAnswer) {
    action = `<p><strong>This request needs an answer that only Flowgate’s own page can take.</strong></p>`;
  } else {
    action =
      `<form method="post" action="" autocomplete="off">` +
      `<input type="hidden" name="nonce" value="${escapeHtml(input.nonce)}">` +
      `<label for="comment">Comment (optional)</label>` +
      `<textarea id="comment" name="comment" maxlength="4000"></textarea>` +
      `<button class="approve" type="submit" name="decision" value="approve">Approve</button>` +
      `<button class="reject" type="submit" name="decision" value="reject">Reject</button>` +
      `</form>`;
  }
  return layout(
    'Your decision',
    `<h1>Your decision is needed</h1>` +
      paragraphs(request.message) +
      (context ? `<p><strong>Details</strong></p><pre>${escapeHtml(context)}</pre>` : '') +
      `<p class="muted">Workflow ${escapeHtml(request.dagId ?? '')}, run ${escapeHtml(request.workflowId)}, ` +
      `step ${escapeHtml(request.nodeId)}.</p>` +
      who +
      action +
      open,
  );
}

/** A page that only says something: a link that is not valid (any more), or what a decision did. */
export function renderNoticePage(
  title: string,
  text: string,
  link?: { readonly url: string; readonly label: string },
): string {
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1>${paragraphs(text)}` +
      (link ? `<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>` : ''),
  );
}
