/**
 * U1: issue 5's UI targets, measured in Chromium against a real server (not asserted: reported).
 *
 * - the JavaScript of the initial route (the login page, cold) and of the inbox, where signing in lands, gzipped;
 * - with 10,000 runs in the database, the runs page: time from navigation to its first page of rows painted, and
 *   how many rows are in the DOM;
 * - a run of 500 steps: the longest main-thread task (PerformanceObserver `longtask`) while its graph is laid out
 *   and drawn, the layout's own time (in the worker) and the time to the drawing;
 * - a decision made through the API (as another client would): the time until an open inbox no longer lists the
 *   request, and until an open run page shows the run completed (a few samples, p50 and max).
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import { approvalDag } from '../http/harness.js';
import { scaled, startInChunks, tool, waitForCounts, type WorkloadContext } from '../kit.js';
import type { BenchResult } from '../result.js';
import { RssSampler } from '../rss.js';
import { median, round } from '../stats.js';
import { launchChromium } from '../../test/ui/helpers/chromium.js';
import { INIT_SCRIPT, WATCH_RESULT, watchRowGone, watchRunStatus } from './page-probes.js';
import { startUiBenchServer, type UiBenchServer } from './ui-server.js';
import { ensureWebBuilt } from '../../test/ui/helpers/web-build.js';

const GRAPH_NODES = 500;
const GRAPH_WIDTH = 20;
const RUNS_SAMPLES = 3;
const GRAPH_SAMPLES = 3;
const DECISION_SAMPLES = 5;
/** Other requests waiting in the inbox beside the sampled ones, so that it is not a list of one. */
const OTHER_PENDING = 15;
const PAGE_WAIT_MS = 30_000;

