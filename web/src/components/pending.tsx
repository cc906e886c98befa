/**
 * The pending requests the caller may see, shared by the header's count and the inbox, kept current by the live
 * stream: any `hitl_*` event (raised, voted, decided, expired, cancelled) reloads the list, a burst of them once.
 */
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { ReactNode } from 'react';

import { listAllRequests } from '../api/client';
import { onLiveEvent, onLiveResync } from '../api/live';
import type { HitlRequest } from '../api/types';

interface Pending {
  readonly items: readonly HitlRequest[] | null;
  readonly error: string | null;
  /** Bumped by every `hitl_*` event, so that other lists (the Decided tab) can reload too. */
  readonly version: number;
  readonly reload: () => void;
}

const PendingContext = createContext<Pending | null>(null);
/** Events that come together (a quorum's votes, a batch) are read as one change. */
const SETTLE_MS = 150;

export function PendingProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<readonly HitlRequest[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const loading = useRef(0);

  const reload = useCallback(() => {
    const ticket = ++loading.current;
    listAllRequests('pending').then(
      (list) => {
        // A slower earlier load must not overwrite a newer one.
        if (ticket !== loading.current) return;
        setItems(list);
        setError(null);
      },
      (cause: unknown) => {
        if (ticket === loading.current) setError(messageOf(cause));
      },
    );
  }, []);

  useEffect(() => {
    reload();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = onLiveEvent((event) => {
      if (!event.type.startsWith('hitl_')) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        setVersion((v) => v + 1);
        reload();
      }, SETTLE_MS);
    });
    const unsubscribeResync = onLiveResync(() => {
      setVersion((v) => v + 1);
      reload();
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
      unsubscribeResync();
    };
  }, [reload]);

  const value = useMemo(() => ({ items, error, version, reload }), [items, error, version, reload]);
  return <PendingContext.Provider value={value}>{children}</PendingContext.Provider>;
}

export function usePending(): Pending {
  const pending = useContext(PendingContext);
  if (!pending) throw new Error('usePending outside PendingProvider');
  return pending;
}

export function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
