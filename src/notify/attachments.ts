/**
 * Attachments come only from one folder the operator allows, and only up to a total size: workflow data names the
 * files, so without these limits a run could mail any file the process can read.
 */
import { realpath, stat, readFile } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';

import type { MailAttachment } from './render-mail.js';

export interface AttachmentPolicy {
  /** The allowed folder; without it no attachment is allowed. */
  readonly dir?: string;
  /** The most all of a mail's attachments may weigh together. */
  readonly maxBytes: number;
}

/** Why a mail sends nothing more and is not retried. */
export class PermanentMailError extends Error {
  override readonly name = 'PermanentMailError';
}

function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** A problem with the paths as written (no I/O), or undefined. */
export function attachmentPathProblem(
  policy: AttachmentPolicy,
  paths: readonly string[],
): string | undefined {
  if (paths.length === 0) return undefined;
  if (!policy.dir) return 'attachments are not allowed here (no attachments folder is configured)';
  const dir = resolve(policy.dir);
  for (const path of paths) {
    if (!inside(dir, resolve(dir, path)))
      return `attachment ${JSON.stringify(path)} is outside the attachments folder`;
  }
  return undefined;
}

/** Reads the files, after following links, checking again that each lies inside the folder and the total fits. */
export async function loadAttachments(
  policy: AttachmentPolicy,
  paths: readonly string[],
): Promise<MailAttachment[]> {
  const problem = attachmentPathProblem(policy, paths);
  if (problem) throw new PermanentMailError(problem);
  if (paths.length === 0) return [];
  const dir = await realpath(resolve(policy.dir!));
  let total = 0;
  const out: MailAttachment[] = [];
  for (const path of paths) {
    let real: string;
    try {
      real = await realpath(resolve(dir, path));
    } catch {
      throw new PermanentMailError(`attachment ${JSON.stringify(path)} does not exist`);
    }
    if (!inside(dir, real))
      throw new PermanentMailError(
        `attachment ${JSON.stringify(path)} is outside the attachments folder`,
      );
    const info = await stat(real);
    if (!info.isFile())
      throw new PermanentMailError(`attachment ${JSON.stringify(path)} is not a file`);
    total += info.size;
    if (total > policy.maxBytes) {
      throw new PermanentMailError(
        `the attachments weigh more than the ${policy.maxBytes} bytes allowed`,
      );
    }
    out.push({ filename: basename(real), content: await readFile(real) });
  }
  return out;
}