export async function uiMeasurements(ctx: WorkloadContext): Promise<BenchResult> {
  const { flowgate } = ctx;
  const t0 = performance.now();
  const rss = new RssSampler();
  // The workload runs compiled under bench/results/.build: the package is where bench/run.ts started it.
  const web = await ensureWebBuilt({ packageRoot: process.cwd(), waitMs: 120_000 });

  // ---- the database: 10,000 finished runs, one run of 500 steps, runs waiting at a gate ------------------------
  const runs = scaled(10_000, ctx.scale);
  const seedStart = performance.now();
  await flowgate.putDag({ dag_id: 'bench_u1', nodes: [tool('only', [])] });
  await startInChunks(flowgate, 'bench_u1', runs);
  await waitForCounts(ctx, `all ${runs} U1 runs completed`, (c) => (c.completed ?? 0) >= runs);
  await flowgate.putDag(wideDag('bench_u1_graph'));
  const graphRun = await flowgate.start('bench_u1_graph', {});
  await flowgate.waitFor(graphRun.workflowId, { timeoutMs: ctx.timeoutMs });
  await flowgate.putDag(approvalDag('bench_u1_gate', { gateOnly: true }));
  const gated = await flowgate.startMany(
    'bench_u1_gate',
    Array.from({ length: DECISION_SAMPLES + OTHER_PENDING }, (_, i) => ({ i })),
  );
  const seedMs = performance.now() - seedStart;
  const requestOf = new Map<string, string>();
  for (const item of (await flowgate.listHitl({ status: 'pending', limit: 500 })).items)
    requestOf.set(item.workflowId, item.requestId);

  const server = await startUiBenchServer(flowgate, web.root);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const js = await initialJavaScript(browser, server);
    const context = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, server, '/runs');

    // ---- the runs page ------------------------------------------------------------------------------------------
    const runsPaint: number[] = [];
    let rowsInDom = 0;
    for (let i = 0; i < RUNS_SAMPLES; i++) {
      await page.goto(`${server.url}/runs`);
      runsPaint.push(await firstSeen(page, 'runsRows'));
      rowsInDom = Number(await page.evaluate('document.querySelectorAll("tr").length'));
    }

    // ---- the 500-step graph -------------------------------------------------------------------------------------
    const longest: number[] = [];
    const longCounts: number[] = [];
    const layouts: number[] = [];
    const drawn: number[] = [];
    let graphInDom = 0;
    for (let i = 0; i < GRAPH_SAMPLES; i++) {
      // U1_PROFILE=FILE writes a CPU profile of the page's first graph load (summarize it with bench/profile.ts).
      const cdp = i === 0 && process.env.U1_PROFILE ? await context.newCDPSession(page) : undefined;
      if (cdp) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
        await cdp.send('Profiler.start');
      }
      await page.goto(`${server.url}/runs/${encodeURIComponent(graphRun.workflowId)}`);
      drawn.push(await firstSeen(page, 'graph'));
      if (cdp) {
        await page.waitForTimeout(1_500);
        const { profile } = await cdp.send('Profiler.stop');
        writeFileSync(process.env.U1_PROFILE!, JSON.stringify(profile));
      }
      await page.locator('.run-graph [data-node-id]').first().waitFor({ timeout: PAGE_WAIT_MS });
      // Tasks the drawing queued after its nodes appeared (fitting the view, edges) count too.
      await page.waitForTimeout(1_000);
      const probe = await page.evaluate<{
        tasks: [number, number][];
        error: string | null;
        layout: [number, number][];
        inDom: number;
      }>(
        `({ tasks: window.__fg.longTasks, error: window.__fg.longTaskError ?? null,
            layout: performance.getEntriesByName('flowgate:layout').map((e) => [e.startTime, e.duration]),
            inDom: document.querySelectorAll('.run-graph [data-node-id]').length })`,
      );
      // Which tasks, when: the layout's measure and the drawing's appearance place them.
      console.error(
        `[U1] graph sample ${i}: long tasks ${probe.tasks.map(([at, ms]) => `${Math.round(ms)}@${Math.round(at)}`).join(', ')}; layout ${probe.layout.map(([at, ms]) => `${Math.round(at)}+${Math.round(ms)}`).join(', ')}; graph seen ${Math.round(drawn[drawn.length - 1]!)}`,
      );
      graphInDom = probe.inDom;
      if (probe.error) throw new Error(`longtask observer: ${probe.error}`);
      longest.push(Math.max(0, ...probe.tasks.map(([, ms]) => ms)));
      longCounts.push(probe.tasks.length);
      layouts.push(Math.max(0, ...probe.layout.map(([, ms]) => ms)));
    }

    // ---- a decision made elsewhere, seen in an open inbox and run page -------------------------------------------
    // A tab of its own (the login lives in each tab's sessionStorage), as an approver keeps the inbox open.
    const inbox = await context.newPage();
    await signIn(inbox, server, '/inbox');
    const toInbox: number[] = [];
    const toRun: number[] = [];
    for (const { workflowId } of gated.slice(0, DECISION_SAMPLES)) {
      const requestId = requestOf.get(workflowId);
      if (!requestId) throw new Error(`run ${workflowId} raised no request`);
      await page.goto(`${server.url}/runs/${encodeURIComponent(workflowId)}`);
      await page.getByText('Live', { exact: true }).waitFor({ timeout: PAGE_WAIT_MS });
      await page
        .locator('[data-testid="run-status"]', { hasText: 'paused' })
        .waitFor({ timeout: PAGE_WAIT_MS });
      await inbox.locator(`[data-request-id="${requestId}"]`).waitFor({ timeout: PAGE_WAIT_MS });
      await inbox.evaluate(watchRowGone(requestId, PAGE_WAIT_MS));
      await page.evaluate(watchRunStatus('completed', PAGE_WAIT_MS));
      const sent = performance.timeOrigin + performance.now();
      const response = await fetch(
        `${server.url}/api/hitl/${encodeURIComponent(requestId)}/approve`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
          body: '{}',
        },
      );
      if (response.status !== 200)
        throw new Error(`approve answered ${response.status}: ${await response.text()}`);
      const [inboxAt, runAt] = await Promise.all([
        inbox.evaluate<number>(WATCH_RESULT),
        page.evaluate<number>(WATCH_RESULT),
      ]);
      toInbox.push(inboxAt - sent);
      toRun.push(runAt - sent);
    }
    await context.close();

    const wallMs = performance.now() - t0;
    const figures = {
      initialJsGzKb: round(js.initialKb, 1),
      afterSignInJsGzKb: round(js.afterSignInKb, 1),
      initialJsFiles: js.initialFiles,
      runsFirstPageMs: round(median(runsPaint), 0),
      runsFirstPageMaxMs: round(Math.max(...runsPaint), 0),
      runsRowsInDom: rowsInDom,
      graphNodes: GRAPH_NODES,
      graphNodesInDom: graphInDom,
      graphLongestTaskMs: round(Math.max(...longest), 0),
      graphLongTasks: Math.max(...longCounts),
      graphLayoutMs: round(median(layouts), 0),
      graphDrawnMs: round(median(drawn), 0),
      decisionToInboxP50Ms: round(median(toInbox), 0),
      decisionToInboxMaxMs: round(Math.max(...toInbox), 0),
      decisionToRunPageP50Ms: round(median(toRun), 0),
      decisionToRunPageMaxMs: round(Math.max(...toRun), 0),
      decisionSamples: toInbox.length,
    };
    return {
      workload: 'U1',
      store: ctx.store,
      runs,
      stepsPerSec: null,
      wallMs: round(wallMs, 1),
      p50Ms: figures.decisionToInboxP50Ms,
      p99Ms: null,
      rssMb: round(rss.stop(), 1),
      ...figures,
      seedMs: round(seedMs, 0),
      webBuildMs: web.buildMs,
      notes: [
        `JS ${figures.initialJsGzKb} kB gz (${figures.afterSignInJsGzKb} after sign-in)`,
        `runs page ${figures.runsFirstPageMs} ms, ${rowsInDom} rows`,
        `${GRAPH_NODES}-node graph: longest task ${figures.graphLongestTaskMs} ms, layout ${figures.graphLayoutMs} ms, drawn ${figures.graphDrawnMs} ms`,
        `decision → inbox p50 ${figures.decisionToInboxP50Ms}/max ${figures.decisionToInboxMaxMs} ms, → run page p50 ${figures.decisionToRunPageP50Ms}/max ${figures.decisionToRunPageMaxMs} ms`,
      ].join('; '),
    };
  } finally {
    rss.stop();
    await browser?.close().catch(() => undefined);
    await server.close();
  }
}

