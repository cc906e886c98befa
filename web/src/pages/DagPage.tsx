/**
 * One DAG: its versions (immutable; pick one to see it), its steps drawn and listed, its document as JSON, a form to
 * start a run of the version shown (the input is checked to be JSON before it is sent), the editor, and (for its
 * owners) who may use it.
 */
import { lazy, Suspense, useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';

import { ApiError, getDag, getLatestDag, startRun } from '../api/client';
import type { DagDetail } from '../api/types';
import { DagEditor } from '../components/DagEditor';
import { DagPermissions } from '../components/DagPermissions';
import { JsonView } from '../components/JsonView';
import { PageHeading } from '../components/PageHeading';
import { messageOf } from '../components/pending';
import { useTimeZone, useUser } from '../components/session';
import { mayEdit, mayManage, mayStart } from '../lib/run-controls';
import { formatTime } from '../lib/time';

const RunGraph = lazy(() => import('../components/RunGraph'));

export default function DagPage() {
  const { dagId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const version = Number(params.get('version')) || undefined;
  const user = useUser();
  const timeZone = useTimeZone();
  const navigate = useNavigate();
  const [dag, setDag] = useState<DagDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [input, setInput] = useState('{}');
  const [inputError, setInputError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let current = true;
    (version ? getDag(dagId, version) : getLatestDag(dagId)).then(
      (loaded) => current && setDag(loaded),
      (cause: unknown) =>
        current &&
        setError(
          cause instanceof ApiError && cause.status === 404
            ? 'This DAG (or version) does not exist, or you may not see it.'
            : messageOf(cause),
        ),
    );
    return () => {
      current = false;
    };
  }, [dagId, version]);

  const start = async (event: FormEvent) => {
    event.preventDefault();
    if (!dag) return;
    let value: unknown;
    try {
      value = input.trim() === '' ? null : JSON.parse(input);
    } catch (cause) {
      setInputError(`The input is not JSON: ${messageOf(cause)}`);
      document.getElementById('run-input')?.focus();
      return;
    }
    setInputError(null);
    setBusy(true);
    try {
      const { workflowId } = await startRun(dag.dagId, dag.version, value);
      await navigate(`/runs/${encodeURIComponent(workflowId)}`);
    } catch (cause) {
      setInputError(`The run did not start: ${messageOf(cause)}`);
      setBusy(false);
    }
  };

  if (error) {
    return (
      <section>
        <PageHeading title="DAG" />
        <p role="alert" className="error">
          {error}
        </p>
        <Link to="/dags">All DAGs</Link>
      </section>
    );
  }
  if (!dag) return <p role="status">Loading…</p>;

  const versions = Array.from({ length: dag.latestVersion }, (_, i) => dag.latestVersion - i);

  return (
    <article aria-labelledby="page-title">
      <p>
        <Link to="/dags">← All DAGs</Link>
      </p>
      <PageHeading title={`DAG ${dag.name ?? dag.dagId}`} />
      {dag.description ? <p>{dag.description}</p> : null}
      <div className="filters">
        <label htmlFor="dag-version">Version</label>
        <select
          id="dag-version"
          value={dag.version}
          onChange={(event) => setParams({ version: event.target.value })}
        >
          {versions.map((v) => (
            <option key={v} value={v}>
              v{v}
              {v === dag.latestVersion ? ' (latest)' : ''}
            </option>
          ))}
        </select>
        <span className="hint">
          stored by {dag.createdBy ?? '—'} at {formatTime(dag.createdAt, timeZone)}; versions never
          change.
        </span>
        <Link to={`/runs?dagId=${encodeURIComponent(dag.dagId)}`}>Its runs</Link>
      </div>

      <section aria-labelledby="start-title">
        <h2 id="start-title">Start a run of v{dag.version}</h2>
        {mayStart(user, dag.permissions) ? (
          <form onSubmit={(event) => void start(event)} noValidate>
            <div className="field">
              <label htmlFor="run-input">Input (JSON)</label>
              <textarea
                id="run-input"
                rows={4}
                value={input}
                aria-invalid={inputError ? true : undefined}
                aria-describedby={inputError ? 'run-input-error' : undefined}
                onChange={(event) => setInput(event.target.value)}
              />
              <p id="run-input-error" role="alert" className="field-error">
                {inputError}
              </p>
            </div>
            <button type="submit" className="primary" disabled={busy}>
              Start run
            </button>
          </form>
        ) : (
          <p className="refusal">
            {user.role === 'viewer'
              ? 'Your account is read-only (viewer): you cannot start runs.'
              : 'Only its owners and editors (and admins) can start runs of this DAG.'}
          </p>
        )}
      </section>

      <section aria-labelledby="steps-title">
        <h2 id="steps-title">Steps</h2>
        <Suspense fallback={<p role="status">Loading the graph…</p>}>
          <RunGraph nodes={dag.definition.nodes} />
        </Suspense>
        <table>
          <caption className="visually-hidden">The DAG's steps</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Type</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {dag.definition.nodes.map((node) => (
              <tr key={node.id}>
                <th scope="row">{node.name ?? node.id}</th>
                <td>{node.sourceType ?? node.type}</td>
                <td>{node.dependencies.join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      {mayEdit(user, dag.permissions) ? (
        <DagEditor
          key={`${dag.dagId}@${dag.version}`}
          dagId={dag.dagId}
          initial={dag.source}
          onSaved={(saved) => setParams({ version: String(saved) })}
        />
      ) : null}

      {mayManage(user, dag.permissions) && dag.version === dag.latestVersion ? (
        <DagPermissions
          // Kept across the new version it saves, so that its "Saved as version N" stays; a key of its own, as
          // siblings' keys must differ from the editor's.
          key={`permissions:${dag.dagId}`}
          dag={dag}
          onSaved={(saved) => setParams({ version: String(saved) })}
        />
      ) : null}

      <section aria-labelledby="json-title">
        <h2 id="json-title">Document</h2>
        <details>
          <summary>Show the JSON of v{dag.version}</summary>
          <JsonView value={dag.source} label={`The document of version ${dag.version}`} />
        </details>
      </section>
    </article>
  );
}
