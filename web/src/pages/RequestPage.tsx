/**
 * One request, for an approver who is not a developer: what is asked (the message, rendered and sanitized), what it
 * is about (the run's input, earlier steps' outputs, the proposed values), the rules (who may decide, quorum, votes,
 * timeout) and why the caller may not decide when they may not; then the decision. After deciding, on to the next
 * request of the inbox tab the person came from.
 */
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';

import { ApiError, getDag, getRequest, getWorkflow } from '../api/client';
import { onLiveEvent, onLiveResync } from '../api/live';
import type { DagDetail, Decision, HitlRequest, Workflow } from '../api/types';
import { DecisionPanel } from '../components/DecisionPanel';
import { JsonView } from '../components/JsonView';
import { PageHeading } from '../components/PageHeading';
import { messageOf, usePending } from '../components/pending';
import { useTimeZone, useUser } from '../components/session';
import { isTab } from '../lib/inbox';
import { renderMarkdown } from '../lib/markdown';
import { statusText } from '../lib/status';
import { approverList, quorumText, refusalOf } from '../lib/refusal';
import { formatDuration, formatTime } from '../lib/time';
import { toolCallOf, toolCallTitle } from '../lib/tool-call';
import { inboxRows, type InboxState } from './InboxPage';

// React Flow and elkjs: loaded when a request page first shows its run.
const RunGraph = lazy(() => import('../components/RunGraph'));

const OUTCOME_TEXT: Record<string, string> = {
  reject: 'it is rejected',
  approve: 'it is approved',
  fail: 'the run fails',
  expire: 'it expires',
};

