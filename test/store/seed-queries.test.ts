/**
 * The SQL the seeds document ("Common Queries" and "Cleanup Old Data" of seed 001, the monitoring queries of seed
 * 000's scenarios 2 and 3) runs against a migrated Flowgate database: unchanged on SQLite, and minimally rewritten for
 * PostgreSQL (`$n` placeholders; interval arithmetic on the ISO text timestamps cast to timestamptz instead of
 * JULIANDAY and datetime('now', ...)). The queries go through the plain drivers, as an operator's script would.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/port.js';
import {
  createTestDatabase,
  DIALECTS,
  type DialectName,
  type TestDatabase,
} from '../helpers/dialects.js';

/** Lines joined with '\n': the seeds' SQL keeps its trailing spaces, which an editor would strip from a template. */
const lines = (...text: string[]) => text.join('\n');

interface SeedQuery {
  /** The seed's text, byte for byte. */
  readonly sqlite: string;
  /** The same query for PostgreSQL, changed only where PostgreSQL needs it. */
  readonly postgres: string;
}

// Seed 001, "Common Queries".
const ACTIVE_WORKFLOWS: SeedQuery = {
  sqlite: lines(
    'SELECT * FROM workflows ',
    "WHERE status = 'running' ",
    'ORDER BY started_at DESC;',
  ),
  postgres: lines(
    'SELECT * FROM workflows ',
    "WHERE status = 'running' ",
    'ORDER BY started_at DESC;',
  ),
};

const PENDING_HITL_REQUESTS: SeedQuery = {
  sqlite: lines(
    'SELECT h.*, w.name as workflow_name ',
    'FROM hitl_requests h',
    'JOIN workflows w ON h.workflow_id = w.workflow_id',
    "WHERE h.status = 'pending'",
    'ORDER BY h.created_at ASC;',
  ),
  postgres: lines(
    'SELECT h.*, w.name as workflow_name ',
    'FROM hitl_requests h',
    'JOIN workflows w ON h.workflow_id = w.workflow_id',
    "WHERE h.status = 'pending'",
    'ORDER BY h.created_at ASC;',
  ),
};

const WORKFLOW_EXECUTION_DETAILS: SeedQuery = {
  sqlite: lines(
    'SELECT ',
    '    w.*,',
    '    (SELECT COUNT(*) FROM workflow_nodes WHERE workflow_id = w.workflow_id) as total_nodes,',
    "    (SELECT COUNT(*) FROM workflow_nodes WHERE workflow_id = w.workflow_id AND status = 'completed') as completed_nodes",
    'FROM workflows w',
    'WHERE w.workflow_id = ?;',
  ),
  postgres: lines(
    'SELECT ',
    '    w.*,',
    '    (SELECT COUNT(*) FROM workflow_nodes WHERE workflow_id = w.workflow_id) as total_nodes,',
    "    (SELECT COUNT(*) FROM workflow_nodes WHERE workflow_id = w.workflow_id AND status = 'completed') as completed_nodes",
    'FROM workflows w',
    'WHERE w.workflow_id = $1;',
  ),
};

const USER_RECENT_PLANS: SeedQuery = {
  sqlite: lines(
    'SELECT * FROM plans ',
    'WHERE user_id = ? ',
    'ORDER BY created_at DESC ',
    'LIMIT 10;',
  ),
  postgres: lines(
    'SELECT * FROM plans ',
    'WHERE user_id = $1 ',
    'ORDER BY created_at DESC ',
    'LIMIT 10;',
  ),
};

const WORKFLOW_EVENT_LOG: SeedQuery = {
  sqlite: lines(
    'SELECT * FROM workflow_events ',
    'WHERE workflow_id = ? ',
    'ORDER BY created_at ASC;',
  ),
  postgres: lines(
    'SELECT * FROM workflow_events ',
    'WHERE workflow_id = $1 ',
    'ORDER BY created_at ASC;',
  ),
};

