/**
 * One run, live: its steps as a graph (React Flow + elkjs, loaded on demand) and as a table (the same states, for
 * keyboard and screen-reader users), each step's output on demand, the event timeline, and the controls the run's
 * state allows (pause, resume, cancel, retry), each confirmed first. Follows the live stream for this run.
 */
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';

import {
  ApiError,
  controlRun,
  getDag,
  getRunEvents,
  getWorkflow,
  type RunAction,
} from '../api/client';
import { onLiveEvent, onLiveResync } from '../api/live';
import type { DagDetail, RunEvent, Workflow } from '../api/types';
import { JsonView } from '../components/JsonView';
import { PageHeading } from '../components/PageHeading';
import { messageOf } from '../components/pending';
import { useTimeZone, useUser } from '../components/session';
import { RetryFromDialog } from '../components/RetryFromDialog';
import { retryFromRefusal } from '../lib/retry-from';
import { ACTION_TEXT, allowedActions, mayControl } from '../lib/run-controls';
import { statusText } from '../lib/status';
import { formatTime } from '../lib/time';

const RunGraph = lazy(() => import('../components/RunGraph'));
const SETTLE_MS = 100;
/** The timeline shows the newest this many events until asked for all (a 500-step run has thousands). */
const TIMELINE_SHOWN = 200;

/** Who did it, read from an event's data where it says. */
function actorOf(event: RunEvent): string {
  const data = (event.data ?? {}) as Record<string, unknown>;
  for (const key of ['by', 'actor', 'decidedBy', 'userId', 'startedBy']) {
    const value = data[key];
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object' && 'username' in value) {
      const name = (value as { username?: unknown }).username;
      if (typeof name === 'string') return name;
    }
  }
  return '';
}

/** The step an event is about (`node_id` in the engine's events). */
function nodeOf(event: RunEvent): string {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const node = data.node_id ?? data.nodeId;
  return typeof node === 'string' ? node : '';
}

/** A step's output, rendered when opened: a large run's page would otherwise render every output up front. */
function OutputDetails({ value, nodeId }: { value: unknown; nodeId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>Show</summary>
      {open ? <JsonView value={value} label={`Output of ${nodeId}`} /> : null}
    </details>
  );
}

