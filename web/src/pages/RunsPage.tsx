/**
 * Runs, newest first, paged on the server (a page at a time, the cursor in the URL), filtered on the server by status,
 * DAG and version, start day (in the reader's time zone) and "waiting on a person"; the filters live in the URL.
 * The first page follows the live stream; a later page says when there is news instead of moving under the reader.
 */
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';

import { listRuns } from '../api/client';
import { onLiveEvent, onLiveResync } from '../api/live';
import type { Page, Workflow } from '../api/types';
import { PageHeading } from '../components/PageHeading';
import { messageOf } from '../components/pending';
import { useTimeZone } from '../components/session';
import { statusText } from '../lib/status';
import { formatTime } from '../lib/time';
import { startOfDay } from '../lib/zoned-date';

const STATUSES = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
const PAGE_SIZE = 50;
const SETTLE_MS = 300;

export function RunsPage() {
  const timeZone = useTimeZone();
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const dagId = params.get('dagId') ?? '';
  const dagVersion = params.get('version') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const waiting = params.get('waiting') === 'true';
  // The box shows the click at once; the URL (and so the list) follows a render later.
  const [waitingBox, setWaitingBox] = useState(waiting);
  useEffect(() => setWaitingBox(waiting), [waiting]);
  const cursor = params.get('cursor') ?? '';
  const limit = Number(params.get('limit')) || PAGE_SIZE;
  const [page, setPage] = useState<Page<Workflow> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [news, setNews] = useState(false);

  useEffect(() => {
    let current = true;
    // A day "to" is included: the list ends before the next day starts.
    const since = startOfDay(from, timeZone) ?? '';
    const until = startOfDay(to, timeZone, 1) ?? '';
    listRuns({
      status,
      dagId,
      ...(dagId !== '' ? { version: dagVersion } : {}),
      since,
      until,
      ...(waiting ? { waiting: 'true' } : {}),
      cursor,
      limit,
    }).then(
      (loaded) => {
        if (!current) return;
        setPage(loaded);
        setError(null);
        setNews(false);
      },
      (cause: unknown) => current && setError(messageOf(cause)),
    );
    return () => {
      current = false;
    };
  }, [status, dagId, dagVersion, from, to, waiting, timeZone, cursor, limit, version]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribeResync = onLiveResync(() => setVersion((v) => v + 1));
    const unsubscribe = onLiveEvent((event) => {
      if (!event.type.startsWith('workflow_') && !event.type.startsWith('hitl_')) return;
      if (cursor !== '') {
        setNews(true);
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(() => setVersion((v) => v + 1), SETTLE_MS);
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
      unsubscribeResync();
    };
  }, [cursor]);

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === '') next.delete(key);
      else next.set(key, value);
    }
    setParams(next);
  };

  return (
    <section>
      <PageHeading title="Runs" />
      <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <label htmlFor="runs-status">Status</label>
        <select
          id="runs-status"
          value={status}
          onChange={(event) => update({ status: event.target.value, cursor: '' })}
        >
          <option value="">Any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusText(s)}
            </option>
          ))}
        </select>
        <label htmlFor="runs-dag">DAG</label>
        <input
          id="runs-dag"
          value={dagId}
          placeholder="DAG id"
          onChange={(event) => update({ dagId: event.target.value.trim(), cursor: '' })}
        />
        <label htmlFor="runs-version">Version</label>
        <input
          id="runs-version"
          type="number"
          min={1}
          value={dagVersion}
          disabled={dagId === ''}
          title={dagId === '' ? 'Choose a DAG first' : undefined}
          onChange={(event) => update({ version: event.target.value, cursor: '' })}
        />
        <label htmlFor="runs-from">Started from</label>
        <input
          id="runs-from"
          type="date"
          value={from}
          onChange={(event) => update({ from: event.target.value, cursor: '' })}
        />
        <label htmlFor="runs-to">to</label>
        <input
          id="runs-to"
          type="date"
          value={to}
          onChange={(event) => update({ to: event.target.value, cursor: '' })}
        />
        <label className="checkbox">
          <input
            type="checkbox"
            checked={waitingBox}
            onChange={(event) => {
              setWaitingBox(event.target.checked);
              update({ waiting: event.target.checked ? 'true' : '', cursor: '' });
            }}
          />
          Waiting on a person
        </label>
      </form>
      {news ? (
        <p role="status" className="notice">
          There are changes since this page was loaded.{' '}
          <button type="button" onClick={() => setVersion((v) => v + 1)}>
            Reload this page
          </button>
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="error">
          Could not load the runs: {error}
        </p>
      ) : page === null ? (
        <p role="status">Loading…</p>
      ) : page.items.length === 0 ? (
        <p role="status">No runs.</p>
      ) : (
        <table className="runs-table">
          <caption className="visually-hidden">Runs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">DAG</th>
              <th scope="col">Status</th>
              <th scope="col">Started by</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((run) => (
              <tr key={run.workflowId} data-workflow-id={run.workflowId}>
                <td>
                  <Link to={`/runs/${encodeURIComponent(run.workflowId)}`}>
                    {run.name ?? run.workflowId.slice(0, 8)}
                  </Link>
                </td>
                <td>
                  {run.dagId} v{run.version}
                </td>
                <td>
                  <span className={`status status-${run.status}`}>{statusText(run.status)}</span>
                </td>
                <td>{run.createdBy ?? '—'}</td>
                <td>{formatTime(run.createdAt, timeZone)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav aria-label="Pages" className="pager">
        {cursor !== '' ? (
          <button type="button" onClick={() => update({ cursor: '' })}>
            First page
          </button>
        ) : null}
        {page?.nextCursor ? (
          <button type="button" onClick={() => update({ cursor: page.nextCursor ?? '' })}>
            Next page
          </button>
        ) : null}
      </nav>
    </section>
  );
}
