/**
 * The HTTP shell (STYLE.md §4.2 rule 9): a Fastify instance with zod schemas for validation and OpenAPI, bearer
 * authentication, and the error envelope of API.md. It never listens: `flowgate serve` does, and tests use
 * `inject()`.
 */
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';

import type { EventFeed } from '../app/event-feed.js';
import type { AuthService } from '../app/accounts.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import type { FlowgateApi, RouteDeps } from './route-deps.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { authRoutes } from './routes/auth.js';
import { dagRoutes } from './routes/dags.js';
import { decisionLinkRoutes } from './routes/decision-links.js';
import { healthRoutes } from './routes/health.js';
import { hitlRoutes } from './routes/hitl.js';
import { hookRoutes, type HookOptions } from './routes/hooks.js';
import { meRoutes } from './routes/me.js';
import { MetricsCollector } from './prometheus.js';
import { eventRoutes, type EventStreamOptions } from './routes/events.js';
import { metricsRoutes } from './routes/metrics.js';
import { notificationMetricsRoutes } from './routes/notification-metrics.js';
import { openApiRoutes } from './routes/openapi.js';
import { rollbackRoutes } from './routes/rollback.js';
import { scheduleRoutes } from './routes/schedules.js';
import { seed003Routes } from './routes/seed-003.js';
import { triggerRoutes } from './routes/triggers.js';
import { userRoutes } from './routes/users.js';
import { webhookRoutes } from './routes/webhooks.js';
import { chatDestinationRoutes } from './routes/chat-destinations.js';
import { slackActionRoutes } from './routes/slack-actions.js';
import { planRoutes } from './routes/plans.js';
import { workflowRoutes } from './routes/workflows.js';
import { defaultWebRoot, webUiRoutes } from './web-ui.js';

/** Request bodies above this answer 413 PAYLOAD_TOO_LARGE. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** Inbound trigger bodies above this answer 413: a run's input, not a file upload. */
export const HOOK_BODY_LIMIT_BYTES = 256 * 1024;

export interface BuildServerOptions {
  readonly flowgate: FlowgateApi;
  readonly auth: AuthService;
  /** Fastify's logger option: false (the default) for none, or pino options (level, stream, ...). */
  readonly logger?: FastifyServerOptions['logger'];
  /** Login attempts per client address and window; default 10 a minute. */
  readonly loginRateLimit?: RouteDeps['loginRateLimit'];
  /** Behind a reverse proxy: take the client address from X-Forwarded-For. */
  readonly trustProxy?: boolean;
  /** `POST /hooks/:triggerId`: the largest body (default 256 KiB) and the rate per trigger (default 60 a minute). */
  readonly hooks?: Partial<Pick<HookOptions, 'bodyLimit' | 'rateLimit'>>;
  /**
   * Tuning of the live event stream (`/api/events`): heartbeats, how far a slow client may fall behind, counters, and
   * a feed of its own (tests); by default the Flowgate's.
   */
  readonly eventStream?: EventStreamOptions & { readonly feed?: EventFeed };
  /**
   * The built web UI to serve at `/` (a folder with `index.html` and `assets/`): by default the package's `dist/web`
   * when it was built; false for none.
   */
  readonly webRoot?: string | false;
}

export type FlowgateServer = FastifyInstance;

export function buildServer(options: BuildServerOptions): FlowgateServer {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: options.trustProxy ?? false,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.decorateRequest('actor', null);

  void app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Flowgate',
        description: 'Durable DAG workflows with human approval gates.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'An access token from POST /api/auth/login, or an API key (fg_…).',
          },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  void app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  // Only routes that ask for it (login) are limited; the counters live in this process.
  void app.register(fastifyRateLimit, { global: false });

  const deps: RouteDeps = {
    flowgate: options.flowgate,
    auth: options.auth,
    loginRateLimit: options.loginRateLimit ?? { max: 10, timeWindowMs: 60_000 },
  };
  const api = app.withTypeProvider<ZodTypeProvider>();
  void api.register(healthRoutes, deps);
  void api.register(authRoutes, deps);
  void api.register(meRoutes, deps);
  void api.register(apiKeyRoutes, deps);
  void api.register(userRoutes, deps);
  void api.register(webhookRoutes, deps);
  void api.register(chatDestinationRoutes, deps);
  void api.register(slackActionRoutes, deps);
  void api.register(planRoutes, deps);
  void api.register(dagRoutes, deps);
  void api.register(seed003Routes, deps);
  void api.register(workflowRoutes, deps);
  void api.register(rollbackRoutes, deps);
  void api.register(hitlRoutes, deps);
  void api.register(decisionLinkRoutes, deps);
  void api.register(scheduleRoutes, deps);
  void api.register(triggerRoutes, deps);
  void api.register(hookRoutes, {
    ...deps,
    bodyLimit: options.hooks?.bodyLimit ?? HOOK_BODY_LIMIT_BYTES,
    rateLimit: options.hooks?.rateLimit ?? { max: 60, timeWindowMs: 60_000 },
  });
  // The feed belongs to the Flowgate (it may serve several servers); the route ends its own streams on close.
  const { feed = options.flowgate.events, ...streamOptions } = options.eventStream ?? {};
  void api.register(eventRoutes, { ...deps, ...streamOptions, feed });
  const metrics = new MetricsCollector({
    readCounts: () => options.flowgate.gaugeCounts(),
    readNotifications: () => options.flowgate.notificationMetrics(),
  });
  metrics.hook(app);
  void api.register(metricsRoutes, { ...deps, metrics });
  void api.register(notificationMetricsRoutes, deps);
  void api.register(openApiRoutes);
  const webRoot = options.webRoot ?? defaultWebRoot();
  if (webRoot) void app.register(webUiRoutes, { root: webRoot });
  return app;
}
