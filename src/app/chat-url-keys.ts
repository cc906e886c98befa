/**
 * The keys that seal chat destination URLs at rest (a Slack or Teams incoming-webhook URL is a credential).
 *
 * With FLOWGATE_JWT_SECRET set, the key is derived from it, so a copy of the database alone does not reveal the
 * URLs. Without it the server has no lasting secret of its own (access tokens then use a random key per start), so
 * a random key kept in `flowgate_keys` is used instead: that still keeps the URLs out of exports of the table, logs
 * and API answers, but not from whoever holds the whole database, and the README says so. Values sealed with the
 * database's key stay readable after FLOWGATE_JWT_SECRET is set, and are sealed again with the new key at the next
 * start. Rows written before sealing existed (plain URLs) are sealed at start too; until then they read as they are.
 */
import { randomBytes } from 'node:crypto';

import { SETTINGS } from '../config/settings.js';
import {
  deriveSealKey,
  isSealed,
  seal,
  sealedWith,
  unseal,
  UnsealError,
  type SealKey,
} from '../notify/sealed-text.js';
import type { Store } from '../store/port.js';
import { ensureServerKey } from '../store/repositories/action-tokens.js';
import {
  listChatDestinationUrls,
  replaceChatDestinationUrl,
} from '../store/repositories/chat-destinations.js';
import { toIso, type Clock } from '../shared/clock.js';

/** HKDF's info: a key derived for chat URLs is used for nothing else. */
const PURPOSE = 'flowgate chat destination url v1';
const STORED_KEY_NAME = 'chat_url_key';
const SECRET_SOURCE = SETTINGS.jwtSecret.env;
const STORED_SOURCE = `the database's own key, used while ${SETTINGS.jwtSecret.env} is not set`;

/** FLOWGATE_JWT_SECRET from the environment, for processes (`flowgate run`, library use) not given it. */
export function serverSecretFromEnv(): string | undefined {
  return process.env[SETTINGS.jwtSecret.env] || undefined;
}

export interface ChatUrlKeysDeps {
  readonly store: Store;
  readonly clock: Clock;
  /** FLOWGATE_JWT_SECRET, when the operator set one. */
  readonly secret: string | undefined;
}

export class ChatUrlKeys {
  readonly #deps: ChatUrlKeysDeps;
  readonly #configured: SealKey | undefined;
  #stored: Promise<SealKey> | undefined;

  constructor(deps: ChatUrlKeysDeps) {
    this.#deps = deps;
    this.#configured =
      deps.secret === undefined ? undefined : deriveSealKey(deps.secret, PURPOSE, SECRET_SOURCE);
  }

  /** Seals a destination's URL; the destination id is bound in, so the value opens in that row only. */
  async seal(destinationId: string, url: string): Promise<string> {
    return seal(this.#configured ?? (await this.#storedKey()), url, context(destinationId));
  }

  /** The URL of a stored value; throws UnsealError saying which key is missing or that the value was altered. */
  async open(destinationId: string, stored: string): Promise<string> {
    if (!isSealed(stored)) return stored;
    const keys = this.#configured ? [this.#configured] : [];
    // The database's key is read only when the configured one is not the key that sealed the value.
    if (sealedWith(stored) !== this.#configured?.id) {
      keys.push(await this.#storedKey());
    }
    return unseal(keys, stored, context(destinationId));
  }

  /**
   * Seals the rows still holding a plain URL, and seals again those sealed with the database's key when a secret is
   * now configured. Each row is replaced only if it still holds what was read, so two processes starting together
   * cannot overwrite a URL an admin changed meanwhile. Values no key here opens are left alone (and fail to send,
   * saying why). Returns how many rows changed, and why the first unreadable one could not be opened.
   */
  async sealStoredUrls(): Promise<{ changed: number; unreadable: number; problem?: string }> {
    const rows = await this.#deps.store.read((db) => listChatDestinationUrls(db));
    let changed = 0;
    let unreadable = 0;
    let problem: string | undefined;
    for (const row of rows) {
      const current = this.#configured;
      const outdated = current !== undefined && sealedWith(row.url) !== current.id;
      if (isSealed(row.url) && !outdated) continue;
      let url: string;
      try {
        url = await this.open(row.destinationId, row.url);
      } catch (error) {
        if (!(error instanceof UnsealError)) throw error;
        unreadable += 1;
        problem ??= error.message;
        continue;
      }
      const sealed = await this.seal(row.destinationId, url);
      const replaced = await this.#deps.store.transaction((tx) =>
        replaceChatDestinationUrl(tx, row.destinationId, row.url, sealed),
      );
      if (replaced) changed += 1;
    }
    return { changed, unreadable, ...(problem !== undefined ? { problem } : {}) };
  }

  #storedKey(): Promise<SealKey> {
    const { store, clock } = this.#deps;
    this.#stored ??= store
      .transaction((tx) =>
        ensureServerKey(
          tx,
          STORED_KEY_NAME,
          randomBytes(32).toString('base64url'),
          toIso(clock.now()),
        ),
      )
      .then((value) => deriveSealKey(value, PURPOSE, STORED_SOURCE))
      .catch((error: unknown) => {
        this.#stored = undefined;
        throw error;
      });
    return this.#stored;
  }
}

function context(destinationId: string): string {
  return `chat_destinations.url:${destinationId}`;
}