const AGENT_PERFORMANCE: SeedQuery = {
  sqlite: lines(
    'SELECT ',
    '    agent_id,',
    '    COUNT(*) as total_executions,',
    "    SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) as successful,",
    "    SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) as failed,",
    '    AVG(JULIANDAY(completed_at) - JULIANDAY(started_at)) * 86400 as avg_duration_seconds',
    'FROM agent_executions',
    'GROUP BY agent_id;',
  ),
  postgres: lines(
    'SELECT ',
    '    agent_id,',
    '    COUNT(*) as total_executions,',
    "    SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) as successful,",
    "    SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) as failed,",
    '    AVG(EXTRACT(EPOCH FROM (completed_at::timestamptz - started_at::timestamptz))) as avg_duration_seconds',
    'FROM agent_executions',
    'GROUP BY agent_id;',
  ),
};

// Seed 001, "Cleanup Old Data" (the SQL inside the Python strings, with its indentation).
const DELETE_OLD_COMPLETED_WORKFLOWS: SeedQuery = {
  sqlite: lines(
    'DELETE FROM workflows ',
    "    WHERE status = 'completed' ",
    "    AND completed_at < datetime('now', '-30 days')",
  ),
  postgres: lines(
    'DELETE FROM workflows ',
    "    WHERE status = 'completed' ",
    "    AND completed_at::timestamptz < now() - interval '30 days'",
  ),
};

const DELETE_OLD_EVENTS: SeedQuery = {
  sqlite: lines(
    'DELETE FROM workflow_events ',
    "    WHERE created_at < datetime('now', '-90 days')",
  ),
  postgres: lines(
    'DELETE FROM workflow_events ',
    "    WHERE created_at::timestamptz < now() - interval '90 days'",
  ),
};

// Seed 000, "Scenario 2: Querying Workflow Status".
const WORKFLOW_WITH_NODES: SeedQuery = {
  sqlite: lines(
    'SELECT ',
    '    w.workflow_id,',
    '    w.name,',
    '    w.status,',
    '    n.node_id,',
    '    n.status as node_status',
    'FROM workflows w',
    'LEFT JOIN workflow_nodes n ON w.workflow_id = n.workflow_id',
    'WHERE w.workflow_id = ?;',
  ),
  postgres: lines(
    'SELECT ',
    '    w.workflow_id,',
    '    w.name,',
    '    w.status,',
    '    n.node_id,',
    '    n.status as node_status',
    'FROM workflows w',
    'LEFT JOIN workflow_nodes n ON w.workflow_id = n.workflow_id',
    'WHERE w.workflow_id = $1;',
  ),
};

const SCENARIO_PENDING_HITL_REQUESTS: SeedQuery = {
  sqlite: lines(
    'SELECT ',
    '    h.*,',
    '    w.name as workflow_name',
    'FROM hitl_requests h',
    'JOIN workflows w ON h.workflow_id = w.workflow_id',
    "WHERE h.status = 'pending'",
    'ORDER BY h.created_at ASC;',
  ),
  postgres: lines(
    'SELECT ',
    '    h.*,',
    '    w.name as workflow_name',
    'FROM hitl_requests h',
    'JOIN workflows w ON h.workflow_id = w.workflow_id',
    "WHERE h.status = 'pending'",
    'ORDER BY h.created_at ASC;',
  ),
};

const WORKFLOW_EVENT_TIMELINE: SeedQuery = {
  sqlite: lines(
    'SELECT * FROM workflow_events',
    'WHERE workflow_id = ?',
    'ORDER BY created_at ASC;',
  ),
  postgres: lines(
    'SELECT * FROM workflow_events',
    'WHERE workflow_id = $1',
    'ORDER BY created_at ASC;',
  ),
};

// Seed 000, "Scenario 3: Monitoring HITL Performance".
const PENDING_REQUESTS_COUNT: SeedQuery = {
  sqlite: lines('SELECT COUNT(*) FROM hitl_requests ', "WHERE status = 'pending';"),
  postgres: lines('SELECT COUNT(*) FROM hitl_requests ', "WHERE status = 'pending';"),
};

const AVERAGE_APPROVAL_TIME: SeedQuery = {
  sqlite: lines(
    'SELECT AVG(',
    '    JULIANDAY(responded_at) - JULIANDAY(created_at)',
    ') * 86400 as avg_seconds',
    'FROM hitl_requests ',
    "WHERE status IN ('approved', 'rejected');",
  ),
  postgres: lines(
    'SELECT AVG(',
    '    EXTRACT(EPOCH FROM (responded_at::timestamptz - created_at::timestamptz))',
    ') as avg_seconds',
    'FROM hitl_requests ',
    "WHERE status IN ('approved', 'rejected');",
  ),
};

