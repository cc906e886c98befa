/**
 * Who is signed in, for the whole UI: restores a tab's login after a reload (one refresh), and signs in and out.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';

import { login as apiLogin, logout as apiLogout, updatePreferences } from '../api/client';
import { currentUser, onSessionChange, refresh, setUser, storedRefreshToken } from '../api/session';
import type { Preferences, User } from '../api/types';

interface Session {
  readonly user: User | null;
  /** False until a stored login has been restored or found missing. */
  readonly ready: boolean;
  readonly signIn: (username: string, password: string) => Promise<void>;
  readonly signOut: () => Promise<void>;
  readonly savePreferences: (preferences: Preferences) => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUserState] = useState<User | null>(currentUser());
  const [ready, setReady] = useState(() => storedRefreshToken() === null || currentUser() !== null);

  useEffect(() => onSessionChange(setUserState), []);
  useEffect(() => {
    if (ready) return;
    void refresh().finally(() => setReady(true));
  }, [ready]);

  const signIn = useCallback(async (username: string, password: string) => {
    await apiLogin(username, password);
  }, []);
  const signOut = useCallback(() => apiLogout(), []);
  const savePreferences = useCallback(async (preferences: Preferences) => {
    const current = currentUser()?.preferences ?? {};
    setUser(await updatePreferences({ ...current, ...preferences }));
  }, []);

  const value = useMemo(
    () => ({ user, ready, signIn, signOut, savePreferences }),
    [user, ready, signIn, signOut, savePreferences],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The signed-in user (inside the pages that require one). */
export function useUser(): User {
  const { user } = useSession();
  if (!user) throw new Error('useUser without a signed-in user');
  return user;
}

/** The user's time zone preference, else the browser's. */
export function useTimeZone(): string | undefined {
  const { user } = useSession();
  return user?.preferences?.timezone || undefined;
}