/** 500 noop steps in 25 layers of 20, each step after two of the layer before: a wide, crossing layout. */
function wideDag(dagId: string) {
  const id = (i: number) => `s${String(i).padStart(3, '0')}`;
  return {
    dag_id: dagId,
    nodes: Array.from({ length: GRAPH_NODES }, (_, i) => {
      const layer = Math.floor(i / GRAPH_WIDTH);
      const column = i % GRAPH_WIDTH;
      const before = (layer - 1) * GRAPH_WIDTH;
      return tool(
        id(i),
        layer === 0 ? [] : [id(before + column), id(before + ((column + 7) % GRAPH_WIDTH))],
      );
    }),
  };
}

async function newContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(PAGE_WAIT_MS);
  await context.addInitScript({ content: INIT_SCRIPT });
  return context;
}

async function signIn(page: Page, server: UiBenchServer, next: string): Promise<void> {
  await page.goto(`${server.url}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Username').fill(server.username);
  await page.getByLabel('Password').fill(server.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`**${next}*`);
}

/** ms from navigation to the first painted appearance of a watched element (page-probes.ts). */
async function firstSeen(page: Page, name: string): Promise<number> {
  await page.waitForFunction(
    `window.__fg && ${JSON.stringify(name)} in window.__fg.firstSeen`,
    undefined,
    {
      timeout: PAGE_WAIT_MS,
      polling: 50,
    },
  );
  return Number(await page.evaluate(`window.__fg.firstSeen[${JSON.stringify(name)}]`));
}

/**
 * The JavaScript a cold browser fetches for the login page (the initial route), and in all once signed in and on
 * the inbox, each file gzipped as a server would send it (zlib's default level).
 */
async function initialJavaScript(
  browser: Browser,
  server: UiBenchServer,
): Promise<{ initialKb: number; afterSignInKb: number; initialFiles: number }> {
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    const sizes = new Map<string, Promise<number>>();
    page.on('response', (response) => {
      const url = response.url();
      const type = response.headers()['content-type'] ?? '';
      if (!url.startsWith(server.url) || sizes.has(url)) return;
      if (!/\.m?js(\?|$)/.test(new URL(url).pathname) && !type.includes('javascript')) return;
      sizes.set(
        url,
        response.body().then(
          (body) => gzipSync(body).length,
          () => 0,
        ),
      );
    });
    const total = async () => (await Promise.all(sizes.values())).reduce((a, b) => a + b, 0) / 1024;
    await page.goto(`${server.url}/login`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.waitForLoadState('load');
    const initialFiles = sizes.size;
    const initialKb = await total();
    await page.getByLabel('Username').fill(server.username);
    await page.getByLabel('Password').fill(server.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/inbox*');
    await page.locator('#inbox-list table').waitFor();
    await page.waitForTimeout(500);
    return { initialKb, afterSignInKb: await total(), initialFiles };
  } finally {
    await context.close();
  }
}
