/** The start page: what waits for the caller, and the way to it. The charts of issue 5 come later. */
import { Link } from 'react-router';

import { PageHeading } from '../components/PageHeading';
import { usePending } from '../components/pending';
import { useUser } from '../components/session';
import { waitsForMe } from '../lib/inbox';

export function DashboardPage() {
  const user = useUser();
  const { items } = usePending();
  const waiting = items?.filter((request) => waitsForMe(request, user)).length;
  return (
    <section>
      <PageHeading title="Dashboard" />
      <dl className="stats">
        <div>
          <dt>Waiting for me</dt>
          <dd>{waiting ?? '…'}</dd>
        </div>
        <div>
          <dt>Pending requests I can see</dt>
          <dd>{items?.length ?? '…'}</dd>
        </div>
      </dl>
      <p>
        <Link to="/inbox">Open the inbox</Link>
      </p>
    </section>
  );
}
