import { createFlowgate } from './src/app/flowgate.js';
import { rmSync } from 'node:fs';
const url = process.argv[2] ?? 'sqlite:/tmp/w1.db';
if (url.startsWith('sqlite')) for (const s of ['', '-wal', '-shm']) rmSync('/tmp/w1.db' + s, { force: true });
const fg = await createFlowgate({ db: url, tools: { noop: async () => ({ ok: true }) }, workers: { concurrency: Number(process.argv[3] ?? 200) } });
const dag = { dag_id: 'w1', nodes: ['a', 'b', 'c'].map((id, i, all) => ({ node_id: id, node_type: 'tool', tool_name: 'noop', dependencies: i ? [all[i - 1]] : [] })) };
await fg.putDag(dag);
let txs = 0, txMs = 0; const orig = fg.store.transaction; (fg.store as any).transaction = async (w: any) => { txs++; const t = performance.now(); try { return await orig(w); } finally { txMs += performance.now() - t; } };

(globalThis as any).__trace = {}; (globalThis as any).__sql = new Map();
const t0 = performance.now();
const runs = await fg.startMany('w1', Array.from({ length: 1000 }, () => null));
const t1 = performance.now();
for (;;) {
  const n = await fg.store.read((db) => db.selectFrom('workflows').select((eb) => eb.fn.countAll().as('c')).where('status', '=', 'completed').executeTakeFirst());
  if (Number(n!.c) === runs.length) break;
  await new Promise((r) => setTimeout(r, 20));
}
const t2 = performance.now();
console.log(Object.fromEntries(Object.entries((globalThis as any).__trace).map(([k, v]) => [k, Math.round(v as number)]))); console.log(`txs ${txs} txMs ${txMs.toFixed(0)}`); console.log(`start ${(t1 - t0).toFixed(0)} ms, all done ${(t2 - t0).toFixed(0)} ms, steps/s ${(3000 / ((t2 - t0) / 1000)).toFixed(0)}, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
await fg.close();
for (const [k, [ms, n]] of [...(globalThis as any).__sql].sort((a: any, b: any) => b[1][0] - a[1][0]).slice(0, 25)) console.log(ms.toFixed(0).padStart(5), String(n).padStart(6), k);
