/** Sign in with a username and password; then on to the page that asked for it (`?next=`), else the inbox. */
import { useState } from 'react';
import type { FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';

import { ApiError } from '../api/client';
import { PageHeading } from '../components/PageHeading';
import { useSession } from '../components/session';

/** Only a path of this site: `?next=//evil.example` must not send anyone away. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/inbox';
}

export function LoginPage() {
  const { user, signIn } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));

  if (user) return <Navigate to={next} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(username, password);
      await navigate(next, { replace: true });
    } catch (cause) {
      setError(
        cause instanceof ApiError && cause.status === 401
          ? 'The username or the password is wrong.'
          : cause instanceof Error
            ? cause.message
            : 'Signing in failed.',
      );
      setBusy(false);
    }
  };

  return (
    <main id="main" className="login">
      <PageHeading title="Sign in to Flowgate" />
      <form
        onSubmit={(event) => void submit(event)}
        aria-describedby={error ? 'login-error' : undefined}
      >
        <div className="field">
          <label htmlFor="username">Username</label>
          <input
            id="username"
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(event) => setUsername(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </div>
        <div role="alert" id="login-error" className="error">
          {error}
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
