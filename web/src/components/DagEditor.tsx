/**
 * Edits a DAG's document as JSON, with its steps drawn as they are typed, and saves it as a new version (versions
 * never change). Steps are added from a palette and connected by dragging from one to another in the drawing (or
 * with the two lists, by keyboard); every change can be undone and redone. What the server refuses (422: a cycle,
 * an unknown dependency, ...) is listed and shown on the steps it is about; the text stays as typed.
 */

/** Typing settles into one undo step after this pause. */
const TYPING_MS = 500;
const HISTORY = 100;
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';

import { ApiError, saveDagVersion } from '../api/client';
import {
  addStep,
  connectSteps,
  humanSettings,
  isHumanStep,
  setHumanSettings,
  placeProblems,
  previewNodes,
  type Problem,
  type StepKind,
} from '../lib/dag-document';
import { setStepForm, stepForm } from '../lib/form-builder';
import type { DagNode } from '../api/types';
import { DagImportExport } from './DagImportExport';
import { FormBuilder } from './FormBuilder';
import { HumanStepForm } from './HumanStepForm';
import { messageOf } from './pending';

const RunGraph = lazy(() => import('./RunGraph'));

interface Props {
  readonly dagId: string;
  readonly initial: unknown;
  readonly onSaved: (version: number) => void;
}

export function DagEditor({ dagId, initial, onSaved }: Props) {
  const [text, setText] = useState(() => JSON.stringify(initial, null, 2));
  const [history, setHistory] = useState<{ texts: string[]; at: number }>(() => ({
    texts: [JSON.stringify(initial, null, 2)],
    at: 0,
  }));
  const [from, setFrom] = useState('');
  const [configuring, setConfiguring] = useState('');
  const [to, setTo] = useState('');
  const typing = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(typing.current), []);

  /** Records a new state of the text (dropping what was undone after the current one). */
  const record = (next: string) =>
    setHistory((h) => {
      if (h.texts[h.at] === next) return h;
      const texts = [...h.texts.slice(0, h.at + 1), next].slice(-HISTORY);
      return { texts, at: texts.length - 1 };
    });
  const change = (next: string) => {
    clearTimeout(typing.current);
    setText(next);
    record(next);
  };
  const move = (step: -1 | 1) => {
    clearTimeout(typing.current);
    let { texts, at } = history;
    // Typing not yet recorded becomes a step of its own, so that undo goes back to before it.
    if (texts[at] !== text) {
      texts = [...texts.slice(0, at + 1), text].slice(-HISTORY);
      at = texts.length - 1;
    }
    const next = Math.min(texts.length - 1, Math.max(0, at + step));
    setHistory({ texts, at: next });
    setText(texts[next]!);
  };
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
  // The steps of the last import as the server read them: drawn while the text is that document, for the formats
  // the drawing does not read from the text itself (seed 003's stages).
  const [imported, setImported] = useState<{ text: string; nodes: DagNode[] } | null>(null);
  const nodes = useMemo(() => {
    const read = previewNodes(parsed.document);
    return read.length === 0 && imported !== null && imported.text === text ? imported.nodes : read;
  }, [parsed.document, imported, text]);
  const placed = useMemo(
    () => placeProblems(parsed.document, problems),
    [parsed.document, problems],
  );

  const edit = (transform: (document: unknown) => unknown) => {
    if (parsed.error !== null || parsed.document === null || typeof parsed.document !== 'object') {
      setStatus('Fix the JSON first: steps are added and connected in a document that reads.');
      return;
    }
    change(JSON.stringify(transform(parsed.document), null, 2));
  };
  const add = (kind: StepKind) => edit((document) => addStep(document, kind).document);
  const connect = (source: string, target: string) =>
    edit((document) => connectSteps(document, source, target));

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
          onChange={(event) => {
            const next = event.target.value;
            setText(next);
            clearTimeout(typing.current);
            typing.current = setTimeout(() => record(next), TYPING_MS);
          }}
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
      <div className="actions" role="group" aria-label="Edit">
        <button type="button" onClick={() => add('agent')}>
          Add an agent step
        </button>
        <button type="button" onClick={() => add('tool')}>
          Add a tool step
        </button>
        <button type="button" onClick={() => add('human')}>
          Add a person step
        </button>
        <button type="button" onClick={() => add('ai')}>
          Add an AI step
        </button>
        <button type="button" onClick={() => add('timer')}>
          Add a wait
        </button>
        <button
          type="button"
          disabled={history.at === 0 && text === history.texts[0]}
          onClick={() => move(-1)}
        >
          Undo
        </button>
        <button
          type="button"
          disabled={history.at >= history.texts.length - 1}
          onClick={() => move(1)}
        >
          Redo
        </button>
      </div>
      <div className="filters" role="group" aria-label="Connect two steps">
        <label htmlFor="connect-from">Connect</label>
        <select id="connect-from" value={from} onChange={(event) => setFrom(event.target.value)}>
          <option value="">from…</option>
          {nodes.map((node) => (
            <option key={node.id} value={node.id}>
              {node.id}
            </option>
          ))}
        </select>
        <label htmlFor="connect-to">to</label>
        <select id="connect-to" value={to} onChange={(event) => setTo(event.target.value)}>
          <option value="">to…</option>
          {nodes.map((node) => (
            <option key={node.id} value={node.id}>
              {node.id}
            </option>
          ))}
        </select>
        <button
          type="button"
          disabled={from === '' || to === '' || from === to}
          onClick={() => connect(from, to)}
        >
          Connect
        </button>
      </div>
      <div className="filters">
        <label htmlFor="configure-step">Configure a person step</label>
        <select
          id="configure-step"
          value={configuring}
          onChange={(event) => setConfiguring(event.target.value)}
        >
          <option value="">choose…</option>
          {nodes
            .filter((node) => isHumanStep(parsed.document, node.id))
            .map((node) => (
              <option key={node.id} value={node.id}>
                {node.id}
              </option>
            ))}
        </select>
      </div>
      {configuring !== '' && parsed.error === null && isHumanStep(parsed.document, configuring) ? (
        <HumanStepForm
          key={`${configuring}@${history.at}`}
          stepId={configuring}
          initial={humanSettings(parsed.document, configuring)}
          onApply={(settings) =>
            edit((document) => setHumanSettings(document, configuring, settings))
          }
        />
      ) : null}
      {configuring !== '' && parsed.error === null && isHumanStep(parsed.document, configuring) ? (
        <FormBuilder
          key={`form:${configuring}@${history.at}`}
          stepId={configuring}
          initial={stepForm(parsed.document, configuring)}
          onApply={(form) => edit((document) => setStepForm(document, configuring, form))}
        />
      ) : null}
      <DagImportExport
        dagId={dagId}
        document={parsed.error === null ? parsed.document : undefined}
        onImport={(document, read) => {
          const next = JSON.stringify(document, null, 2);
          change(next);
          setProblems([]);
          setStatus(null);
          setImported({
            text: next,
            nodes: read.nodes.map((n) => ({ ...n, dependencies: [...n.dependencies] })),
          });
        }}
      />
      <button type="button" className="primary" disabled={busy} onClick={() => void save()}>
        Save as a new version
      </button>
      <h3>Preview</h3>
      {nodes.length > 0 ? (
        <Suspense fallback={<p role="status">Loading the graph…</p>}>
          <RunGraph nodes={nodes} problems={placed.byNode} onConnect={connect} />
        </Suspense>
      ) : (
        <p>No steps to draw.</p>
      )}
    </section>
  );
}
