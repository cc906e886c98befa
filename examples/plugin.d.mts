import type { Plugin } from '../src/plugin.js';

declare const plugin: Plugin;
export default plugin;
