import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { attachmentPathProblem, loadAttachments, PermanentMailError } from './attachments.js';

const root = mkdtempSync(join(tmpdir(), 'flowgate-attachments-'));
const dir = join(root, 'allowed');
mkdirSync(join(dir, 'sub'), { recursive: true });
writeFileSync(join(dir, 'a.txt'), 'aaaa');
writeFileSync(join(dir, 'sub', 'b.txt'), 'bbbb');
writeFileSync(join(root, 'secret.txt'), 'secret');
symlinkSync(join(root, 'secret.txt'), join(dir, 'link.txt'));

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('attachments', () => {
  it('come only from the allowed folder, checked before and after following links', async () => {
    const policy = { dir, maxBytes: 1_000 };
    expect(attachmentPathProblem(policy, ['a.txt', 'sub/b.txt'])).toBeUndefined();
    for (const path of ['../secret.txt', '/etc/passwd', 'sub/../../secret.txt', '.']) {
      expect(attachmentPathProblem(policy, [path]), path).toContain('outside');
    }
    expect(attachmentPathProblem({ maxBytes: 1_000 }, ['a.txt'])).toContain('not allowed');
    const loaded = await loadAttachments(policy, ['a.txt', 'sub/b.txt']);
    expect(loaded.map((a) => [a.filename, a.content.toString()])).toEqual([
      ['a.txt', 'aaaa'],
      ['b.txt', 'bbbb'],
    ]);
    await expect(loadAttachments(policy, ['link.txt'])).rejects.toThrow(PermanentMailError);
    await expect(loadAttachments(policy, ['missing.txt'])).rejects.toThrow('does not exist');
  });

  it('are capped in total size', async () => {
    await expect(loadAttachments({ dir, maxBytes: 6 }, ['a.txt', 'sub/b.txt'])).rejects.toThrow(
      'weigh more',
    );
  });
});
