/** Admins: webhook subscriptions (the signing secret shown once, at creation), a test delivery, removal. */
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';

import {
  createWebhook,
  deleteWebhook,
  listWebhooks,
  testWebhook,
  type Webhook,
} from '../api/client';
import { PageHeading } from '../components/PageHeading';
import { messageOf } from '../components/pending';
import { useUser } from '../components/session';

export default function AdminWebhooksPage() {
  const me = useUser();
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState('hitl.*, workflow.*');
  const [description, setDescription] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const load = () => {
    listWebhooks().then(
      (page) => setHooks(page.items),
      (cause: unknown) => setProblem(messageOf(cause)),
    );
  };
  useEffect(load, []);

  if (me.role !== 'admin') {
    return (
      <section>
        <PageHeading title="Webhooks" />
        <p className="refusal">Only admins manage webhooks.</p>
      </section>
    );
  }

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const list = events
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    try {
      const created = await createWebhook({
        url: url.trim(),
        events: list,
        ...(description.trim() ? { description: description.trim() } : {}),
      });
      setSecret(created.secret);
      setProblem(null);
      setUrl('');
      setDescription('');
      load();
    } catch (cause) {
      setProblem(`Not added: ${messageOf(cause)}`);
    }
  };

  const act = async (what: string, action: () => Promise<unknown>) => {
    try {
      await action();
      setStatus(what);
      load();
    } catch (cause) {
      setProblem(messageOf(cause));
    }
  };

  return (
    <section>
      <PageHeading title="Webhooks" />
      <div role="alert">
        {problem ? <p className="error">{problem}</p> : null}
        {secret ? (
          <div className="notice">
            <p>The signing secret is shown this once; copy it now:</p>
            <code data-testid="webhook-secret">{secret}</code>
          </div>
        ) : null}
      </div>
      <p role="status">{status}</p>
      {hooks === null ? (
        <p role="status">Loading…</p>
      ) : hooks.length === 0 ? (
        <p>No webhooks.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Webhooks</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {hooks.map((hook) => (
              <tr key={hook.id}>
                <th scope="row">
                  {hook.url}
                  {hook.description ? <p className="hint">{hook.description}</p> : null}
                </th>
                <td>{hook.events.join(', ')}</td>
                <td>
                  {hook.active
                    ? 'active'
                    : `disabled${hook.disabledReason ? `: ${hook.disabledReason}` : ''}`}
                </td>
                <td>
                  <button
                    type="button"
                    onClick={() => void act('Test delivery queued.', () => testWebhook(hook.id))}
                  >
                    Send a test <span className="visually-hidden">to {hook.url}</span>
                  </button>{' '}
                  <button
                    type="button"
                    className="danger"
                    onClick={() => void act('Webhook removed.', () => deleteWebhook(hook.id))}
                  >
                    Remove <span className="visually-hidden">{hook.url}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Add a webhook</h2>
      <form onSubmit={(event) => void add(event)}>
        <div className="field">
          <label htmlFor="hook-url">URL</label>
          <input
            id="hook-url"
            type="url"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="hook-events">
            Events (comma-separated; a prefix with .* takes all of it)
          </label>
          <input
            id="hook-events"
            value={events}
            onChange={(event) => setEvents(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="hook-description">Description (optional)</label>
          <input
            id="hook-description"
            value={description}
            onChange={(event) => setDescription(event.target.value)}
          />
        </div>
        <button type="submit" className="primary">
          Add webhook
        </button>
      </form>
    </section>
  );
}
