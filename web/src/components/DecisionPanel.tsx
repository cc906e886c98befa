/**
 * What the approver does: answer (a choice or the node's form, checked before sending), or approve (with edits of the
 * editable values, shown as a diff first) or reject (with a required reason). Problems are announced (role=alert)
 * and focus goes to the first one. A conflict (someone decided first) says who and when, and leaves everything the
 * person typed in place.
 */
import { useMemo, useRef, useState } from 'react';
import type { FormEvent } from 'react';

import { ApiError, approve, reject, respond } from '../api/client';
import type { Decision, HitlRequest } from '../api/types';
import { changesOf, getPath, show } from '../lib/paths';
import { fieldsOf, initialValues, validateForm, type FormValues } from '../lib/schema-form';
import { formatTime } from '../lib/time';
import { SchemaForm } from './SchemaForm';

interface Props {
  readonly request: HitlRequest;
  readonly timeZone: string | undefined;
  /** Called after the server took the decision. */
  readonly onDecided: (decision: Decision) => void;
  /** Called after a 409: the page reloads the request to show its new state. */
  readonly onConflict: () => void;
}

export interface Conflict {
  readonly status: string;
  readonly respondedBy: string | null;
  readonly respondedAt: string | null;
}

function conflictOf(error: unknown): Conflict | undefined {
  if (!(error instanceof ApiError) || error.status !== 409) return undefined;
  const details = (error.details ?? {}) as Partial<Conflict>;
  return {
    status: details.status ?? 'decided',
    respondedBy: details.respondedBy ?? null,
    respondedAt: details.respondedAt ?? null,
  };
}

