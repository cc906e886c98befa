/**
 * The start page: what waits for the caller and for how long, time to decision and approval rate, runs by status
 * and per day over the last two weeks, and how agents and tools fare (seed 001's statistics), as charts with their numbers. Reloads on request and run
 * events, at most once a second.
 */
import { useEffect, useState } from 'react';
import { Link } from 'react-router';

import {
  getAgentMetrics,
  getExecutionMetrics,
  getHitlMetrics,
  getRunTimeline,
  type AgentMetrics,
  type ExecutionMetrics,
  type HitlMetrics,
  type RunDay,
} from '../api/client';
import { onLiveEvent, onLiveResync } from '../api/live';
import { BarTable } from '../components/BarTable';
import { PageHeading } from '../components/PageHeading';
import { RunTimeline } from '../components/RunTimeline';
import { messageOf, usePending } from '../components/pending';
import { useUser } from '../components/session';
import { waitsForMe } from '../lib/inbox';
import { statusText } from '../lib/status';
import { summary } from '../lib/text';
import { toolCallTitle } from '../lib/tool-call';
import { formatDuration, relativeTime } from '../lib/time';

const SETTLE_MS = 1000;
const TIMELINE_DAYS = 14;

interface Figures {
  readonly hitl: HitlMetrics;
  readonly runs: ExecutionMetrics;
  readonly agents: AgentMetrics;
  readonly timeline: readonly RunDay[];
}

export function DashboardPage() {
  const user = useUser();
  const { items } = usePending();
  const [figures, setFigures] = useState<Figures | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let current = true;
    Promise.all([
      getHitlMetrics(),
      getExecutionMetrics(),
      getAgentMetrics(),
      getRunTimeline(TIMELINE_DAYS),
    ]).then(
      ([hitl, runs, agents, timeline]) =>
        current && setFigures({ hitl, runs, agents, timeline: timeline.days }),
      (cause: unknown) => current && setError(messageOf(cause)),
    );
    return () => {
      current = false;
    };
  }, [version]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const later = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        setVersion((v) => v + 1);
      }, SETTLE_MS);
    };
    const unsubscribe = onLiveEvent((event) => {
      if (event.type.startsWith('hitl_') || event.type.startsWith('workflow_')) later();
    });
    const unsubscribeResync = onLiveResync(later);
    return () => {
      clearTimeout(timer);
      unsubscribe();
      unsubscribeResync();
    };
  }, []);

  const waiting = items?.filter((request) => waitsForMe(request, user)) ?? null;
  const oldest = [...(items ?? [])]
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .slice(0, 5);

  return (
    <section>
      <PageHeading title="Dashboard" />
      <dl className="stats">
        <div>
          <dt>Waiting for me</dt>
          <dd data-testid="stat-waiting">{waiting?.length ?? '…'}</dd>
        </div>
        <div>
          <dt>Pending requests</dt>
          <dd data-testid="stat-pending">{figures?.hitl.pending ?? '…'}</dd>
        </div>
        <div>
          <dt>Mean time to decision</dt>
          <dd>
            {figures?.hitl.avgApprovalSeconds != null
              ? formatDuration(figures.hitl.avgApprovalSeconds * 1000)
              : '—'}
          </dd>
        </div>
        <div>
          <dt>Approval rate</dt>
          <dd data-testid="stat-approval-rate">
            {figures?.hitl.approvalRate != null
              ? `${Math.round(figures.hitl.approvalRate * 100)} %`
              : '—'}
          </dd>
        </div>
      </dl>
      <p>
        <Link to="/inbox">Open the inbox</Link>
      </p>
      {error ? (
        <p role="alert" className="error">
          Could not load the figures: {error}
        </p>
      ) : null}

      <div className="dashboard-grid">
        <section aria-labelledby="oldest-title">
          <h2 id="oldest-title">Oldest pending requests</h2>
          {oldest.length === 0 ? (
            <p>None.</p>
          ) : (
            <ul>
              {oldest.map((request) => (
                <li key={request.requestId}>
                  <Link to={`/requests/${encodeURIComponent(request.requestId)}`}>
                    {request.toolCall
                      ? toolCallTitle(request.toolCall)
                      : summary(request.message, 60)}
                  </Link>{' '}
                  — raised {relativeTime(request.createdAt)}
                </li>
              ))}
            </ul>
          )}
        </section>
        {figures ? (
          <>
            <section aria-labelledby="decisions-title">
              <h2 id="decisions-title">Decisions</h2>
              <BarTable
                caption="Requests by outcome"
                rows={Object.entries(figures.hitl.decided).map(([label, value]) => ({
                  label: statusText(label),
                  value,
                }))}
              />
            </section>
            <section aria-labelledby="runs-title">
              <h2 id="runs-title">Runs</h2>
              <BarTable
                caption={`Runs by status (${figures.runs.totalRuns} in all)`}
                rows={Object.entries(figures.runs.byStatus).map(([label, value]) => ({
                  label: statusText(label),
                  value,
                }))}
              />
              <p className="hint">
                Mean duration:{' '}
                {figures.runs.avgDurationSeconds != null
                  ? formatDuration(figures.runs.avgDurationSeconds * 1000)
                  : '—'}
                {figures.runs.costUsd > 0
                  ? ` · model cost ${figures.runs.costUsd.toFixed(2)} USD`
                  : ''}
              </p>
            </section>
            <section aria-labelledby="timeline-title">
              <h2 id="timeline-title">Runs over the last {TIMELINE_DAYS} days</h2>
              <RunTimeline days={figures.timeline} />
            </section>
            <section aria-labelledby="agents-title">
              <h2 id="agents-title">Agents and tools</h2>
              {figures.agents.items.length === 0 ? (
                <p>No executions yet.</p>
              ) : (
                <table>
                  <caption className="visually-hidden">Executions per agent and tool</caption>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Kind</th>
                      <th scope="col">Runs</th>
                      <th scope="col">Failed</th>
                      <th scope="col">Mean time</th>
                    </tr>
                  </thead>
                  <tbody>
                    {figures.agents.items.map((agent) => (
                      <tr key={`${agent.kind}:${agent.agentId}`}>
                        <th scope="row">{agent.agentId}</th>
                        <td>{agent.kind}</td>
                        <td>{agent.total}</td>
                        <td>{agent.failed}</td>
                        <td>
                          {agent.avgDurationSeconds != null
                            ? `${agent.avgDurationSeconds.toFixed(2)} s`
                            : '—'}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          </>
        ) : null}
      </div>
    </section>
  );
}
