/**
 * Who may do what with a DAG (seed 004's permissions): owners (everything, and this), editors (new versions, runs),
 * viewers (see it, its runs and requests), and whether everyone signed in may see and run it. Saved as a new version
 * of the document shown, through the same API as any edit; the server refuses a caller who is not an owner.
 */
import { useState } from 'react';
import type { FormEvent } from 'react';

import { saveDagVersion } from '../api/client';
import type { DagDetail } from '../api/types';
import { messageOf } from './pending';

type Permissions = DagDetail['permissions'];

/** Usernames from a comma- or space-separated list, each once. */
function namesOf(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((name) => name !== ''))];
}

export function DagPermissions({
  dag,
  onSaved,
}: {
  dag: DagDetail;
  onSaved: (version: number) => void;
}) {
  const [owners, setOwners] = useState(dag.permissions.owners.join(', '));
  const [editors, setEditors] = useState(dag.permissions.editors.join(', '));
  const [viewers, setViewers] = useState(dag.permissions.viewers.join(', '));
  const [isPublic, setPublic] = useState(dag.permissions.isPublic);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const next: Permissions = {
      owners: namesOf(owners),
      editors: namesOf(editors),
      viewers: namesOf(viewers),
      isPublic,
    };
    if (next.owners.length === 0) {
      setStatus('A DAG needs at least one owner.');
      document.getElementById('dag-owners')?.focus();
      return;
    }
    if (dag.source === null || typeof dag.source !== 'object' || Array.isArray(dag.source)) {
      setStatus('This version was stored as text: change its permissions in the editor.');
      return;
    }
    const source = dag.source;
    setBusy(true);
    try {
      const saved = await saveDagVersion(dag.dagId, { ...source, permissions: next });
      setStatus(`Saved as version ${saved.version}.`);
      onSaved(saved.version);
    } catch (cause) {
      setStatus(`Not saved: ${messageOf(cause)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="permissions-title">
      <h2 id="permissions-title">Who may use it</h2>
      <form onSubmit={(event) => void save(event)} noValidate>
        <p className="hint">Usernames, separated by commas. Saving stores a new version.</p>
        <div className="field">
          <label htmlFor="dag-owners">Owners (everything, including this)</label>
          <input id="dag-owners" value={owners} onChange={(e) => setOwners(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="dag-editors">Editors (new versions, runs)</label>
          <input id="dag-editors" value={editors} onChange={(e) => setEditors(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="dag-viewers">Viewers (see it, its runs and requests)</label>
          <input id="dag-viewers" value={viewers} onChange={(e) => setViewers(e.target.value)} />
        </div>
        <div className="field">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={isPublic}
              onChange={(e) => setPublic(e.target.checked)}
            />
            Public: everyone signed in may see it and start runs
          </label>
        </div>
        <div role="status">{status ? <p>{status}</p> : null}</div>
        <button type="submit" disabled={busy}>
          Save who may use it
        </button>
      </form>
    </section>
  );
}
