import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { describe, expect, it } from 'vitest';

import { humanNodeSpec } from './human-spec.js';
import type { DagDefinition, RegistryView } from './model.js';
import { parseDag } from './parse-dag.js';
import { readDagFile } from './read-dag-file.js';
import { renderTemplates } from './templates.js';

type Handler = (input: unknown, ctx: unknown) => Promise<unknown>;
interface Plugin {
  agents: Record<string, Handler>;
  tools: Record<string, Handler>;
}

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));

async function loadPlugin(): Promise<Plugin> {
  const module = (await import(pathToFileURL(`${examples}plugin.mjs`).href)) as { default: Plugin };
  return module.default;
}

async function loadExample(name: string, registry: RegistryView): Promise<DagDefinition> {
  const result = parseDag(await readDagFile(`${examples}${name}`), { registry });
  if (!result.ok) throw new Error(`${name}: ${JSON.stringify(result.problems, null, 2)}`);
  return result.dag;
}

describe('examples', () => {
  it('every example DAG is valid and uses only the plugin and built-in agents and tools', async () => {
    const plugin = await loadPlugin();
    const registry: RegistryView = {
      hasAgent: (name) => name === 'echo_agent' || name in plugin.agents,
      hasTool: (name) => name in plugin.tools,
    };
    const files = (await readdir(examples)).filter((file) => /\.(json|ya?ml)$/.test(file));
    expect(files.sort()).toEqual([
      'approval.json',
      'review-graph.json',
      'stages.yaml',
      'stock-plan.json',
    ]);
    const formats = await Promise.all(
      files.map(async (file) => (await loadExample(file, registry)).format),
    );
    expect(formats.sort()).toEqual(['graph', 'plan', 'plan', 'stages']);
  });

  it("the approval example shows step1's output in its message", async () => {
    const plugin = await loadPlugin();
    const dag = await loadExample('approval.json', { hasAgent: () => true, hasTool: () => true });
    const collected = await plugin.agents.data_collector!({}, {});
    const scope = {
      input: {},
      nodes: { step1: { output: collected, status: 'completed' } },
      workflow: { workflowId: 'wf', dagId: dag.dagId, version: 1 },
    };
    const gate = dag.nodes.find((node) => node.type === 'human_in_loop')!;
    const message = await renderTemplates(humanNodeSpec(gate).message, scope);
    expect(message).toMatch(/^step1 collected 3 records: \[\{"id":"r1"/);
    const step2 = dag.nodes.find((node) => node.id === 'step2')!;
    const input = await renderTemplates(step2.config.input, scope);
    expect(await plugin.agents.data_processor!(input, {})).toEqual({ processed: 3, total: 500 });
  });

  it('the plugin is deterministic', async () => {
    const plugin = await loadPlugin();
    expect(await plugin.tools.get_stock_price!({ symbol: 'aapl' }, {})).toEqual({
      symbol: 'AAPL',
      price: 189.5,
      currency: 'USD',
    });
    await expect(plugin.tools.get_stock_price!({ symbol: 'NOPE' }, {})).rejects.toThrow(/no quote/);
    expect(await plugin.agents.data_collector!({ limit: 1 }, {})).toEqual({
      count: 1,
      records: [{ id: 'r1', amount: 120 }],
    });
  });
});
