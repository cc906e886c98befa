/**
 * Seed 002's email args (`to`, `cc`, `bcc`, `bodyHTML`, `bodyText`, `attachments`, plus `subject`), read and checked.
 * Addresses may be a list or one comma-separated string.
 */
export interface MailArgs {
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  readonly subject?: string;
  readonly bodyText?: string;
  readonly bodyHTML?: string;
  /** Paths inside the allowed attachments folder. */
  readonly attachments: readonly string[];
}

// Deliberately loose (the SMTP server is the judge of an address); it refuses what could smuggle headers.
const ADDRESS = /^[^\s@<>,;"\r\n]+@[^\s@<>,;"\r\n]+$/;

function addresses(value: unknown, field: string, problems: string[]): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : null;
  if (!list) {
    problems.push(`${field} must be an address or a list of addresses`);
    return [];
  }
  const out: string[] = [];
  for (const entry of list as unknown[]) {
    const address = typeof entry === 'string' ? entry.trim() : '';
    if (address === '' && typeof entry === 'string') continue;
    if (!ADDRESS.test(address) || address.length > 320) {
      problems.push(`${field}: ${JSON.stringify(entry)} is not an email address`);
    } else {
      out.push(address);
    }
  }
  return out;
}

function text(value: unknown, field: string, problems: string[]): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  problems.push(`${field} must be text`);
  return undefined;
}

/** The args, or every problem with them. `needsRecipient`: an email node must name someone. */
export function readMailArgs(
  value: unknown,
  options: { needsRecipient: boolean },
): { ok: true; args: MailArgs } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const source =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : (problems.push('the email args must be an object'), {});
  const to = addresses(source.to, 'to', problems);
  const cc = addresses(source.cc, 'cc', problems);
  const bcc = addresses(source.bcc, 'bcc', problems);
  const subject = text(source.subject, 'subject', problems);
  const bodyText = text(source.bodyText, 'bodyText', problems);
  const bodyHTML = text(source.bodyHTML, 'bodyHTML', problems);
  const attachments: string[] = [];
  if (source.attachments !== undefined && source.attachments !== null) {
    if (!Array.isArray(source.attachments)) problems.push('attachments must be a list of paths');
    else {
      for (const entry of source.attachments as unknown[]) {
        if (typeof entry === 'string' && entry.trim() !== '') attachments.push(entry.trim());
        else problems.push('attachments must be a list of paths');
      }
    }
  }
  if (options.needsRecipient && to.length + cc.length + bcc.length === 0) {
    problems.push('an email needs at least one recipient (to, cc or bcc)');
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    args: {
      to,
      cc,
      bcc,
      attachments,
      ...(subject !== undefined ? { subject: subject.replace(/\s+/g, ' ').trim() } : {}),
      ...(bodyText !== undefined ? { bodyText } : {}),
      ...(bodyHTML !== undefined ? { bodyHTML } : {}),
    },
  };
}
