/**
 * Plans: DAGs drafted by the planner from a request in words. Ask for one; read a draft (its steps drawn, the steps
 * that will wait for a person, its problems on the steps, what its AI steps may cost and what drafting it cost);
 * approve it with the run's input (it runs only then) or reject it with a reason.
 */
import { lazy, Suspense, useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';

import {
  approvePlan,
  createPlan,
  getPlan,
  listPlans,
  rejectPlan,
  type Plan,
  type PlanCostEstimate,
  type PlannerUsage,
} from '../api/client';
import { PageHeading } from '../components/PageHeading';
import { messageOf } from '../components/pending';
import { useTimeZone } from '../components/session';
import { placeProblems, previewNodes } from '../lib/dag-document';
import { statusText } from '../lib/status';
import { summary } from '../lib/text';
import { formatTime } from '../lib/time';

const RunGraph = lazy(() => import('../components/RunGraph'));

export default function PlansPage() {
  const { planId } = useParams();
  return planId ? <PlanDetail planId={planId} /> : <PlanList />;
}

function PlanList() {
  const timeZone = useTimeZone();
  const navigate = useNavigate();
  const [plans, setPlans] = useState<Plan[] | null>(null);
  const [request, setRequest] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    listPlans().then(
      (page) => setPlans(page.items),
      (cause: unknown) => setStatus(messageOf(cause)),
    );
  }, []);

  const ask = async (event: FormEvent) => {
    event.preventDefault();
    if (request.trim() === '') {
      setStatus('Say what the workflow should do.');
      return;
    }
    setBusy(true);
    setStatus('Drafting… (the model may take a while)');
    try {
      const drafted = await createPlan(request.trim());
      await navigate(`/plans/${encodeURIComponent(drafted.planId)}`);
    } catch (cause) {
      setStatus(`No plan: ${messageOf(cause)}`);
      setBusy(false);
    }
  };

  return (
    <section>
      <PageHeading title="Plans" />
      <form onSubmit={(event) => void ask(event)}>
        <div className="field">
          <label htmlFor="plan-request">Ask for a workflow</label>
          <textarea
            id="plan-request"
            rows={3}
            value={request}
            onChange={(event) => setRequest(event.target.value)}
          />
        </div>
        <button type="submit" className="primary" disabled={busy}>
          Draft a plan
        </button>
        <p role="status">{status}</p>
      </form>
      {plans === null ? null : plans.length === 0 ? (
        <p>No plans yet.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Plans</caption>
          <thead>
            <tr>
              <th scope="col">Request</th>
              <th scope="col">Status</th>
              <th scope="col">By</th>
              <th scope="col">Drafted</th>
            </tr>
          </thead>
          <tbody>
            {plans.map((plan) => (
              <tr key={plan.planId}>
                <td>
                  <Link to={`/plans/${encodeURIComponent(plan.planId)}`}>
                    {summary(plan.request, 80)}
                  </Link>
                </td>
                <td>{statusText(plan.status)}</td>
                <td>{plan.createdBy}</td>
                <td>{formatTime(plan.createdAt, timeZone)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function PlanDetail({ planId }: { planId: string }) {
  const navigate = useNavigate();
  const [plan, setPlan] = useState<Plan | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [input, setInput] = useState('{}');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    getPlan(planId).then(setPlan, (cause: unknown) => setError(messageOf(cause)));
  }, [planId]);

  if (error) {
    return (
      <section>
        <PageHeading title="Plan" />
        <p role="alert" className="error">
          {error}
        </p>
        <Link to="/plans">All plans</Link>
      </section>
    );
  }
  if (!plan) return <p role="status">Loading…</p>;

  const nodes = previewNodes(plan.plan);
  const placed = placeProblems(plan.plan, plan.problems);
  const open = plan.status === 'pending_approval';

  const approve = async () => {
    let value: unknown;
    try {
      value = input.trim() === '' ? null : JSON.parse(input);
    } catch (cause) {
      setProblem(`The input is not JSON: ${messageOf(cause)}`);
      return;
    }
    setBusy(true);
    try {
      const approved = await approvePlan(plan.planId, plan.version, value);
      if (approved.workflowId) await navigate(`/runs/${encodeURIComponent(approved.workflowId)}`);
      else setPlan(approved);
    } catch (cause) {
      setProblem(`Not approved: ${messageOf(cause)}`);
    } finally {
      setBusy(false);
    }
  };

  const reject = async () => {
    if (reason.trim() === '') {
      setProblem('A reason is required to reject.');
      document.getElementById('plan-reason')?.focus();
      return;
    }
    setBusy(true);
    try {
      setPlan(await rejectPlan(plan.planId, reason.trim()));
      setProblem(null);
    } catch (cause) {
      setProblem(`Not rejected: ${messageOf(cause)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <article aria-labelledby="page-title">
      <p>
        <Link to="/plans">← All plans</Link>
      </p>
      <PageHeading title="Plan" />
      <p>
        <span className={`status status-${plan.status}`} data-testid="plan-status">
          {statusText(plan.status)}
        </span>{' '}
        · version {plan.version} · asked by {plan.createdBy}
        {plan.rejectionReason ? ` · rejected: “${plan.rejectionReason}”` : ''}
        {plan.workflowId ? (
          <>
            {' '}
            · <Link to={`/runs/${encodeURIComponent(plan.workflowId)}`}>its run</Link>
          </>
        ) : null}
      </p>
      <blockquote>{plan.request}</blockquote>
      {plan.gates.length > 0 ? (
        <p>The run will wait for a person at: {plan.gates.join(', ')}.</p>
      ) : (
        <p>No step waits for a person: once approved, the run goes to the end by itself.</p>
      )}
      {plan.problems.length > 0 ? (
        <ul className="problems" aria-label="Problems">
          {plan.problems.map((p, index) => (
            <li key={index}>
              <code>{p.path}</code>: {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      {plan.estimate ? <CostEstimate estimate={plan.estimate} /> : null}
      {plan.plannerUsage ? <DraftingCost usage={plan.plannerUsage} /> : null}
      <h2>Steps</h2>
      {nodes.length > 0 ? (
        <Suspense fallback={<p role="status">Loading the graph…</p>}>
          <RunGraph nodes={nodes} problems={placed.byNode} />
        </Suspense>
      ) : null}
      {open ? (
        <section aria-labelledby="decide-title">
          <h2 id="decide-title">Your decision</h2>
          <div role="alert">{problem ? <p className="error">{problem}</p> : null}</div>
          <div className="field">
            <label htmlFor="plan-input">Input of the run (JSON)</label>
            <textarea
              id="plan-input"
              rows={3}
              value={input}
              onChange={(e) => setInput(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="plan-reason">Reason (required to reject)</label>
            <textarea
              id="plan-reason"
              rows={2}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </div>
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() => void approve()}
            >
              Approve and run
            </button>
            <button type="button" className="danger" disabled={busy} onClick={() => void reject()}>
              Reject
            </button>
          </div>
        </section>
      ) : null}
    </article>
  );
}

function usd(value: number): string {
  return `${value < 0.01 && value > 0 ? value.toFixed(4) : value.toFixed(2)} USD`;
}

/** What the plan's AI steps may cost when it runs: a bound from the definition, with its assumptions. */
function CostEstimate({ estimate }: { estimate: PlanCostEstimate }) {
  if (estimate.nodes.length === 0) {
    return <p data-testid="plan-estimate">No AI step: the run pays no model.</p>;
  }
  return (
    <section aria-labelledby="estimate-title" data-testid="plan-estimate">
      <h2 id="estimate-title">Estimated AI cost</h2>
      <p>
        {estimate.costUsd === null
          ? 'Unknown: no AI step uses a model with a known price.'
          : `Up to about ${usd(estimate.costUsd)} per run`}
        {estimate.unpricedNodes.length > 0 && estimate.costUsd !== null
          ? `, not counting ${estimate.unpricedNodes.join(', ')} (no known price)`
          : ''}
        {estimate.budgetUsd !== null ? ` · budget ${usd(estimate.budgetUsd)} per run` : ''}.
      </p>
      <table>
        <caption className="visually-hidden">Estimated cost by AI step</caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Model</th>
            <th scope="col">Calls</th>
            <th scope="col">Tokens in / out</th>
            <th scope="col">Cost</th>
          </tr>
        </thead>
        <tbody>
          {estimate.nodes.map((node) => (
            <tr key={node.nodeId}>
              <th scope="row">{node.nodeId}</th>
              <td>
                {node.provider}:{node.model}
              </td>
              <td>{node.calls}</td>
              <td>
                {node.inputTokens.toLocaleString()} / {node.outputTokens.toLocaleString()}
              </td>
              <td title={node.basis}>{node.costUsd === null ? 'unpriced' : usd(node.costUsd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The planner's own model calls for this plan. */
function DraftingCost({ usage }: { usage: PlannerUsage }) {
  return (
    <p data-testid="plan-drafting-cost">
      Drafting it took {usage.calls} model call{usage.calls === 1 ? '' : 's'} (
      {usage.inputTokens.toLocaleString()} tokens in, {usage.outputTokens.toLocaleString()} out)
      {usage.costUsd === null ? ', unpriced' : `, ${usd(usage.costUsd)}`}.
    </p>
  );
}