const APPROVAL_RATE: SeedQuery = {
  sqlite: lines(
    'SELECT ',
    '    status,',
    '    COUNT(*) as count,',
    '    COUNT(*) * 100.0 / SUM(COUNT(*)) OVER() as percentage',
    'FROM hitl_requests',
    "WHERE status != 'pending'",
    'GROUP BY status;',
  ),
  postgres: lines(
    'SELECT ',
    '    status,',
    '    COUNT(*) as count,',
    '    COUNT(*) * 100.0 / SUM(COUNT(*)) OVER() as percentage',
    'FROM hitl_requests',
    "WHERE status != 'pending'",
    'GROUP BY status;',
  ),
};

const SEEDS_DIR = process.env.FLOWGATE_SEEDS_DIR ?? '/work/shared/seeds';
const SEED_FILES: [file: string, queries: SeedQuery[]][] = [
  [
    '001_84e14bf79925d573.txt',
    [
      ACTIVE_WORKFLOWS,
      PENDING_HITL_REQUESTS,
      WORKFLOW_EXECUTION_DETAILS,
      USER_RECENT_PLANS,
      WORKFLOW_EVENT_LOG,
      AGENT_PERFORMANCE,
      DELETE_OLD_COMPLETED_WORKFLOWS,
      DELETE_OLD_EVENTS,
    ],
  ],
  [
    '000_67ce278de51e8ddf.txt',
    [
      WORKFLOW_WITH_NODES,
      SCENARIO_PENDING_HITL_REQUESTS,
      WORKFLOW_EVENT_TIMELINE,
      PENDING_REQUESTS_COUNT,
      AVERAGE_APPROVAL_TIME,
      APPROVAL_RATE,
    ],
  ],
];

describe('seed SQL constants', () => {
  for (const [file, queries] of SEED_FILES) {
    const path = join(SEEDS_DIR, file);
    it.skipIf(!existsSync(path))(`are copied verbatim from ${file}`, () => {
      const seed = readFileSync(path, 'utf8');
      for (const query of queries) expect(seed).toContain(query.sqlite);
    });
  }
});

type Row = Record<string, unknown>;

/** The test's own checking queries, which need no dialect of their own. */
const both = (text: string): SeedQuery => ({ sqlite: text, postgres: text });

/** The plain driver of a dialect, as a maintenance script would use it. */
interface RawDb {
  all(query: SeedQuery, params?: unknown[]): Promise<Row[]>;
  /** Runs a statement and returns how many rows it changed. */
  run(query: SeedQuery, params?: unknown[]): Promise<number>;
  close(): Promise<void>;
}

async function openRaw(dialect: DialectName, url: string): Promise<RawDb> {
  if (dialect === 'sqlite') {
    const handle = new SqliteDatabase(url.replace(/^sqlite:/, ''));
    return {
      all: (query, params = []) =>
        Promise.resolve(handle.prepare(query.sqlite).all(...params) as Row[]),
      run: (query, params = []) =>
        Promise.resolve(handle.prepare(query.sqlite).run(...params).changes),
      close: () => Promise.resolve(void handle.close()),
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    all: async (query, params = []) => (await client.query<Row>(query.postgres, params)).rows,
    run: async (query, params = []) => (await client.query(query.postgres, params)).rowCount ?? 0,
    close: () => client.end(),
  };
}

/** COUNT and SUM are bigint and AVG numeric in PostgreSQL, which node-postgres returns as strings. */
function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' || typeof value === 'bigint') return Number(value);
  throw new Error(`Not a number: ${String(value)}`);
}

const SECOND = 1000;
const DAY = 86_400 * SECOND;
/** Fixture times relative to the real clock, because the cleanup queries compare with the database's `now`. */
const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();
/** The recent runs started two days ago; their events and requests follow at known offsets. */
const T0 = NOW - 2 * DAY;
const at = (seconds: number) => iso(T0 + seconds * SECOND);
const daysAgo = (days: number) => iso(NOW - days * DAY);