export default function RunPage() {
  const { workflowId = '' } = useParams();
  const timeZone = useTimeZone();
  const user = useUser();
  const [run, setRun] = useState<Workflow | null>(null);
  const [dag, setDag] = useState<DagDetail | null>(null);
  const [events, setEvents] = useState<RunEvent[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<RunAction | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [wholeTimeline, setWholeTimeline] = useState(false);
  /** The step the "Retry from…" dialog opened on; null while it is closed. */
  const [retryFrom, setRetryFrom] = useState<string | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);

  const load = useCallback(() => {
    getWorkflow(workflowId).then(
      (loaded) => {
        setRun(loaded);
        setError(null);
      },
      (cause: unknown) =>
        setError(
          cause instanceof ApiError && cause.status === 404
            ? 'This run does not exist, or you may not see it.'
            : messageOf(cause),
        ),
    );
    getRunEvents(workflowId).then(
      (list) => setEvents(list.items),
      () => undefined,
    );
  }, [workflowId]);

  useEffect(load, [load]);
  useEffect(() => {
    if (!run) return;
    if (dag && dag.dagId === run.dagId && dag.version === run.version) return;
    getDag(run.dagId, run.version).then(setDag, () => setDag(null));
  }, [run, dag]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = onLiveEvent((event) => {
      if (event.workflowId !== workflowId) return;
      clearTimeout(timer);
      timer = setTimeout(load, SETTLE_MS);
    });
    const unsubscribeResync = onLiveResync(load);
    return () => {
      clearTimeout(timer);
      unsubscribe();
      unsubscribeResync();
    };
  }, [workflowId, load]);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  const act = async (action: RunAction) => {
    setBusy(true);
    try {
      setRun(await controlRun(workflowId, action));
      setOutcome(`${ACTION_TEXT[action].label}: done.`);
    } catch (cause) {
      setOutcome(`${ACTION_TEXT[action].label} failed: ${messageOf(cause)}`);
    } finally {
      setBusy(false);
      setConfirming(null);
    }
  };

  // One object per loaded run: the graph redraws its steps when this changes, not on every render of the page.
  const states = useMemo(
    () => Object.fromEntries((run?.nodes ?? []).map((n) => [n.nodeId, n.status])),
    [run],
  );

  if (error) {
    return (
      <section>
        <PageHeading title="Run" />
        <p role="alert" className="error">
          {error}
        </p>
        <Link to="/runs">All runs</Link>
      </section>
    );
  }
  if (!run) return <p role="status">Loading…</p>;

  const allowed = mayControl(user, run, dag);
  const actions = allowed ? allowedActions(run) : [];
  const retryRefusal = retryFromRefusal(run);
  const mayRetryFrom = allowed && retryRefusal === null;
  const openRetryFrom = (nodeId: string) => {
    setConfirming(null);
    setRetryFrom(nodeId);
  };
  // The step a "Retry from…" opened from the controls starts on: where the run stopped, else its first step.
  const stoppedAt =
    run.nodes?.find((n) => n.status === 'failed' || n.status === 'cancelled')?.nodeId ??
    run.nodes?.[0]?.nodeId;
  /** A step clicked in the drawing: its row in the table (its details, output and "Retry from here"). */
  const showStep = (nodeId: string) => {
    const row = document.getElementById(`step-${nodeId}`);
    row?.scrollIntoView({ block: 'center' });
    row?.focus();
  };

  return (
    <article className="run" aria-labelledby="page-title">
      <p>
        <Link to="/runs">← All runs</Link>
      </p>
      <PageHeading title={`Run of ${run.dagId}`} />
      <p>
        <span className={`status status-${run.status}`} data-testid="run-status">
          {statusText(run.status)}
        </span>
        {run.pauseReason
          ? ` (${run.pauseReason === 'hitl' ? 'waiting for a person' : `paused by ${run.pauseReason}`})`
          : ''}{' '}
        · version {run.version} · started by {run.createdBy ?? '—'} at{' '}
        {formatTime(run.createdAt, timeZone)}
        {run.error ? <span className="error"> · {run.error}</span> : null}
      </p>

      <section aria-labelledby="controls-title" className="controls">
        <h2 id="controls-title" className="visually-hidden">
          Controls
        </h2>
        {allowed ? null : (
          <p className="refusal" data-testid="controls-refusal">
            {user.role === 'viewer'
              ? 'Your account is read-only (viewer): you cannot steer runs.'
              : "Only the run's starter, the DAG's owners and editors, and admins can steer this run."}
          </p>
        )}
        <div className="actions">
          {(['pause', 'resume', 'cancel', 'retry'] as const).map((action) => (
            <button
              key={action}
              type="button"
              className={action === 'cancel' ? 'danger' : undefined}
              disabled={!actions.includes(action) || busy}
              onClick={() => setConfirming(action)}
            >
              {ACTION_TEXT[action].label}
            </button>
          ))}
          <button
            type="button"
            disabled={!mayRetryFrom || busy || stoppedAt === undefined}
            title={allowed && retryRefusal ? retryRefusal : undefined}
            onClick={() => stoppedAt !== undefined && openRetryFrom(stoppedAt)}
          >
            Retry from…
          </button>
        </div>
        {retryFrom !== null ? (
          <RetryFromDialog
            run={run}
            initialNode={retryFrom}
            onClose={() => setRetryFrom(null)}
            onDone={(text) => {
              setOutcome(text);
              setRetryFrom(null);
              load();
            }}
          />
        ) : null}
        {confirming ? (
          <div role="alertdialog" aria-labelledby="confirm-text" className="confirm">
            <p id="confirm-text">{ACTION_TEXT[confirming].confirm}</p>
            <button
              ref={confirmRef}
              type="button"
              className={confirming === 'cancel' ? 'danger' : 'primary'}
              disabled={busy}
              onClick={() => void act(confirming)}
            >
              Yes, {ACTION_TEXT[confirming].label.toLowerCase()}
            </button>{' '}
            <button type="button" onClick={() => setConfirming(null)}>
              No
            </button>
          </div>
        ) : null}
        <p role="status" className="hint">
          {outcome}
        </p>
      </section>

      <section aria-labelledby="graph-title">
        <h2 id="graph-title">Steps</h2>
        {dag ? (
          <Suspense fallback={<p role="status">Loading the graph…</p>}>
            <RunGraph nodes={dag.definition.nodes} states={states} onSelect={showStep} />
          </Suspense>
        ) : null}
        <table className="steps-table">
          <caption className="visually-hidden">The run's steps and their states</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Type</th>
              <th scope="col">State</th>
              <th scope="col">Attempt</th>
              <th scope="col">Finished</th>
              <th scope="col">Output</th>
              {mayRetryFrom ? <th scope="col">Retry</th> : null}
            </tr>
          </thead>
          <tbody>
            {(run.nodes ?? []).map((node) => (
              <tr key={node.nodeId} data-node-id={node.nodeId}>
                <th scope="row" id={`step-${node.nodeId}`} tabIndex={-1}>
                  {node.nodeId}
                </th>
                <td>{node.nodeType ?? '—'}</td>
                <td>
                  <span className={`status status-${node.status}`}>{statusText(node.status)}</span>
                  {node.error ? <span className="error"> · {node.error}</span> : null}
                </td>
                <td>{node.attempt}</td>
                <td>{formatTime(node.completedAt, timeZone)}</td>
                <td>
                  {node.result !== null ? (
                    <OutputDetails value={node.result} nodeId={node.nodeId} />
                  ) : (
                    '—'
                  )}
                </td>
                {mayRetryFrom ? (
                  <td>
                    <button
                      type="button"
                      aria-label={`Retry from ${node.nodeId}`}
                      disabled={busy}
                      onClick={() => openRetryFrom(node.nodeId)}
                    >
                      Retry from here
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="events-title">
        <h2 id="events-title">Timeline</h2>
        {events.length > TIMELINE_SHOWN && !wholeTimeline ? (
          <p>
            {events.length - TIMELINE_SHOWN} earlier events are not shown.{' '}
            <button type="button" onClick={() => setWholeTimeline(true)}>
              Show all {events.length} events
            </button>
          </p>
        ) : null}
        <ol
          className="timeline"
          start={wholeTimeline ? 1 : Math.max(1, events.length - TIMELINE_SHOWN + 1)}
        >
          {(wholeTimeline ? events : events.slice(-TIMELINE_SHOWN)).map((event) => (
            <li key={event.id}>
              <time dateTime={event.createdAt}>{formatTime(event.createdAt, timeZone)}</time> —{' '}
              {event.type.replace(/_/g, ' ')}
              {actorOf(event) ? ` by ${actorOf(event)}` : ''}
              {nodeOf(event) ? ` (${nodeOf(event)})` : ''}
            </li>
          ))}
        </ol>
      </section>
    </article>
  );
}
