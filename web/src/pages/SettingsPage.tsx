/** The caller's profile, preferences (theme, time zone) and API keys (the secret shown once, at creation). */
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';

import { createApiKey, listApiKeys, revokeApiKey, type ApiKey } from '../api/client';
import { PageHeading } from '../components/PageHeading';
import { messageOf } from '../components/pending';
import { useSession, useTimeZone, useUser } from '../components/session';
import { themeOf } from '../components/theme';
import { formatTime } from '../lib/time';

function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
}

export default function SettingsPage() {
  const user = useUser();
  const timeZone = useTimeZone();
  const { savePreferences } = useSession();
  const [theme, setTheme] = useState<string>(themeOf(user));
  const [zone, setZone] = useState(user.preferences?.timezone ?? '');
  const [saved, setSaved] = useState<string | null>(null);
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [keyName, setKeyName] = useState('');
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const loadKeys = () => {
    listApiKeys().then(
      (list) => setKeys(list.items),
      (cause: unknown) => setProblem(messageOf(cause)),
    );
  };
  useEffect(loadKeys, []);

  const savePrefs = async (event: FormEvent) => {
    event.preventDefault();
    if (zone !== '' && !timeZones().includes(zone)) {
      setSaved(`${zone} is not a time zone this browser knows.`);
      return;
    }
    try {
      await savePreferences({ theme, ...(zone !== '' ? { timezone: zone } : {}) });
      setSaved('Preferences saved.');
    } catch (cause) {
      setSaved(`Could not save: ${messageOf(cause)}`);
    }
  };

  const addKey = async (event: FormEvent) => {
    event.preventDefault();
    if (keyName.trim() === '') {
      setProblem('Give the key a name.');
      return;
    }
    try {
      const key = await createApiKey(keyName.trim());
      setCreated({ name: key.name, key: key.key });
      setKeyName('');
      setProblem(null);
      loadKeys();
    } catch (cause) {
      setProblem(messageOf(cause));
    }
  };

  const revoke = async (key: ApiKey) => {
    try {
      await revokeApiKey(key.id);
      loadKeys();
    } catch (cause) {
      setProblem(messageOf(cause));
    }
  };

  return (
    <section>
      <PageHeading title="Settings" />
      <section aria-labelledby="profile-title">
        <h2 id="profile-title">Profile</h2>
        <dl>
          <dt>Username</dt>
          <dd>{user.username}</dd>
          <dt>Name</dt>
          <dd>{user.fullName ?? '—'}</dd>
          <dt>Email</dt>
          <dd>{user.email ?? '—'}</dd>
          <dt>Role</dt>
          <dd>{user.role}</dd>
        </dl>
      </section>

      <section aria-labelledby="prefs-title">
        <h2 id="prefs-title">Preferences</h2>
        <form onSubmit={(event) => void savePrefs(event)}>
          <div className="field">
            <label htmlFor="pref-theme">Theme</label>
            <select
              id="pref-theme"
              value={theme}
              onChange={(event) => setTheme(event.target.value)}
            >
              <option value="system">Follow the system</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="pref-zone">Time zone</label>
            <input
              id="pref-zone"
              list="time-zones"
              value={zone}
              placeholder="The browser's own"
              aria-describedby="pref-zone-hint"
              onChange={(event) => setZone(event.target.value)}
            />
            <datalist id="time-zones">
              {timeZones().map((name) => (
                <option key={name} value={name} />
              ))}
            </datalist>
            <p className="hint" id="pref-zone-hint">
              Times are shown in {timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone}.
            </p>
          </div>
          <button type="submit" className="primary">
            Save preferences
          </button>
          <p role="status">{saved}</p>
        </form>
      </section>

      <section aria-labelledby="keys-title">
        <h2 id="keys-title">API keys</h2>
        <p className="hint">
          An API key acts as you from scripts and other tools (
          <code>Authorization: Bearer fg_…</code>).
        </p>
        <div role="alert">
          {problem ? <p className="error">{problem}</p> : null}
          {created ? (
            <div className="notice">
              <p>
                The key <strong>{created.name}</strong> is shown this once; copy it now:
              </p>
              <code data-testid="new-key">{created.key}</code>
            </div>
          ) : null}
        </div>
        <form className="filters" onSubmit={(event) => void addKey(event)}>
          <label htmlFor="key-name">Name of a new key</label>
          <input
            id="key-name"
            value={keyName}
            onChange={(event) => setKeyName(event.target.value)}
          />
          <button type="submit">Create key</button>
        </form>
        {keys === null ? (
          <p role="status">Loading…</p>
        ) : keys.length === 0 ? (
          <p>No keys.</p>
        ) : (
          <table>
            <caption className="visually-hidden">Your API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id} data-key-id={key.id}>
                  <th scope="row">{key.name}</th>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{formatTime(key.createdAt, timeZone)}</td>
                  <td>{formatTime(key.lastUsedAt, timeZone)}</td>
                  <td>
                    {key.revokedAt ? (
                      'Revoked'
                    ) : (
                      <button type="button" onClick={() => void revoke(key)}>
                        Revoke <span className="visually-hidden">{key.name}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}