/*
 * Cleanup fixtures sit far from the 30- and 90-day boundaries (5 and 60 days, 60 and 100+ days old). SQLite's
 * datetime('now', '-30 days') is 'YYYY-MM-DD HH:MM:SS' while the columns hold 'YYYY-MM-DDTHH:MM:SS.sssZ': the two
 * compare as text by their date first, but on the boundary day itself the 'T' sorts after the space, so a row a few
 * hours older than the cutoff would be kept. Days away from it, the text order is the time order.
 */

async function insertFixtures(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    await tx
      .insertInto('users')
      .values([
        {
          user_id: 'u-alice',
          username: 'alice',
          full_name: 'Alice Doe',
          role: 'admin',
          created_at: daysAgo(200),
        },
        {
          user_id: 'u-bob',
          username: 'bob',
          full_name: 'Bob Roe',
          role: 'user',
          created_at: daysAgo(200),
        },
      ])
      .execute();

    const workflow = (
      workflow_id: string,
      name: string,
      status: string,
      times: { created: string; started?: string; completed?: string },
    ) => ({
      workflow_id,
      dag_id: `dag-${workflow_id}`,
      dag_version: 1,
      name,
      status,
      created_by: 'u-alice',
      created_at: times.created,
      started_at: times.started ?? null,
      completed_at: times.completed ?? null,
      graph_json: JSON.stringify({ nodes: [] }),
    });
    await tx
      .insertInto('workflows')
      .values([
        workflow('wf-invoice', 'Invoice approval', 'running', { created: at(-60), started: at(0) }),
        workflow('wf-deploy', 'Deploy service', 'running', {
          created: at(3590),
          started: at(3600),
        }),
        workflow('wf-report', 'Weekly report', 'pending', { created: at(7200) }),
        workflow('wf-old-done', 'Old import', 'completed', {
          created: daysAgo(121),
          started: daysAgo(120),
          completed: daysAgo(60),
        }),
        workflow('wf-recent-done', 'Recent import', 'completed', {
          created: daysAgo(6),
          started: daysAgo(6),
          completed: daysAgo(5),
        }),
        workflow('wf-old-failed', 'Old failure', 'failed', {
          created: daysAgo(61),
          started: daysAgo(61),
          completed: daysAgo(60),
        }),
      ])
      .execute();

    const node = (workflow_id: string, node_id: string, node_type: string, status: string) => ({
      workflow_id,
      node_id,
      node_type,
      status,
      agent_id: node_type === 'agent' ? 'summarizer' : null,
      config: JSON.stringify({}),
    });
    await tx
      .insertInto('workflow_nodes')
      .values([
        node('wf-invoice', 'fetch', 'tool', 'completed'),
        node('wf-invoice', 'summarize', 'agent', 'completed'),
        node('wf-invoice', 'approve', 'human_in_loop', 'waiting_hitl'),
        node('wf-invoice', 'publish', 'tool', 'pending'),
        node('wf-deploy', 'build', 'tool', 'completed'),
        node('wf-deploy', 'gate', 'human_in_loop', 'waiting_hitl'),
      ])
      .execute();

    // Inserted out of time order, so the timeline's order comes from created_at and not from the ids.
    const event = (
      workflow_id: string,
      event_type: string,
      created_at: string,
      node_id?: string,
    ) => ({
      workflow_id,
      event_type,
      created_at,
      event_data: JSON.stringify(node_id ? { node_id } : {}),
    });
    await tx
      .insertInto('workflow_events')
      .values([
        event('wf-invoice', 'node_completed', at(20), 'fetch'),
        event('wf-invoice', 'workflow_started', at(0)),
        event('wf-invoice', 'hitl_requested', at(40), 'approve'),
        event('wf-invoice', 'node_started', at(5), 'fetch'),
        event('wf-invoice', 'node_completed', at(35), 'summarize'),
        event('wf-invoice', 'node_started', at(21), 'summarize'),
        event('wf-deploy', 'workflow_started', at(3600)),
        event('wf-old-done', 'workflow_started', daysAgo(120)),
        event('wf-old-done', 'workflow_completed', daysAgo(100)),
        event('wf-old-failed', 'workflow_failed', daysAgo(60)),
        event('wf-recent-done', 'workflow_completed', daysAgo(5)),
      ])
      .execute();

    // summarizer: 10 s and 20 s completed, 30 s failed. classifier: 4 s completed, one still running.
    const execution = (
      execution_id: string,
      agent_id: string,
      status: string,
      startSeconds: number,
      durationSeconds: number | null,
    ) => ({
      execution_id,
      agent_id,
      status,
      workflow_id: 'wf-invoice',
      node_id: 'summarize',
      input: JSON.stringify({ text: 'invoice' }),
      started_at: at(startSeconds),
      completed_at: durationSeconds === null ? null : at(startSeconds + durationSeconds),
    });
    await tx
      .insertInto('agent_executions')
      .values([
        execution('ex-1', 'summarizer', 'completed', 21, 10),
        execution('ex-2', 'summarizer', 'completed', 100, 20),
        execution('ex-3', 'summarizer', 'failed', 200, 30),
        execution('ex-4', 'classifier', 'completed', 300, 4),
        execution('ex-5', 'classifier', 'running', 400, null),
      ])
      .execute();

    // Two pending (the later one inserted first); decided: approved after 60, 120 and 300 s, rejected after 600 s.
    const request = (
      request_id: string,
      workflow_id: string,
      node_id: string,
      status: string,
      createdSeconds: number,
      delaySeconds?: number,
    ) => ({
      request_id,
      workflow_id,
      node_id,
      status,
      message: `Please review ${node_id}`,
      created_at: at(createdSeconds),
      responded_at: delaySeconds === undefined ? null : at(createdSeconds + delaySeconds),
      responded_by: delaySeconds === undefined ? null : 'u-bob',
      response: status === 'rejected' ? 'Amount too high' : null,
    });
    await tx
      .insertInto('hitl_requests')
      .values([
        request('hr-deploy-gate', 'wf-deploy', 'gate', 'pending', 3700),
        request('hr-invoice-approve', 'wf-invoice', 'approve', 'pending', 40),
        request('hr-approved-1', 'wf-recent-done', 'review-1', 'approved', -86_400, 60),
        request('hr-approved-2', 'wf-recent-done', 'review-2', 'approved', -80_000, 120),
        request('hr-approved-3', 'wf-recent-done', 'review-3', 'approved', -70_000, 300),
        request('hr-rejected-1', 'wf-recent-done', 'review-4', 'rejected', -60_000, 600),
      ])
      .execute();

    // Twelve plans of alice's, plan-01 the newest; bob's is newer still and is not hers.
    const plans = Array.from({ length: 12 }, (_, i) => ({
      plan_id: `plan-${String(i + 1).padStart(2, '0')}`,
      user_id: 'u-alice',
      request: `Request ${i + 1}`,
      plan_json: JSON.stringify({ nodes: [] }),
      created_at: daysAgo(i + 1),
    }));
    await tx
      .insertInto('plans')
      .values([
        ...plans,
        { plan_id: 'plan-bob', user_id: 'u-bob', request: 'Bob', created_at: daysAgo(0.5) },
      ])
      .execute();
  });
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: seed queries`, () => {
    let db: TestDatabase;
    let raw: RawDb;

    beforeAll(async () => {
      db = await createTestDatabase(dialect);
      const store = await openStore(db.url);
      try {
        await store.migrateToLatest();
        await insertFixtures(store);
      } finally {
        await store.close();
      }
      raw = await openRaw(dialect, db.url);
    });
    afterAll(async () => {
      await raw?.close();
      await db?.drop();
    });

    it('lists the running workflows, latest started first', async () => {
      const rows = await raw.all(ACTIVE_WORKFLOWS);
      expect(rows.map((r) => [r.workflow_id, r.name, r.status])).toEqual([
        ['wf-deploy', 'Deploy service', 'running'],
        ['wf-invoice', 'Invoice approval', 'running'],
      ]);
    });

    for (const [name, query] of [
      ['seed 001', PENDING_HITL_REQUESTS],
      ['seed 000', SCENARIO_PENDING_HITL_REQUESTS],
    ] as const) {
      it(`lists pending HITL requests oldest first with their workflow's name (${name})`, async () => {
        const rows = await raw.all(query);
        expect(rows.map((r) => [r.request_id, r.node_id, r.status, r.workflow_name])).toEqual([
          ['hr-invoice-approve', 'approve', 'pending', 'Invoice approval'],
          ['hr-deploy-gate', 'gate', 'pending', 'Deploy service'],
        ]);
        expect(rows[0]!.message).toBe('Please review approve');
        expect(rows[0]!.created_at).toBe(at(40));
      });
    }

    it('counts the nodes and completed nodes of a workflow', async () => {
      const [invoice, ...rest] = await raw.all(WORKFLOW_EXECUTION_DETAILS, ['wf-invoice']);
      expect(rest).toEqual([]);
      expect(invoice).toMatchObject({
        workflow_id: 'wf-invoice',
        name: 'Invoice approval',
        started_at: at(0),
      });
      expect(num(invoice!.total_nodes)).toBe(4);
      expect(num(invoice!.completed_nodes)).toBe(2);

      const [report] = await raw.all(WORKFLOW_EXECUTION_DETAILS, ['wf-report']);
      expect([num(report!.total_nodes), num(report!.completed_nodes)]).toEqual([0, 0]);
      expect(await raw.all(WORKFLOW_EXECUTION_DETAILS, ['wf-missing'])).toEqual([]);
    });

    it("returns a user's ten latest plans, newest first", async () => {
      const rows = await raw.all(USER_RECENT_PLANS, ['u-alice']);
      expect(rows.map((r) => r.plan_id)).toEqual([
        'plan-01',
        'plan-02',
        'plan-03',
        'plan-04',
        'plan-05',
        'plan-06',
        'plan-07',
        'plan-08',
        'plan-09',
        'plan-10',
      ]);
      expect(rows.every((r) => r.user_id === 'u-alice' && r.status === 'pending_approval')).toBe(
        true,
      );
    });

    for (const [name, query] of [
      ['seed 001 event log', WORKFLOW_EVENT_LOG],
      ['seed 000 event timeline', WORKFLOW_EVENT_TIMELINE],
    ] as const) {
      it(`orders a workflow's events by time (${name})`, async () => {
        const rows = await raw.all(query, ['wf-invoice']);
        expect(rows.map((r) => [r.event_type, r.created_at])).toEqual([
          ['workflow_started', at(0)],
          ['node_started', at(5)],
          ['node_completed', at(20)],
          ['node_started', at(21)],
          ['node_completed', at(35)],
          ['hitl_requested', at(40)],
        ]);
        // JSON columns come back as text from SQLite and parsed from PostgreSQL's jsonb.
        const data = rows.map((r) =>
          typeof r.event_data === 'string' ? (JSON.parse(r.event_data) as unknown) : r.event_data,
        );
        expect(data[1]).toEqual({ node_id: 'fetch' });
      });
    }

    it('computes agent statistics: successes, failures and the average duration in seconds', async () => {
      const rows = await raw.all(AGENT_PERFORMANCE);
      const stats = Object.fromEntries(
        rows.map((r) => [
          String(r.agent_id),
          {
            total: num(r.total_executions),
            successful: num(r.successful),
            failed: num(r.failed),
            avg: num(r.avg_duration_seconds),
          },
        ]),
      );
      expect(Object.keys(stats).sort()).toEqual(['classifier', 'summarizer']);
      expect(stats.summarizer).toMatchObject({ total: 3, successful: 2, failed: 1 });
      // JULIANDAY is a double of about 2.46 million days: a difference is exact to some 10 microseconds.
      expect(stats.summarizer!.avg).toBeCloseTo(20, 3);
      // The running execution has no completed_at: AVG skips it.
      expect(stats.classifier).toMatchObject({ total: 2, successful: 1, failed: 0 });
      expect(stats.classifier!.avg).toBeCloseTo(4, 3);
    });

    it('lists a workflow with its nodes, and a workflow without nodes once', async () => {
      const rows = await raw.all(WORKFLOW_WITH_NODES, ['wf-invoice']);
      expect(
        rows.map((r) => [r.workflow_id, r.name, r.status, r.node_id, r.node_status]).sort(),
      ).toEqual([
        ['wf-invoice', 'Invoice approval', 'running', 'approve', 'waiting_hitl'],
        ['wf-invoice', 'Invoice approval', 'running', 'fetch', 'completed'],
        ['wf-invoice', 'Invoice approval', 'running', 'publish', 'pending'],
        ['wf-invoice', 'Invoice approval', 'running', 'summarize', 'completed'],
      ]);
      expect(await raw.all(WORKFLOW_WITH_NODES, ['wf-report'])).toEqual([
        {
          workflow_id: 'wf-report',
          name: 'Weekly report',
          status: 'pending',
          node_id: null,
          node_status: null,
        },
      ]);
    });

    it('counts pending HITL requests', async () => {
      const rows = await raw.all(PENDING_REQUESTS_COUNT);
      expect(rows).toHaveLength(1);
      // The column is unnamed in the seed: SQLite calls it COUNT(*), PostgreSQL count.
      expect(Object.values(rows[0]!).map(num)).toEqual([2]);
    });

    it('averages the time to a decision in seconds', async () => {
      const [row] = await raw.all(AVERAGE_APPROVAL_TIME);
      // (60 + 120 + 300 + 600) / 4; pending requests have no responded_at and are not counted.
      expect(num(row!.avg_seconds)).toBeCloseTo(270, 3);
    });

    it('computes the approval rate in percent of decided requests', async () => {
      const rows = await raw.all(APPROVAL_RATE);
      const rate = Object.fromEntries(
        rows.map((r) => [String(r.status), { count: num(r.count), percentage: num(r.percentage) }]),
      );
      expect(Object.keys(rate).sort()).toEqual(['approved', 'rejected']);
      expect(rate.approved!.count).toBe(3);
      expect(rate.approved!.percentage).toBeCloseTo(75, 9);
      expect(rate.rejected!.count).toBe(1);
      expect(rate.rejected!.percentage).toBeCloseTo(25, 9);
    });

    // The cleanup tests delete rows, so they run last (tests of a file run in order).
    it('deletes the completed workflows finished more than 30 days ago, and only those', async () => {
      expect(await raw.run(DELETE_OLD_COMPLETED_WORKFLOWS)).toBe(1);
      const left = await raw.all(both('select workflow_id from workflows order by workflow_id'));
      // wf-old-failed is as old but failed; wf-recent-done completed 5 days ago.
      expect(left.map((r) => r.workflow_id)).toEqual([
        'wf-deploy',
        'wf-invoice',
        'wf-old-failed',
        'wf-recent-done',
        'wf-report',
      ]);
      expect(await raw.run(DELETE_OLD_COMPLETED_WORKFLOWS)).toBe(0);
    });

    it('deletes the events older than 90 days, and only those', async () => {
      const total = async () =>
        num((await raw.all(both('select count(*) as n from workflow_events')))[0]!.n);
      expect(await total()).toBe(11);
      expect(await raw.run(DELETE_OLD_EVENTS)).toBe(2);
      expect(await total()).toBe(9);
      const oldest = await raw.all(
        both('select event_type, created_at from workflow_events order by created_at limit 1'),
      );
      // The failure event 60 days old stays.
      expect(oldest).toEqual([{ event_type: 'workflow_failed', created_at: daysAgo(60) }]);
    });

    it('fills timestamp defaults with the same ISO 8601 UTC text the app writes', async () => {
      await raw.run(
        {
          sqlite:
            "insert into planner_conversations (conversation_id, user_id, message) values (?, ?, 'hi')",
          postgres:
            "insert into planner_conversations (conversation_id, user_id, message) values ($1, $2, 'hi')",
        },
        ['conv-1', 'u-alice'],
      );
      const [row] = await raw.all(
        {
          sqlite: 'select created_at from planner_conversations where conversation_id = ?',
          postgres: 'select created_at from planner_conversations where conversation_id = $1',
        },
        ['conv-1'],
      );
      const createdAt = row!.created_at as string;
      expect(createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(Math.abs(Date.parse(createdAt) - Date.now())).toBeLessThan(60 * SECOND);
    });
  });
}
