/**
 * A page's `<h1>`, which also names the tab and takes the focus when the page opens, so that a screen reader
 * announces the new page after a client-side navigation and the keyboard starts from its top.
 */
import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';

export function PageHeading({ title, children }: { title: string; children?: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Flowgate`;
    ref.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <h1 ref={ref} id="page-title" tabIndex={-1} className="page-heading">
      {children ?? title}
    </h1>
  );
}