/** Text typed for an editable value, read back as the type the proposed value had. */
function parseEdit(before: unknown, text: string): unknown {
  if (typeof before === 'number') {
    const number = Number(text);
    return text.trim() !== '' && Number.isFinite(number) ? number : text;
  }
  if (typeof before === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  if (before !== null && typeof before === 'object') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

const editText = (value: unknown) =>
  value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);

export function DecisionPanel({ request, timeZone, onDecided, onConflict }: Props) {
  const spec = request.spec ?? {};
  const proposed = request.context?.proposed;
  const editable = spec.editable ?? [];
  const options = spec.options ?? [];
  const fields = useMemo(() => (spec.form ? fieldsOf(spec.form) : []), [spec.form]);
  const answers = spec.form !== undefined || options.length > 0;

  const [values, setValues] = useState<FormValues>(() => initialValues(fields));
  const [choice, setChoice] = useState('');
  const [edits, setEdits] = useState<Record<string, string>>(() =>
    Object.fromEntries(editable.map((path) => [path, editText(getPath(proposed, path))])),
  );
  const [comment, setComment] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [busy, setBusy] = useState(false);
  const alertRef = useRef<HTMLDivElement>(null);

  const parsedEdits = Object.fromEntries(
    Object.entries(edits).map(([path, text]) => [path, parseEdit(getPath(proposed, path), text)]),
  );
  const changes = changesOf(proposed, parsedEdits);
  const closed = request.status !== 'pending' || conflict !== null;

  const fail = (message: string, fieldErrors: Record<string, string> = {}) => {
    setErrors(fieldErrors);
    setProblem(message);
    // The first field with a problem takes the focus; the alert above announces the summary.
    requestAnimationFrame(() => {
      const first = Object.keys(fieldErrors)[0];
      const target =
        first === undefined
          ? alertRef.current
          : document.getElementById(
              first === 'reason' ? 'decision-reason' : `form-field-${first || 'value'}`,
            );
      target?.focus();
    });
  };

  const send = async (action: () => Promise<Decision>) => {
    setBusy(true);
    setProblem(null);
    try {
      onDecided(await action());
    } catch (error) {
      const lost = conflictOf(error);
      if (lost) {
        setConflict(lost);
        onConflict();
      } else if (error instanceof ApiError && error.details !== undefined && error.status === 422) {
        fail(`The server refused the answer: ${error.message}`);
      } else {
        fail(error instanceof Error ? error.message : String(error));
      }
    } finally {
      setBusy(false);
    }
  };

  const submitAnswer = (event: FormEvent) => {
    event.preventDefault();
    if (spec.form) {
      const result = validateForm(spec.form, values);
      if (Object.keys(result.errors).length > 0) {
        const count = Object.keys(result.errors).length;
        fail(
          `Please correct ${count === 1 ? 'one field' : `${count} fields`} before sending.`,
          result.errors,
        );
        return;
      }
      void send(() => respond(request.requestId, result.value, comment || undefined));
      return;
    }
    const option = options.find((o) => String(o.value) === choice);
    if (!option) {
      fail('Please choose an answer before sending.', { choice: 'Choose one of the answers.' });
      return;
    }
    void send(() => respond(request.requestId, option.value, comment || undefined));
  };

  const submitApprove = () => {
    const body = {
      ...(comment ? { response: comment } : {}),
      ...(changes.length > 0
        ? { edits: Object.fromEntries(changes.map((c) => [c.path, c.after])) }
        : {}),
    };
    void send(() => approve(request.requestId, body));
  };

  const submitReject = () => {
    if (comment.trim() === '') {
      fail('A reason is required to reject.', { reason: 'Say why you reject this request.' });
      return;
    }
    void send(() => reject(request.requestId, comment.trim()));
  };

  return (
    <section className="decision" aria-labelledby="decision-title">
      <h2 id="decision-title">Your decision</h2>
      <div ref={alertRef} tabIndex={-1} role="alert" className="alert-region">
        {conflict ? (
          <p className="conflict">
            Someone decided first: this request was {conflict.status}
            {conflict.respondedBy ? ` by ${conflict.respondedBy}` : ''}
            {conflict.respondedAt ? ` at ${formatTime(conflict.respondedAt, timeZone)}` : ''}. Your
            decision was not sent; what you typed is kept below.
          </p>
        ) : problem ? (
          <p className="error">{problem}</p>
        ) : null}
      </div>
      <form noValidate onSubmit={answers ? submitAnswer : (event) => event.preventDefault()}>
        {spec.form ? (
          <SchemaForm
            fields={fields}
            values={values}
            errors={errors}
            disabled={closed || busy}
            onChange={(name, value) => setValues((v) => ({ ...v, [name]: value }))}
          />
        ) : options.length > 0 ? (
          <fieldset
            disabled={closed || busy}
            aria-invalid={errors.choice ? true : undefined}
            aria-describedby={errors.choice ? 'choice-error' : undefined}
          >
            <legend>Your answer</legend>
            {options.map((option, index) => (
              <label key={String(option.value)} className="radio">
                <input
                  type="radio"
                  name="choice"
                  id={index === 0 ? 'form-field-choice' : undefined}
                  value={String(option.value)}
                  checked={choice === String(option.value)}
                  onChange={() => setChoice(String(option.value))}
                />{' '}
                {option.label ?? String(option.value)}
              </label>
            ))}
            {errors.choice ? (
              <p className="field-error" id="choice-error">
                {errors.choice}
              </p>
            ) : null}
          </fieldset>
        ) : null}

        {!answers && editable.length > 0 ? (
          <fieldset className="edits" disabled={closed || busy}>
            <legend>
              {request.context?.toolCall
                ? `Arguments of ${request.context.toolCall.toolName} you may change before approving`
                : 'Values you may change before approving'}
            </legend>
            {editable.map((path) => (
              <div className="field" key={path}>
                <label htmlFor={`edit-${path}`}>{path}</label>
                <input
                  id={`edit-${path}`}
                  value={edits[path] ?? ''}
                  onChange={(event) => setEdits((e) => ({ ...e, [path]: event.target.value }))}
                />
              </div>
            ))}
            {changes.length > 0 ? (
              <table className="diff" aria-label="Your changes">
                <thead>
                  <tr>
                    <th scope="col">Value</th>
                    <th scope="col">Proposed</th>
                    <th scope="col">Yours</th>
                  </tr>
                </thead>
                <tbody>
                  {changes.map((change) => (
                    <tr key={change.path}>
                      <th scope="row">{change.path}</th>
                      <td>
                        <del>{show(change.before)}</del>
                      </td>
                      <td>
                        <ins>{show(change.after)}</ins>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="hint">No changes: approving sends the proposed values.</p>
            )}
          </fieldset>
        ) : null}

        <div className="field">
          <label htmlFor="decision-reason">
            {answers ? 'Comment (optional; required to reject)' : 'Comment (required to reject)'}
          </label>
          <textarea
            id="decision-reason"
            rows={3}
            value={comment}
            readOnly={closed}
            aria-invalid={errors.reason ? true : undefined}
            aria-describedby={errors.reason ? 'reason-error' : undefined}
            onChange={(event) => setComment(event.target.value)}
          />
          {errors.reason ? (
            <p className="field-error" id="reason-error">
              {errors.reason}
            </p>
          ) : null}
        </div>

        <div className="actions">
          {answers ? (
            <button type="submit" className="primary" disabled={closed || busy}>
              Send answer
            </button>
          ) : (
            <button
              type="button"
              className="primary approve"
              disabled={closed || busy}
              onClick={submitApprove}
            >
              {changes.length > 0 ? 'Approve with changes' : 'Approve'}
            </button>
          )}
          <button type="button" className="danger" disabled={closed || busy} onClick={submitReject}>
            Reject
          </button>
        </div>
      </form>
    </section>
  );
}
