/**
 * Password hashing: argon2id with explicit parameters, so that a change of the library's defaults cannot weaken
 * stored hashes silently. 19 MiB of memory, 2 passes, 1 lane is OWASP's recommended minimum for argon2id
 * (Password Storage Cheat Sheet); a hash costs roughly 50 ms. The parameters travel in each PHC string, so hashes
 * made with other parameters still verify.
 */
import { randomBytes } from 'node:crypto';

import { hash, verify, type Options } from '@node-rs/argon2';

/** argon2id is the library's default algorithm (`Algorithm.Argon2id`, a const enum we cannot import here). */
const ARGON2_OPTIONS: Options = {
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** False for a wrong password, and for a stored value that is not a hash (never throws on a bad hash). */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies against a hash of a random password and returns false: called when the user does not exist (or has
 * no password), so that an unknown user costs the same time as a wrong password and a login's timing does not
 * tell which usernames exist. The dummy hash is made once per process, with the same parameters.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString('base64url'));
  await verifyPassword(await dummyHash, password);
  return false;
}
