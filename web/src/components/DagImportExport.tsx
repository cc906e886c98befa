/**
 * The editor's Import and Export. Import takes a document pasted or chosen as a file, JSON or YAML, in any format the
 * server reads (seed 000/001 plans, seed 004 graphs, seed 003 stages): the server reads it (`POST /api/dags/import`,
 * nothing stored), the editor gets the document with its id set to this DAG's (a new version of this DAG is what
 * saving makes), and the problems are listed. Export downloads the document being edited, as JSON or as YAML, in the
 * format it is written in, or converted to a plan (seed 000/001's format, Flowgate's own: the one format the server
 * writes), saying what a plan cannot hold (edge conditions, positions).
 */
import { useState } from 'react';

import { importDagText, type DagImport } from '../api/client';
import { messageOf } from './pending';

interface Props {
  readonly dagId: string;
  /** The document being edited, or undefined while its text is not JSON. */
  readonly document: unknown;
  /** Puts an imported document into the editor (as one undoable change). */
  readonly onImport: (document: Record<string, unknown>, read: DagImport) => void;
}

const FORMAT_NAMES: Record<string, string> = {
  plan: 'a plan (seed 000/001: nodes with node_id and dependencies)',
  graph: 'a graph (seed 004: nodes and edges)',
  stages: 'stages (seed 003)',
};

/** The document with its DAG id set to `dagId`, in the key it already uses (`dag_id`, else `id`). */
function withDagId(document: Record<string, unknown>, dagId: string): Record<string, unknown> {
  if (typeof document.dag_id === 'string' || !('id' in document)) {
    return { ...document, dag_id: dagId };
  }
  return { ...document, id: dagId };
}

function download(name: string, type: string, content: string) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = window.document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // The click has started the download; the URL is not needed after this turn.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export function DagImportExport({ dagId, document, onImport }: Props) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<{ read: DagImport; renamedFrom: string | null } | null>(
    null,
  );
  const [exported, setExported] = useState<string | null>(null);

  const runImport = async (source: string) => {
    if (source.trim() === '') {
      setError('Paste a document or choose a file first.');
      return;
    }
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const read = await importDagText(source);
      const renamedFrom = read.dagId !== null && read.dagId !== dagId ? read.dagId : null;
      onImport(withDagId(read.document, dagId), read);
      setResult({ read, renamedFrom });
    } catch (cause) {
      setError(`Not imported: ${messageOf(cause)}`);
    } finally {
      setBusy(false);
    }
  };

  const exportAs = async (kind: 'json' | 'yaml' | 'plan') => {
    if (document === undefined) {
      setError('Fix the JSON first: only a document that reads can be exported.');
      return;
    }
    setError(null);
    setExported(null);
    if (kind === 'plan') {
      try {
        const read = await importDagText(JSON.stringify(document));
        if (!read.plan) {
          setError(
            `Not exported: the document has ${read.problems.length} problem(s); a plan is written from a valid DAG.`,
          );
          return;
        }
        download(
          `${dagId}.plan.json`,
          'application/json',
          `${JSON.stringify(read.plan.document, null, 2)}\n`,
        );
        setExported(
          read.plan.lost.length > 0
            ? `Exported as a plan, without ${read.plan.lost.join(', and ')}.`
            : 'Exported as a plan, with everything the document says.',
        );
      } catch (cause) {
        setError(`Not exported: ${messageOf(cause)}`);
      }
    } else if (kind === 'json') {
      download(`${dagId}.json`, 'application/json', `${JSON.stringify(document, null, 2)}\n`);
    } else {
      // YAML is needed only here: its writer loads on the first export.
      const { stringify } = await import('yaml');
      download(`${dagId}.yaml`, 'application/yaml', stringify(document));
    }
  };

  return (
    <section className="dag-import-export" aria-labelledby="import-title">
      <h3 id="import-title">Import and export</h3>
      <div className="field">
        <label htmlFor="import-text">
          Paste a document to import (JSON or YAML: a plan, a graph or stages)
        </label>
        <textarea
          id="import-text"
          rows={6}
          spellCheck={false}
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
      </div>
      <div className="actions">
        <button type="button" disabled={busy} onClick={() => void runImport(text)}>
          Import the pasted document
        </button>
        <label htmlFor="import-file">Or import a file</label>
        <input
          id="import-file"
          type="file"
          accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml"
          disabled={busy}
          onChange={(event) => {
            const file = event.target.files?.[0];
            event.target.value = '';
            if (!file) return;
            file.text().then(
              (content) => void runImport(content),
              (cause: unknown) => setError(`The file could not be read: ${messageOf(cause)}`),
            );
          }}
        />
      </div>
      <div role="status" id="import-status">
        {result ? (
          <>
            <p className={result.read.valid ? 'notice' : 'error'}>
              Imported {result.read.format ? FORMAT_NAMES[result.read.format] : 'a document'}
              {result.read.valid
                ? ` with ${result.read.nodes.length} steps; save it to keep it as a new version.`
                : `, with ${result.read.problems.length} problem(s) to fix before it can be saved:`}
            </p>
            {result.renamedFrom !== null ? (
              <p className="hint">
                Its id was {result.renamedFrom}; it is edited here as {dagId}.
              </p>
            ) : null}
            {result.read.problems.length > 0 ? (
              <ul className="problems" aria-label="Problems of the imported document">
                {result.read.problems.map((problem, index) => (
                  <li key={`${problem.path}-${index}`}>
                    <code>{problem.path || 'document'}</code>: {problem.message}
                  </li>
                ))}
              </ul>
            ) : null}
          </>
        ) : null}
      </div>
      <div role="alert">{error ? <p className="error">{error}</p> : null}</div>
      <div className="actions" role="group" aria-label="Export">
        <button type="button" onClick={() => void exportAs('json')}>
          Download as JSON
        </button>
        <button type="button" onClick={() => void exportAs('yaml')}>
          Download as YAML
        </button>
        <button type="button" onClick={() => void exportAs('plan')}>
          Download as a plan (Flowgate&apos;s format, JSON)
        </button>
      </div>
      <p role="status" id="export-status">
        {exported}
      </p>
    </section>
  );
}
