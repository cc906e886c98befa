/**
 * What U1 runs inside the pages, as source text (bench/ compiles without the DOM's types, and this code only ever
 * runs in Chromium). Installed before any page script: long tasks are collected from the start, and the first
 * painted appearance of the elements U1 waits for is stamped as it happens rather than found by polling later.
 */

/** Elements whose first painted appearance is stamped in `window.__fg.firstSeen[name]` (ms since navigation). */
export const WATCHED = {
  runsRows: 'table.runs-table tbody tr',
  graph: 'figure.run-graph',
} as const;

export const INIT_SCRIPT = `(() => {
  const fg = (window.__fg = { longTasks: [], firstSeen: {} });
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) fg.longTasks.push([entry.startTime, entry.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch (error) {
    fg.longTaskError = String(error);
  }
  // After the next frame's paint: a task queued from requestAnimationFrame runs once the frame is drawn.
  const afterPaint = (then) => requestAnimationFrame(() => setTimeout(then, 0));
  const watched = ${JSON.stringify(WATCHED)};
  const look = () => {
    for (const [name, selector] of Object.entries(watched)) {
      if (name in fg.firstSeen || fg.pendingSeen?.[name]) continue;
      if (document.querySelector(selector)) {
        (fg.pendingSeen ??= {})[name] = true;
        afterPaint(() => (fg.firstSeen[name] = performance.now()));
      }
    }
  };
  new MutationObserver(look).observe(document, { childList: true, subtree: true });

  /** Resolves with the epoch time (ms) of the paint after \`done()\` first holds; rejects after \`timeoutMs\`. */
  fg.when = (done, timeoutMs) =>
    new Promise((resolve, reject) => {
      let observer;
      const timer = setTimeout(() => {
        observer?.disconnect();
        reject(new Error('not seen within ' + timeoutMs + ' ms'));
      }, timeoutMs);
      const check = () => {
        if (!done()) return false;
        observer?.disconnect();
        clearTimeout(timer);
        afterPaint(() => resolve(performance.timeOrigin + performance.now()));
        return true;
      };
      if (check()) return;
      observer = new MutationObserver(check);
      observer.observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
    });
})();`;

/** Starts watching for an inbox row to leave; `window.__fg.watch` holds the promise. */
export function watchRowGone(requestId: string, timeoutMs: number): string {
  const selector = JSON.stringify(`[data-request-id="${requestId}"]`);
  return `void (window.__fg.watch = window.__fg.when(() => !document.querySelector(${selector}), ${timeoutMs}))`;
}

/** Starts watching for the run page's status to read `status`. */
export function watchRunStatus(status: string, timeoutMs: number): string {
  const wanted = JSON.stringify(status);
  return `void (window.__fg.watch = window.__fg.when(() => document.querySelector('[data-testid="run-status"]')?.textContent === ${wanted}, ${timeoutMs}))`;
}

export const WATCH_RESULT = 'window.__fg.watch';
