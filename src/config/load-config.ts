/**
 * Settings come from flags, else environment variables, else defaults (flags win, as everywhere in Flowgate). All of
 * them are checked at once, so an operator sees every mistake in one go, and the result is frozen: nothing changes a
 * setting after start.
 */
import { FlowgateError } from '../shared/errors.js';
import { SETTINGS, type Config, type SettingName } from './settings.js';

export interface ConfigSources {
  /** Values from the command line, by setting name; undefined where the flag was not given. */
  readonly flags?: Partial<Record<SettingName, unknown>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

type Resolved<K extends SettingName> =
  { ok: true; value: Config[K] } | { ok: false; problem: string };

export function loadConfig(sources: ConfigSources = {}): Config {
  const config: Partial<Record<SettingName, unknown>> = {};
  const problems: string[] = [];
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const resolved = resolveSetting(name, sources);
    if (resolved.ok) config[name] = resolved.value;
    else problems.push(resolved.problem);
  }
  if (problems.length > 0) throw invalid(problems);
  return Object.freeze(config) as Config;
}

/** One setting alone, for commands that need only it (the database URL of `flowgate hitl`, say). */
export function loadSetting<K extends SettingName>(
  name: K,
  sources: ConfigSources = {},
): Config[K] {
  const resolved = resolveSetting(name, sources);
  if (!resolved.ok) throw invalid([resolved.problem]);
  return resolved.value;
}

function resolveSetting<K extends SettingName>(name: K, sources: ConfigSources): Resolved<K> {
  const setting = SETTINGS[name];
  const fromFlag = present(sources.flags?.[name]);
  const raw = fromFlag ?? present(sources.env?.[setting.env]) ?? setting.default;
  const parsed = setting.schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data as Config[K] };
  const source = fromFlag !== undefined && 'flag' in setting ? setting.flag : setting.env;
  const shown =
    ('secret' in setting && setting.secret) || raw === undefined
      ? ''
      : ` (got ${JSON.stringify(raw)})`;
  const reasons = parsed.error.issues.map((issue) => issue.message).join('; ');
  return { ok: false, problem: `${source}: ${reasons}${shown}` };
}

function invalid(problems: readonly string[]): FlowgateError {
  return new FlowgateError('CONFIG_INVALID', `Invalid configuration: ${problems.join('; ')}`, {
    details: { problems },
  });
}

/** Empty strings count as not given: `FLOWGATE_DB= flowgate serve` means the default, not an empty URL. */
function present(value: unknown): unknown {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  return value ?? undefined;
}
