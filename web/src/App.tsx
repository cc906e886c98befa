/** The routes of API.md ("Web UI"); pages behind the login wait for a stored login to be restored first. */
import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';

import { Layout } from './components/Layout';
import { PendingProvider } from './components/pending';
import { useSession } from './components/session';
import { useTheme } from './components/theme';
import { DagsPage } from './pages/DagsPage';
import { DashboardPage } from './pages/DashboardPage';
import { InboxPage } from './pages/InboxPage';
import { LoginPage } from './pages/LoginPage';
import { RunsPage } from './pages/RunsPage';

// The request page carries the markdown renderer and sanitizer, the run page React Flow and elkjs: loaded when opened.
const RequestPage = lazy(() => import('./pages/RequestPage'));
const RunPage = lazy(() => import('./pages/RunPage'));
const SettingsPage = lazy(() => import('./pages/SettingsPage'));
const DagPage = lazy(() => import('./pages/DagPage'));
const PlansPage = lazy(() => import('./pages/PlansPage'));
const AdminUsersPage = lazy(() => import('./pages/AdminUsersPage'));
const AdminWebhooksPage = lazy(() => import('./pages/AdminWebhooksPage'));

function RequireLogin() {
  const { user, ready } = useSession();
  const location = useLocation();
  if (!ready) {
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  }
  if (!user) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return (
    <PendingProvider>
      <Layout />
    </PendingProvider>
  );
}

export function App() {
  const { user } = useSession();
  useTheme(user);
  return (
    <Suspense
      fallback={
        <p className="loading" role="status">
          Loading…
        </p>
      }
    >
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route element={<RequireLogin />}>
          <Route index element={<DashboardPage />} />
          <Route path="/inbox" element={<InboxPage />} />
          <Route path="/requests/:requestId" element={<RequestPage />} />
          <Route path="/runs" element={<RunsPage />} />
          <Route path="/runs/:workflowId" element={<RunPage />} />
          <Route path="/dags" element={<DagsPage />} />
          <Route path="/dags/:dagId" element={<DagPage />} />
          <Route path="/plans" element={<PlansPage />} />
          <Route path="/plans/:planId" element={<PlansPage />} />
          <Route path="/settings" element={<SettingsPage />} />
          <Route path="/admin/users" element={<AdminUsersPage />} />
          <Route path="/admin/webhooks" element={<AdminWebhooksPage />} />
          <Route path="/admin/*" element={<Navigate to="/admin/users" replace />} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
