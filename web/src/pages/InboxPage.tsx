/**
 * The approver's inbox: tabs (Mine, My roles, All I can see, Decided), soonest due first, a text filter, all kept in
 * the URL; live (the pending list reloads on every request event); keyboard triage: j/k move, Enter opens.
 * The Decided tab grows without bound, so it is paged on the server (newest decision first, a keyset cursor in the
 * URL, "decided by me" as a server filter); its text filter narrows the page shown.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';

import { listRequests } from '../api/client';
import type { HitlRequest, Page } from '../api/types';
import { PageHeading } from '../components/PageHeading';
import { messageOf, usePending } from '../components/pending';
import { useTimeZone, useUser } from '../components/session';
import { TABS, inTab, isTab, sortForTab, type TabId } from '../lib/inbox';
import { statusText } from '../lib/status';
import { requestSummary } from '../lib/tool-call';
import { formatTime, relativeTime } from '../lib/time';

/** A page of the Decided tab. */
const DECIDED_PAGE = 50;

/** Where the request page returns to and takes "next" from. */
export interface InboxState {
  readonly inbox: string;
}

function matches(request: HitlRequest, text: string): boolean {
  if (text === '') return true;
  const needle = text.toLowerCase();
  return [
    request.message,
    request.dagId,
    request.nodeId,
    request.workflowId,
    request.toolCall?.toolName,
  ].some((field) => field?.toLowerCase().includes(needle));
}

/** The requests of a tab as the inbox shows them (also used by the request page to find the next one). */
export function inboxRows(
  requests: readonly HitlRequest[],
  tab: TabId,
  text: string,
  user: Parameters<typeof inTab>[2],
): HitlRequest[] {
  const shown = requests.filter((request) => inTab(request, tab, user) && matches(request, text));
  // Decided pages come from the server newest decision first: its order stands.
  return tab === 'decided' ? shown : sortForTab(shown, tab);
}

