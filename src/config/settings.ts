/**
 * Every setting of `flowgate serve` and `flowgate worker` in one table: its flag, its environment variable, its
 * default and what it means. `loadConfig`, the commands' help texts and docs/configuration.md all read this table,
 * so they cannot drift apart. Nothing here reads the environment.
 */
import { isIP } from 'node:net';

import { z } from 'zod';

import { AI_PROVIDERS, type AiProvider } from '../definition/ai-spec.js';
import { readRetention } from '../definition/read-retention.js';
import { parseDatabaseUrl } from './database-url.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const databaseUrl = z.string().superRefine((url, ctx) => {
  try {
    parseDatabaseUrl(url);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

/** Environment variables carry strings: accept the spellings people use for yes and no. */
const flag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((value) => value === true || value === 'true' || value === '1' || value === 'yes');

const wholeNumber = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be ${min} or more` })
    .max(max, { error: `must be ${max} or less` });

/** A comma-separated list as environment variables carry it; blanks dropped. */
const commaList = z
  .string()
  .optional()
  .transform((text): string[] =>
    (text ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );

const cidrList = commaList.superRefine((entries, ctx) => {
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    const bits = prefix === undefined ? max : Number(prefix);
    if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > max) {
      ctx.addIssue({ code: 'custom', message: `${entry} is not an address or CIDR range` });
    }
  }
});

export interface Setting<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  readonly env: string;
  /** The command-line flag, where there is one. */
  readonly flag?: string;
  /** Parsed like a given value; absent for settings without a default. */
  readonly default?: string | number | boolean;
  readonly description: string;
  /** Never printed back (error messages say which setting is wrong, not its value). */
  readonly secret?: boolean;
}

function setting<S extends z.ZodType>(definition: Setting<S>): Setting<S> {
  return definition;
}

export const SETTINGS = {
  db: setting({
    schema: databaseUrl,
    env: 'FLOWGATE_DB',
    flag: '--db',
    default: 'sqlite:data/flowgate.db',
    description:
      'The database: `sqlite:PATH` (add `?synchronous=normal` for faster, less durable commits) or ' +
      '`postgres://USER:PASSWORD@HOST/DB`.',
  }),
  host: setting({
    schema: z.string().min(1),
    env: 'FLOWGATE_HOST',
    flag: '--host',
    // Loopback only: a server faces a network only when its operator says so, ideally behind TLS.
    default: '127.0.0.1',
    description: 'The address `serve` listens on; `0.0.0.0` for every interface.',
  }),
  port: setting({
    schema: wholeNumber(0, 65_535),
    // The convention of hosting platforms.
    env: 'PORT',
    flag: '--port',
    default: 3000,
    description: 'The port `serve` listens on (0 picks a free one).',
  }),
  concurrency: setting({
    schema: wholeNumber(1, 10_000),
    env: 'FLOWGATE_CONCURRENCY',
    flag: '--concurrency',
    default: 50,
    description: 'How many nodes one process runs at once.',
  }),
  jwtSecret: setting({
    schema: z.string().min(32, { error: 'must have at least 32 characters' }).optional(),
    env: 'FLOWGATE_JWT_SECRET',
    description:
      'The key that signs access tokens. Without it each start makes a random one, so access tokens do not ' +
      'survive a restart and processes cannot share them (refresh tokens and API keys do survive). Chat ' +
      'destination URLs are encrypted with a key derived from it (without it, with a key kept in the database): ' +
      'set the same value on every process, and keep it.',
    secret: true,
  }),
  adminPassword: setting({
    schema: z.string().min(8, { error: 'must have at least 8 characters' }).optional(),
    env: 'FLOWGATE_ADMIN_PASSWORD',
    description:
      'The password of the user `admin` that `serve` creates on a first start (no users yet); without it one is ' +
      'generated and printed once.',
    secret: true,
  }),
  logLevel: setting({
    schema: z.enum(LOG_LEVELS),
    env: 'FLOWGATE_LOG_LEVEL',
    default: 'warn',
    description: `The server log's level (JSON lines on stderr): ${LOG_LEVELS.join(', ')}.`,
  }),
  trustProxy: setting({
    schema: flag,
    env: 'FLOWGATE_TRUST_PROXY',
    default: false,
    description:
      'Behind a reverse proxy: take the client address (rate limits, audit events) from `X-Forwarded-For`.',
  }),
  smtpUrl: setting({
    schema: z
      .string()
      .regex(/^smtps?:\/\/[^\s]+$/, {
        error: 'must be smtp://USER:PASSWORD@HOST:PORT or smtps://…',
      })
      .optional(),
    env: 'FLOWGATE_SMTP_URL',
    description:
      'The mail server (`smtp://USER:PASSWORD@HOST:587`, STARTTLS when offered; `smtps://…:465` for TLS). ' +
      'Without it no mail is sent; with it `FLOWGATE_MAIL_FROM` and `FLOWGATE_PUBLIC_URL` are required.',
    secret: true,
  }),
  mailFrom: setting({
    schema: z.string().min(3).optional(),
    env: 'FLOWGATE_MAIL_FROM',
    description: 'The sender of every mail, e.g. `Flowgate <flowgate@example.com>`.',
  }),
  publicUrl: setting({
    schema: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    env: 'FLOWGATE_PUBLIC_URL',
    description:
      'Where people reach this server (`https://flowgate.example.com`): decision links (`/a/…`) and request ' +
      'pages (`/requests/…`) in mails are built on it.',
  }),
  mailAttachmentsDir: setting({
    schema: z.string().min(1).optional(),
    env: 'FLOWGATE_MAIL_ATTACHMENTS_DIR',
    description:
      'The only folder mail attachments (seed 002 `attachments`) may come from; without it mails carry none.',
  }),
  retention: setting({
    schema: z
      .string()
      .optional()
      .transform((text, ctx): number | undefined => {
        if (text === undefined || text === 'off') return undefined;
        const result = readRetention(text);
        if ('ms' in result) return result.ms;
        ctx.addIssue({ code: 'custom', message: result.problem });
        return z.NEVER;
      }),
    env: 'FLOWGATE_RETENTION',
    description:
      'How long finished runs (completed, failed, cancelled, with everything they recorded) and delivered or ' +
      'failed outbox messages are kept: `30d`, `12h`, `45m` or `P30D`. The processes that run workers delete ' +
      "older ones hourly; a DAG's `settings.retention` replaces it for that DAG's runs. Unset or `off`: " +
      'everything is kept (only DAGs with their own retention lose runs).',
  }),
  mailAttachmentsMaxBytes: setting({
    schema: wholeNumber(0, 100 * 1024 * 1024),
    env: 'FLOWGATE_MAIL_ATTACHMENTS_MAX_BYTES',
    default: 10 * 1024 * 1024,
    description: 'The most all attachments of one mail may weigh together, in bytes.',
  }),
  outboundAllowedHosts: setting({
    schema: commaList,
    env: 'FLOWGATE_OUTBOUND_ALLOWED_HOSTS',
    description:
      'Host names that outbound URLs (webhooks, chat, attachments) may reach even when they resolve to loopback, ' +
      'private or link-local addresses, comma-separated; `*.corp.example` allows its subdomains.',
  }),
  outboundAllowedCidrs: setting({
    schema: cidrList,
    env: 'FLOWGATE_OUTBOUND_ALLOWED_CIDRS',
    description:
      'Addresses and CIDR ranges outbound URLs may reach despite the SSRF guard, comma-separated ' +
      '(`10.0.0.0/8,127.0.0.1`).',
  }),
  allowHttpWebhooks: setting({
    schema: flag,
    env: 'FLOWGATE_ALLOW_HTTP_WEBHOOKS',
    default: false,
    description: 'Let outbound URLs use plain `http:`; otherwise only `https:` is accepted.',
  }),
  slackSigningSecret: setting({
    schema: z.string().min(1).optional(),
    env: 'FLOWGATE_SLACK_SIGNING_SECRET',
    description:
      'The signing secret of your Slack app (Basic Information → App Credentials): verifies the Approve/Reject ' +
      'clicks Slack sends to `POST /api/integrations/slack/actions`. Without it those clicks are refused.',
    secret: true,
  }),
  // AI nodes: the providers' own variables (README, "AI nodes"). Read by `createFlowgate` wherever workers run, so
  // `flowgate run` and library use see them too.
  openaiApiKey: setting({
    schema: z.string().min(1).optional(),
    env: 'OPENAI_API_KEY',
    description: 'The key of AI nodes with `provider: openai`.',
    secret: true,
  }),
  openaiBaseUrl: setting({
    schema: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    env: 'OPENAI_BASE_URL',
    description:
      "Where `provider: openai` is reached (a proxy, or an Azure-style endpoint); default OpenAI's API.",
  }),
  openaiCompatibleBaseUrl: setting({
    schema: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    env: 'OPENAI_COMPATIBLE_BASE_URL',
    description:
      'The server of AI nodes with `provider: openai-compatible`: Ollama (`http://127.0.0.1:11434/v1`), vLLM ' +
      '(`http://HOST:8000/v1`), LM Studio, a gateway.',
  }),
  openaiCompatibleApiKey: setting({
    schema: z.string().min(1).optional(),
    env: 'OPENAI_COMPATIBLE_API_KEY',
    description: 'The key of that server, if it wants one.',
    secret: true,
  }),
  googleApiKey: setting({
    schema: z.string().min(1).optional(),
    env: 'GOOGLE_GENERATIVE_AI_API_KEY',
    description: 'The key of AI nodes with `provider: gemini`.',
    secret: true,
  }),
  groqApiKey: setting({
    schema: z.string().min(1).optional(),
    env: 'GROQ_API_KEY',
    description: 'The key of AI nodes with `provider: groq`.',
    secret: true,
  }),
  perplexityApiKey: setting({
    schema: z.string().min(1).optional(),
    env: 'PERPLEXITY_API_KEY',
    description: 'The key of AI nodes with `provider: perplexity`.',
    secret: true,
  }),
  modelPrices: setting({
    schema: z.string().min(1).optional(),
    env: 'FLOWGATE_MODEL_PRICES',
    description:
      'A JSON file of model prices over the built-in catalogue, `{"provider:model": {"input": …, "output": …, ' +
      '"cachedInput"?: …}}` in USD per million tokens. The provider\'s own figure, when it reports one, comes ' +
      'first; a model priced nowhere is recorded as unpriced, never as free.',
  }),
  plannerModel: setting({
    schema: z
      .string()
      .optional()
      .superRefine((text, ctx) => {
        if (text !== undefined && !readPlannerModel(text)) {
          ctx.addIssue({
            code: 'custom',
            message: `must be provider:model with a provider of ${AI_PROVIDERS.join(', ')}`,
          });
        }
      }),
    env: 'FLOWGATE_PLANNER_MODEL',
    description:
      "The planner's model as `provider:model` (e.g. `openai:gpt-4o-mini`), with the provider's key from its usual " +
      'variable. Unset: `POST /api/plans` and `flowgate plan` answer that no planner is configured.',
  }),
} as const;

/** `provider:model` read into its parts; undefined for anything else. */
export function readPlannerModel(
  text: string | undefined,
): { readonly provider: AiProvider; readonly model: string } | undefined {
  const at = text?.indexOf(':') ?? -1;
  if (text === undefined || at <= 0 || at === text.length - 1) return undefined;
  const provider = text.slice(0, at);
  if (!(AI_PROVIDERS as readonly string[]).includes(provider)) return undefined;
  return { provider: provider as AiProvider, model: text.slice(at + 1) };
}

export type SettingName = keyof typeof SETTINGS;

export type Config = {
  readonly [K in SettingName]: z.output<(typeof SETTINGS)[K]['schema']>;
};
