/** A page of API.md's routes that this version of the UI does not show yet: says so, and where to go instead. */
import { PageHeading } from '../components/PageHeading';

export function NotBuiltPage({ title }: { title: string }) {
  return (
    <section aria-labelledby="page-title">
      <PageHeading title={title} />
      <p>
        This page is not in the web UI yet. The same data is served by the HTTP API (see{' '}
        <a href="/docs">the API reference</a>) and the <code>flowgate</code> command.
      </p>
    </section>
  );
}
