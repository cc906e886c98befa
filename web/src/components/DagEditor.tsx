/**
 * Edits a DAG's document as JSON, with its steps drawn as they are typed, and saves it as a new version (versions
 * never change). What the server refuses (422: a cycle, an unknown dependency, ...) is listed and shown on the steps
 * it is about; the text stays as typed.
 */
import { lazy, Suspense, useMemo, useState } from 'react';

import { ApiError, saveDagVersion } from '../api/client';
import { placeProblems, previewNodes, type Problem } from '../lib/dag-document';
import { messageOf } from './pending';

const RunGraph = lazy(() => import('./RunGraph'));

interface Props {
  readonly dagId: string;
  readonly initial: unknown;
  readonly onSaved: (version: number) => void;
}

export function DagEditor({ dagId, initial, onSaved }: Props) {
  const [text, setText] = useState(() => JSON.stringify(initial, null, 2));
  const [problems, setProblems] = useState<readonly Problem[]>([]);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const parsed = useMemo(() => {
    try {
      return { document: JSON.parse(text) as unknown, error: null };
    } catch (cause) {
      return { document: undefined, error: messageOf(cause) };
    }
  }, [text]);
  const nodes = useMemo(() => previewNodes(parsed.document), [parsed.document]);
  const placed = useMemo(
    () => placeProblems(parsed.document, problems),
    [parsed.document, problems],
  );

  const save = async () => {
    if (parsed.error !== null) {
      setStatus(`Not saved: the document is not JSON (${parsed.error}).`);
      return;
    }
    setBusy(true);
    try {
      const saved = await saveDagVersion(dagId, parsed.document);
      setProblems([]);
      setStatus(`Saved as version ${saved.version}.`);
      onSaved(saved.version);
    } catch (cause) {
      if (cause instanceof ApiError && cause.status === 422 && Array.isArray(cause.details)) {
        setProblems(cause.details as Problem[]);
        setStatus(`Not saved: ${cause.details.length} problem(s), shown below and on the steps.`);
      } else {
        setProblems([]);
        setStatus(`Not saved: ${messageOf(cause)}`);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="editor-title" className="dag-editor">
      <h2 id="editor-title">Edit (saved as a new version)</h2>
      <div className="field">
        <label htmlFor="dag-document">Document (JSON)</label>
        <textarea
          id="dag-document"
          rows={16}
          spellCheck={false}
          value={text}
          aria-invalid={parsed.error !== null || problems.length > 0 ? true : undefined}
          aria-describedby="dag-editor-status"
          onChange={(event) => setText(event.target.value)}
        />
        {parsed.error !== null ? <p className="field-error">Not JSON: {parsed.error}</p> : null}
      </div>
      <div role="alert" id="dag-editor-status">
        {status ? <p className={problems.length > 0 ? 'error' : 'notice'}>{status}</p> : null}
        {problems.length > 0 ? (
          <ul className="problems">
            {problems.map((problem, index) => (
              <li key={`${problem.path}-${index}`}>
                <code>{problem.path || 'document'}</code>: {problem.message}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      <button type="button" className="primary" disabled={busy} onClick={() => void save()}>
        Save as a new version
      </button>
      <h3>Preview</h3>
      {nodes.length > 0 ? (
        <Suspense fallback={<p role="status">Loading the graph…</p>}>
          <RunGraph nodes={nodes} problems={placed.byNode} />
        </Suspense>
      ) : (
        <p>No steps to draw.</p>
      )}
    </section>
  );
}
