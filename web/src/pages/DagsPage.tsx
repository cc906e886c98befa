/** The DAGs the caller may see, with their latest version and who may change them. */
import { useEffect, useState } from 'react';
import { Link } from 'react-router';

import { listDags, type DagSummary } from '../api/client';
import { PageHeading } from '../components/PageHeading';
import { messageOf } from '../components/pending';
import { useTimeZone } from '../components/session';
import { formatTime } from '../lib/time';

export function DagsPage() {
  const timeZone = useTimeZone();
  const [dags, setDags] = useState<DagSummary[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = (cursor?: string) => {
    listDags(cursor).then(
      (page) => {
        setDags((current) => [...(cursor ? (current ?? []) : []), ...page.items]);
        setNext(page.nextCursor);
      },
      (cause: unknown) => setError(messageOf(cause)),
    );
  };
  useEffect(() => load(), []);

  return (
    <section>
      <PageHeading title="DAGs" />
      {error ? (
        <p role="alert" className="error">
          Could not load the DAGs: {error}
        </p>
      ) : dags === null ? (
        <p role="status">Loading…</p>
      ) : dags.length === 0 ? (
        <p>No DAGs yet.</p>
      ) : (
        <table>
          <caption className="visually-hidden">DAGs</caption>
          <thead>
            <tr>
              <th scope="col">DAG</th>
              <th scope="col">Latest version</th>
              <th scope="col">Owners</th>
              <th scope="col">Visible to</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {dags.map((dag) => (
              <tr key={dag.dagId} data-dag-id={dag.dagId}>
                <td>
                  <Link to={`/dags/${encodeURIComponent(dag.dagId)}`}>{dag.name ?? dag.dagId}</Link>
                  {dag.description ? <p className="hint">{dag.description}</p> : null}
                </td>
                <td>v{dag.latestVersion}</td>
                <td>{dag.permissions.owners.join(', ') || '—'}</td>
                <td>{dag.permissions.isPublic ? 'everyone' : 'its people'}</td>
                <td>{formatTime(dag.createdAt, timeZone)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next ? (
        <button type="button" onClick={() => load(next)}>
          More
        </button>
      ) : null}
    </section>
  );
}