export default function RequestPage() {
  const { requestId = '' } = useParams();
  const user = useUser();
  const timeZone = useTimeZone();
  const navigate = useNavigate();
  const location = useLocation();
  const pending = usePending();
  const inbox = (location.state as InboxState | null)?.inbox ?? '';
  const [request, setRequest] = useState<HitlRequest | null>(null);
  /** Undefined until loaded: whether the caller started the run decides self-approval. */
  const [run, setRun] = useState<Workflow | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [panelShown, setPanelShown] = useState(false);
  const [dag, setDag] = useState<DagDetail | null>(null);

  const load = useCallback(() => {
    getRequest(requestId).then(
      (loaded) => {
        setRequest(loaded);
        setError(null);
        getWorkflow(loaded.workflowId).then(setRun, () => setRun(null));
      },
      (cause: unknown) =>
        setError(
          cause instanceof ApiError && cause.status === 404
            ? 'This request does not exist, or you may not see it.'
            : messageOf(cause),
        ),
    );
  }, [requestId]);

  useEffect(() => {
    setRequest(null);
    setRun(undefined);
    setPanelShown(false);
    load();
  }, [load]);

  // Votes and decisions made elsewhere show here as they happen.
  useEffect(() => {
    const unsubscribe = onLiveEvent((event) => {
      if (event.type.startsWith('hitl_') && request && event.workflowId === request.workflowId)
        load();
    });
    const unsubscribeResync = onLiveResync(load);
    return () => {
      unsubscribe();
      unsubscribeResync();
    };
  }, [load, request]);

  const dagKey = run ? `${run.dagId}@${run.version}` : null;
  useEffect(() => {
    if (!run) return;
    let current = true;
    getDag(run.dagId, run.version).then(
      (loaded) => current && setDag(loaded),
      () => current && setDag(null),
    );
    return () => {
      current = false;
    };
    // The DAG version is what matters, not each reload of the run.
  }, [dagKey]);

  const refusal = request && run !== undefined ? refusalOf(request, user, run) : undefined;
  const mayDecide = request?.status === 'pending' && run !== undefined && refusal === undefined;
  useEffect(() => {
    if (mayDecide) setPanelShown(true);
  }, [mayDecide]);

  const html = useMemo(() => renderMarkdown(request?.message ?? ''), [request?.message]);
  // An agent's reasoning is model output: rendered and sanitized like a message.
  const reasoning = request?.context?.toolCall?.reasoning ?? '';
  const reasoningHtml = useMemo(() => renderMarkdown(reasoning), [reasoning]);

  const next = (decision: Decision) => {
    const params = new URLSearchParams(inbox);
    const tab = isTab(params.get('tab')) ? params.get('tab')! : 'mine';
    const rows = inboxRows(
      pending.items ?? [],
      tab as Parameters<typeof inboxRows>[1],
      params.get('q') ?? '',
      user,
    );
    // The one after this request in the inbox's order (wrapping around), so triage moves down the list.
    const at = rows.findIndex((r) => r.requestId === requestId);
    const ordered = at < 0 ? rows : [...rows.slice(at + 1), ...rows.slice(0, at)];
    const notice =
      decision.status === 'pending'
        ? `Your vote is recorded (${decision.approvals ?? '?'} of ${decision.required ?? '?'} approvals).`
        : `The request is ${decision.status}.`;
    pending.reload();
    const following = ordered.find((r) => r.requestId !== requestId);
    if (following) {
      void navigate(`/requests/${encodeURIComponent(following.requestId)}`, {
        state: { inbox, notice } satisfies InboxState & { notice: string },
      });
    } else {
      void navigate(`/inbox${inbox}`, {
        state: { notice: `${notice} Nothing else is waiting here.` },
      });
    }
  };

  if (error) {
    return (
      <section>
        <PageHeading title="Request" />
        <p role="alert" className="error">
          {error}
        </p>
        <Link to={`/inbox${inbox}`}>Back to the inbox</Link>
      </section>
    );
  }
  if (!request) return <p role="status">Loading…</p>;

  const spec = request.spec ?? {};
  const context = request.context ?? {};
  const notice = (location.state as { notice?: string } | null)?.notice;
  const votes = request.votes ?? [];
  const call = toolCallOf(request);

  return (
    <article className="request" aria-labelledby="page-title">
      <p>
        <Link to={`/inbox${inbox}`}>← Back to the inbox</Link>
      </p>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <PageHeading title={`Request: ${request.dagId ?? 'run'} · ${request.nodeId}`} />
      <p className="request-status">
        <span className={`status status-${request.status}`}>{statusText(request.status)}</span>
        {request.status !== 'pending' ? (
          <span data-testid="decided-by">
            {' '}
            {request.respondedBy ? `by ${request.respondedBy}` : ''}
            {request.respondedAt ? ` at ${formatTime(request.respondedAt, timeZone)}` : ''}
            {request.response ? ` — “${request.response}”` : ''}
          </span>
        ) : null}
      </p>

      {call ? (
        <section aria-labelledby="tool-call-title" className="tool-call" data-testid="tool-call">
          <h2 id="tool-call-title">{toolCallTitle(call)}</h2>
          <p>
            An AI agent in step {request.nodeId} asks to run the tool <code>{call.toolName}</code>{' '}
            with the arguments below. Approve to let it run, with your changes to the arguments if
            you make any; reject to stop this call, with a reason the agent is told. Either way the
            agent goes on.
          </p>
          <h3>Arguments</h3>
          <JsonView
            value={call.input ?? context.proposed}
            label={`Arguments for ${call.toolName}`}
          />
          <h3>The agent&apos;s reasoning</h3>
          {reasoning.trim() !== '' ? (
            <div
              className="markdown"
              data-testid="tool-call-reasoning"
              dangerouslySetInnerHTML={{ __html: reasoningHtml }}
            />
          ) : (
            <p>The agent gave no reasoning with this call.</p>
          )}
        </section>
      ) : null}

      <section aria-labelledby="message-title" className="message">
        <h2 id="message-title">What is asked</h2>
        <div
          className="markdown"
          data-testid="message"
          dangerouslySetInnerHTML={{ __html: html }}
        />
      </section>

      <div className="request-grid">
        <section aria-labelledby="rules-title" className="rules">
          <h2 id="rules-title">Rules</h2>
          <dl>
            <dt>Who may decide</dt>
            <dd>{approverList(request)}</dd>
            <dt>Quorum</dt>
            <dd>{quorumText(request)}</dd>
            <dt>Self-approval</dt>
            <dd>
              {spec.allowSelfApproval === false
                ? 'Not allowed: whoever started the run may not decide.'
                : 'Allowed.'}
            </dd>
            <dt>Deadline</dt>
            <dd>
              {request.expiresAt
                ? `${formatTime(request.expiresAt, timeZone)}${
                    spec.timeout
                      ? ` (${formatDuration(spec.timeout.afterMs)} after it was raised); then ${
                          OUTCOME_TEXT[spec.timeout.outcome] ?? spec.timeout.outcome
                        }`
                      : ''
                  }`
                : 'None'}
            </dd>
            <dt>Raised</dt>
            <dd>
              {formatTime(request.createdAt, timeZone)} in run{' '}
              <Link to={`/runs/${encodeURIComponent(request.workflowId)}`}>
                {request.workflowId}
              </Link>
              {run?.createdBy ? `, started by ${run.createdBy}` : ''}
            </dd>
          </dl>
          <h3>Votes</h3>
          {votes.length === 0 ? (
            <p>No votes yet.</p>
          ) : (
            <ul className="votes">
              {votes.map((vote) => (
                <li key={`${vote.userId}-${vote.createdAt}`}>
                  {vote.userId === user.userId ? 'You' : vote.userId}: {vote.decision}
                  {vote.comment ? ` — “${vote.comment}”` : ''} (
                  {formatTime(vote.createdAt, timeZone)})
                </li>
              ))}
            </ul>
          )}
          {run?.nodes ? (
            <>
              <h3>Steps of the run</h3>
              {dag ? (
                <Suspense fallback={<p role="status">Loading the graph…</p>}>
                  <RunGraph
                    nodes={dag.definition.nodes}
                    states={Object.fromEntries(run.nodes.map((n) => [n.nodeId, n.status]))}
                    highlight={request.nodeId}
                    compact
                  />
                </Suspense>
              ) : null}
              <ol className="steps">
                {run.nodes.map((node) => (
                  <li
                    key={node.nodeId}
                    aria-current={node.nodeId === request.nodeId ? 'step' : undefined}
                  >
                    <span className={`status status-${node.status}`}>
                      {statusText(node.status)}
                    </span>{' '}
                    {node.nodeId}
                    {node.nodeId === request.nodeId ? ' (this request)' : ''}
                  </li>
                ))}
              </ol>
            </>
          ) : null}
        </section>

        <section aria-labelledby="context-title" className="context">
          <h2 id="context-title">Context</h2>
          <h3>{call ? "Proposed values (the tool's arguments)" : 'Proposed values'}</h3>
          <JsonView value={context.proposed} label="Proposed values" />
          <h3>Run input</h3>
          <JsonView value={context.input} label="Run input" />
          <h3>Earlier steps</h3>
          {Object.keys(context.outputs ?? {}).length === 0 ? (
            <p>No earlier step has an output.</p>
          ) : (
            Object.entries(context.outputs ?? {}).map(([nodeId, output]) => (
              <details key={nodeId}>
                <summary>{nodeId}</summary>
                <JsonView value={output} label={`Output of ${nodeId}`} />
              </details>
            ))
          )}
        </section>
      </div>

      {refusal ? (
        <p className="refusal" role="note" data-testid="refusal">
          {refusal}
        </p>
      ) : null}
      {mayDecide || panelShown ? (
        <DecisionPanel
          key={request.requestId}
          request={request}
          timeZone={timeZone}
          onDecided={next}
          onConflict={load}
        />
      ) : null}
    </article>
  );
}