export function InboxPage() {
  const user = useUser();
  const timeZone = useTimeZone();
  const navigate = useNavigate();
  const location = useLocation();
  const [params, setParams] = useSearchParams();
  const { items, error, version } = usePending();
  const tab: TabId = isTab(params.get('tab')) ? (params.get('tab') as TabId) : 'mine';
  const text = params.get('q') ?? '';
  const cursor = tab === 'decided' ? (params.get('cursor') ?? '') : '';
  const mineOnly = tab === 'decided' && params.get('by') === 'me';
  const pageSize = Math.min(500, Number(params.get('limit')) || DECIDED_PAGE);
  const [decided, setDecided] = useState<Page<HitlRequest> | null>(null);
  const [decidedError, setDecidedError] = useState<string | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const notice = (location.state as { notice?: string } | null)?.notice;

  // One page of closed requests from the server; reloaded with the pending list on each request event.
  useEffect(() => {
    if (tab !== 'decided') return;
    let current = true;
    listRequests({
      status: 'decided',
      limit: pageSize,
      ...(cursor ? { cursor } : {}),
      ...(mineOnly ? { respondedBy: user.username } : {}),
    }).then(
      (page) => {
        if (!current) return;
        setDecided(page);
        setDecidedError(null);
      },
      (cause: unknown) => current && setDecidedError(messageOf(cause)),
    );
    return () => {
      current = false;
    };
  }, [tab, version, cursor, mineOnly, pageSize, user.username]);

  const source = tab === 'decided' ? (decided?.items ?? null) : items;
  const rows = useMemo(
    () => (source ? inboxRows(source, tab, text, user) : null),
    [source, tab, text, user],
  );
  const selectedIndex = rows
    ? Math.max(
        0,
        rows.findIndex((r) => r.requestId === selectedId),
      )
    : 0;
  const selected = rows?.[selectedIndex];

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === '') next.delete(key);
      else next.set(key, value);
    }
    setParams(next, { replace: true });
  };

  const open = useCallback(
    (request: HitlRequest) => {
      const state: InboxState = { inbox: `?${params.toString()}` };
      void navigate(`/requests/${encodeURIComponent(request.requestId)}`, { state });
    },
    [navigate, params],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.altKey || event.ctrlKey || event.metaKey || !rows || rows.length === 0) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [contenteditable="true"]')) return;
      // Enter on a focused link or button does what it says; Enter elsewhere opens the selection.
      if (event.key === 'Enter' && target?.closest('a, button')) return;
      let index = selectedIndex;
      if (event.key === 'j') index = Math.min(rows.length - 1, selectedIndex + 1);
      else if (event.key === 'k') index = Math.max(0, selectedIndex - 1);
      else if (event.key === 'Enter' && selected) {
        event.preventDefault();
        open(selected);
        return;
      } else return;
      event.preventDefault();
      const row = rows[index]!;
      setSelectedId(row.requestId);
      document.getElementById(`row-${row.requestId}`)?.scrollIntoView({ block: 'nearest' });
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [rows, selectedIndex, selected, open]);

  const failure = tab === 'decided' ? decidedError : error;

  return (
    <section>
      <PageHeading title="Inbox" />
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <div className="tabs" role="tablist" aria-label="Which requests">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={t.id === tab}
            aria-controls="inbox-list"
            tabIndex={t.id === tab ? 0 : -1}
            onClick={() => update({ tab: t.id === 'mine' ? null : t.id, cursor: null, by: null })}
            onKeyDown={(event) => {
              const at = TABS.findIndex((x) => x.id === tab);
              const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
              if (step === 0) return;
              const nextTab = TABS[(at + step + TABS.length) % TABS.length]!;
              update({ tab: nextTab.id === 'mine' ? null : nextTab.id, cursor: null, by: null });
              document.getElementById(`tab-${nextTab.id}`)?.focus();
            }}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="filters">
        <label htmlFor="inbox-filter">Filter</label>
        <input
          id="inbox-filter"
          type="search"
          value={text}
          placeholder="Message, DAG, step or run"
          onChange={(event) => update({ q: event.target.value })}
        />
        {tab === 'decided' ? (
          <label>
            <input
              type="checkbox"
              checked={mineOnly}
              onChange={(event) => update({ by: event.target.checked ? 'me' : null, cursor: null })}
            />{' '}
            Only decided by me
          </label>
        ) : null}
        {tab === 'decided' && text !== '' ? (
          <p className="hint">Here the filter narrows the page shown, not every decided request.</p>
        ) : null}
        <p className="hint" id="inbox-keys">
          Keys: <kbd>j</kbd> next, <kbd>k</kbd> previous, <kbd>Enter</kbd> open.
        </p>
      </div>
      <div id="inbox-list" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {failure ? (
          <p role="alert" className="error">
            Could not load the requests: {failure}
          </p>
        ) : rows === null ? (
          <p role="status">Loading…</p>
        ) : rows.length === 0 ? (
          <p role="status">Nothing here.</p>
        ) : (
          <table className="inbox-table" aria-describedby="inbox-keys">
            <caption className="visually-hidden">
              {TABS.find((t) => t.id === tab)?.label}: {rows.length} requests
            </caption>
            <thead>
              <tr>
                <th scope="col">Request</th>
                <th scope="col">DAG · step</th>
                <th scope="col">{tab === 'decided' ? 'Outcome' : 'Due'}</th>
                <th scope="col">{tab === 'decided' ? 'Decided' : 'Raised'}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((request, index) => (
                <tr
                  key={request.requestId}
                  id={`row-${request.requestId}`}
                  className={index === selectedIndex ? 'selected' : undefined}
                  aria-current={index === selectedIndex ? 'true' : undefined}
                  data-request-id={request.requestId}
                  onClick={() => setSelectedId(request.requestId)}
                >
                  <td>
                    <Link
                      to={`/requests/${encodeURIComponent(request.requestId)}`}
                      state={{ inbox: `?${params.toString()}` } satisfies InboxState}
                    >
                      {requestSummary(request)}
                    </Link>
                  </td>
                  <td>
                    {request.dagId ?? '—'} · {request.nodeId}
                  </td>
                  {tab === 'decided' ? (
                    <td>
                      <span className={`status status-${request.status}`}>
                        {statusText(request.status)}
                      </span>
                      {request.respondedBy ? ` by ${request.respondedBy}` : ''}
                    </td>
                  ) : (
                    <td>
                      {request.expiresAt ? (
                        <time
                          dateTime={request.expiresAt}
                          title={formatTime(request.expiresAt, timeZone)}
                        >
                          {relativeTime(request.expiresAt)}
                        </time>
                      ) : (
                        'No deadline'
                      )}
                    </td>
                  )}
                  <td>
                    <time dateTime={request.respondedAt ?? request.createdAt}>
                      {formatTime(
                        tab === 'decided'
                          ? (request.respondedAt ?? request.createdAt)
                          : request.createdAt,
                        timeZone,
                      )}
                    </time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {tab === 'decided' ? (
        <nav aria-label="Pages" className="pager">
          {cursor !== '' ? (
            <button type="button" onClick={() => update({ cursor: null })}>
              Newest
            </button>
          ) : null}
          {decided?.nextCursor ? (
            <button type="button" onClick={() => update({ cursor: decided.nextCursor })}>
              Older
            </button>
          ) : null}
        </nav>
      ) : null}
    </section>
  );
}
