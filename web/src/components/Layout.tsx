/** The frame of every signed-in page: skip link, header (navigation, waiting count, live state, account), main. */
import { useEffect, useState } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router';

import { liveStatus, onLiveStatus, type LiveStatus } from '../api/live';
import { waitsForMe } from '../lib/inbox';
import { usePending } from './pending';
import { useSession, useUser } from './session';
import { themeOf } from './theme';

const LIVE_TEXT: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  stopped: 'Offline',
};

export function Layout() {
  const user = useUser();
  const { signOut, savePreferences } = useSession();
  const { items } = usePending();
  const navigate = useNavigate();
  const [live, setLive] = useState<LiveStatus>(liveStatus());
  useEffect(() => onLiveStatus(setLive), []);

  const waiting = items?.filter((request) => waitsForMe(request, user)).length;

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <span className="brand">Flowgate</span>
        <nav aria-label="Main">
          <ul>
            <li>
              <NavLink to="/" end>
                Dashboard
              </NavLink>
            </li>
            <li>
              <NavLink to="/inbox">
                Inbox{' '}
                <span className="badge" data-testid="waiting-count">
                  {waiting ?? '…'}
                </span>
                <span className="visually-hidden"> waiting for me</span>
              </NavLink>
            </li>
            <li>
              <NavLink to="/runs">Runs</NavLink>
            </li>
            <li>
              <NavLink to="/dags">DAGs</NavLink>
            </li>
            <li>
              <NavLink to="/plans">Plans</NavLink>
            </li>
            <li>
              <NavLink to="/settings">Settings</NavLink>
            </li>
            {user.role === 'admin' ? (
              <>
                <li>
                  <NavLink to="/admin/users">Users</NavLink>
                </li>
                <li>
                  <NavLink to="/admin/webhooks">Webhooks</NavLink>
                </li>
              </>
            ) : null}
          </ul>
        </nav>
        <div className="header-tools">
          <span className={`live live-${live}`} role="status">
            {LIVE_TEXT[live]}
          </span>
          <label className="theme-picker">
            Theme{' '}
            <select
              value={themeOf(user)}
              onChange={(event) => {
                void savePreferences({ theme: event.target.value });
              }}
            >
              <option value="system">System</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
          <span className="who">
            {user.fullName ?? user.username} <span className="role">({user.role})</span>
          </span>
          <button
            type="button"
            onClick={() => {
              void signOut().then(() => navigate('/login'));
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
