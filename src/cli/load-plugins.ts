import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import type { Plugin } from '../plugin.js';
import { CliError } from './cli-error.js';
import { messageOf } from './report-error.js';

/**
 * Imports plugin modules (API.md "Plugins"): each one's default export registers agents and tools.
 */
export async function loadPlugins(files: readonly string[]): Promise<Plugin[]> {
  const plugins: Plugin[] = [];
  for (const file of files) plugins.push(await loadPlugin(file));
  return plugins;
}

async function loadPlugin(file: string): Promise<Plugin> {
  const path = resolve(file);
  if (!statSync(path, { throwIfNoEntry: false })?.isFile()) {
    throw new CliError(`No plugin file at ${file}`);
  }
  let module: unknown;
  try {
    module = await import(pathToFileURL(path).href);
  } catch (error) {
    throw new CliError(`Could not load plugin ${file}: ${messageOf(error)}`, undefined, {
      cause: error,
    });
  }
  const plugin = (module as { default?: unknown }).default;
  if (!isPlugin(plugin)) {
    throw new CliError(
      `${file} is not a Flowgate plugin: its default export must be an object {agents, tools}`,
    );
  }
  return plugin;
}

function isPlugin(value: unknown): value is Plugin {
  if (value === null || typeof value !== 'object') return false;
  const { agents, tools } = value as { agents?: unknown; tools?: unknown };
  const isTable = (table: unknown) =>
    table === undefined || (table !== null && typeof table === 'object');
  return (agents !== undefined || tools !== undefined) && isTable(agents) && isTable(tools);
}
