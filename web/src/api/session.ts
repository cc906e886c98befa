/**
 * The signed-in session: the access token lives in memory only; the refresh token in sessionStorage (one tab's
 * login survives a reload of that tab, and nothing outlives the tab). Refreshing rotates the pair, one refresh at a
 * time: callers that need a token while a refresh is running wait for that one, since a spent refresh token sent
 * twice would revoke the whole login (src/http/routes/auth.ts).
 */
import type { TokenPair, User } from './types';

const REFRESH_KEY = 'flowgate.refresh';
/** Refresh this long before the access token expires, so that no request is sent with a token about to lapse. */
const EARLY_MS = 60_000;

type Listener = (user: User | null) => void;

let accessToken: string | null = null;
let expiresAt = 0;
let user: User | null = null;
let refreshing: Promise<string | null> | null = null;
const listeners = new Set<Listener>();

export function currentUser(): User | null {
  return user;
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify(): void {
  for (const listener of listeners) listener(user);
}

/** The `exp` claim of a JWT, in ms; 0 when it cannot be read (the token is then refreshed on its first 401). */
function expiryOf(token: string): number {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : 0;
  } catch {
    return 0;
  }
}

export function setTokens(pair: TokenPair): void {
  accessToken = pair.accessToken;
  expiresAt = expiryOf(pair.accessToken);
  user = pair.user;
  sessionStorage.setItem(REFRESH_KEY, pair.refreshToken);
  notify();
}

export function setUser(next: User): void {
  user = next;
  notify();
}

export function clearSession(): void {
  accessToken = null;
  expiresAt = 0;
  user = null;
  sessionStorage.removeItem(REFRESH_KEY);
  notify();
}

export function storedRefreshToken(): string | null {
  return sessionStorage.getItem(REFRESH_KEY);
}

/**
 * A fresh token after `refused` was refused (401): the one in memory when a refresh has replaced `refused` already
 * (a call sent before the refresh came back after it), else a new one. So many refused calls make one refresh.
 */
export function tokenAfter401(refused: string | null): Promise<string | null> {
  if (accessToken !== null && accessToken !== refused) return Promise.resolve(accessToken);
  return refresh();
}

/** An access token fit to send: the one in memory, or a fresh one when it is missing or near its expiry. */
export async function validAccessToken(): Promise<string | null> {
  if (accessToken !== null && (expiresAt === 0 || Date.now() < expiresAt - EARLY_MS)) {
    return accessToken;
  }
  return refresh();
}

/** Trades the refresh token for a new pair; concurrent callers share one request. Null when the login has ended. */
export function refresh(): Promise<string | null> {
  refreshing ??= (async () => {
    const refreshToken = storedRefreshToken();
    if (refreshToken === null) {
      clearSession();
      return null;
    }
    try {
      const response = await fetch('/api/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
      });
      if (!response.ok) {
        clearSession();
        return null;
      }
      const pair = (await response.json()) as TokenPair;
      setTokens(pair);
      return pair.accessToken;
    } catch {
      // The network failed: keep the refresh token, so that the next try can still use it.
      return null;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}
