export { parseDatabaseUrl, type StoreLocation } from './database-url.js';
export { loadConfig, loadSetting, type ConfigSources } from './load-config.js';
export { SETTINGS, type Config, type Setting, type SettingName } from './settings.js';
