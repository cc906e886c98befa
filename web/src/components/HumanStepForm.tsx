/** The rules of a person step in a form: message, approvers, quorum, self-approval, timeout and its outcome. */
import { useState } from 'react';
import type { FormEvent } from 'react';

import type { HumanSettings } from '../lib/dag-document';

interface Props {
  readonly stepId: string;
  readonly initial: HumanSettings;
  readonly onApply: (settings: HumanSettings) => void;
}

export function HumanStepForm({ stepId, initial, onApply }: Props) {
  const [settings, setSettings] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const set = <K extends keyof HumanSettings>(key: K, value: HumanSettings[K]) =>
    setSettings((s) => ({ ...s, [key]: value }));

  const apply = (event: FormEvent) => {
    event.preventDefault();
    if (settings.quorum === 'count' && !(Number(settings.count) >= 1)) {
      setError('The number of approvals must be 1 or more.');
      return;
    }
    if (
      settings.timeoutAfter.trim() !== '' &&
      !/^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/.test(settings.timeoutAfter.trim())
    ) {
      setError('The timeout is an ISO 8601 duration, e.g. PT24H or P2D.');
      return;
    }
    setError(null);
    onApply(settings);
  };

  return (
    <form className="human-step-form" onSubmit={apply} aria-labelledby="human-step-title">
      <h3 id="human-step-title">Rules of {stepId}</h3>
      <div role="alert">{error ? <p className="error">{error}</p> : null}</div>
      <div className="field">
        <label htmlFor="hs-message">Message (markdown; {'{{ }}'} templates)</label>
        <textarea
          id="hs-message"
          rows={2}
          value={settings.message}
          onChange={(e) => set('message', e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="hs-approvers">
          Approvers (names, or role:NAME; empty for anyone who may act)
        </label>
        <input
          id="hs-approvers"
          value={settings.approvers}
          onChange={(e) => set('approvers', e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="hs-quorum">Quorum</label>
        <select
          id="hs-quorum"
          value={settings.quorum}
          onChange={(e) => set('quorum', e.target.value as HumanSettings['quorum'])}
        >
          <option value="any">One approval</option>
          <option value="all">Every approver</option>
          <option value="count">A number of approvals</option>
        </select>
      </div>
      {settings.quorum === 'count' ? (
        <div className="field">
          <label htmlFor="hs-count">Approvals needed</label>
          <input
            id="hs-count"
            inputMode="numeric"
            value={settings.count}
            onChange={(e) => set('count', e.target.value)}
          />
        </div>
      ) : null}
      <label className="checkbox">
        <input
          type="checkbox"
          checked={settings.allowSelfApproval}
          onChange={(e) => set('allowSelfApproval', e.target.checked)}
        />{' '}
        The run&apos;s starter may decide
      </label>
      <div className="field">
        <label htmlFor="hs-timeout">Timeout (ISO 8601 duration, e.g. PT24H; empty for none)</label>
        <input
          id="hs-timeout"
          value={settings.timeoutAfter}
          onChange={(e) => set('timeoutAfter', e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="hs-outcome">When it times out</label>
        <select
          id="hs-outcome"
          value={settings.timeoutOutcome}
          onChange={(e) => set('timeoutOutcome', e.target.value as HumanSettings['timeoutOutcome'])}
        >
          <option value="reject">Reject</option>
          <option value="approve">Approve</option>
          <option value="fail">Fail the run</option>
          <option value="expire">Expire</option>
        </select>
      </div>
      <button type="submit">Apply to {stepId}</button>
    </form>
  );
}
