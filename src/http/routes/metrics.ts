/**
 * `GET /api/metrics/{hitl,agents,executions,run-timeline,ai-usage}`: monitoring figures over the DAGs the caller may see (everything for an
 * admin). `GET /metrics`: the Prometheus exposition, unauthenticated as scrapers expect, with aggregate numbers only.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { visibleDagIds, visibleRun } from '../access.js';
import { actorOf, authenticate } from '../authenticate.js';
import type { MetricsCollector } from '../prometheus.js';
import type { RouteDeps } from '../route-deps.js';
import { BEARER, errorResponses } from '../schemas/common.js';
import {
  AgentMetricsList,
  AiUsage,
  AiUsageQuery,
  ExecutionMetrics,
  ExecutionMetricsQuery,
  HitlMetrics,
  RunTimeline,
  RunTimelineQuery,
} from '../schemas/metrics.js';

export type MetricsRouteDeps = RouteDeps & { readonly metrics: MetricsCollector };

export const metricsRoutes: FastifyPluginAsyncZod<MetricsRouteDeps> = (
  app,
  { auth, flowgate, metrics },
) => {
  const signedIn = authenticate(auth);
  const scopeOf = async (request: Parameters<typeof actorOf>[0]) => {
    const dagIds = await visibleDagIds(flowgate, actorOf(request));
    return dagIds ? { dagIds } : {};
  };

  app.get(
    '/api/metrics/hitl',
    {
      onRequest: signedIn,
      schema: {
        tags: ['metrics'],
        summary: 'HITL figures: pending, mean time to answer, approval rate, outcomes, per DAG',
        security: BEARER,
        response: { 200: HitlMetrics, ...errorResponses(401) },
      },
    },
    async (request) => flowgate.hitlMetrics(await scopeOf(request)),
  );

  app.get(
    '/api/metrics/agents',
    {
      onRequest: signedIn,
      schema: {
        tags: ['metrics'],
        summary: 'Executions per agent and tool: total, successful, failed, mean duration',
        security: BEARER,
        response: { 200: AgentMetricsList, ...errorResponses(401) },
      },
    },
    async (request) => flowgate.agentMetrics(await scopeOf(request)),
  );

  app.get(
    '/api/metrics/executions',
    {
      onRequest: signedIn,
      schema: {
        tags: ['metrics'],
        summary: 'Run totals: runs by status, durations, nodes, attempts, human interventions',
        security: BEARER,
        querystring: ExecutionMetricsQuery,
        response: { 200: ExecutionMetrics, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { workflowId } = request.query;
      if (workflowId !== undefined) {
        const { run } = await visibleRun(flowgate, actorOf(request), workflowId);
        return flowgate.executionMetrics({ workflowId: run.workflowId });
      }
      return flowgate.executionMetrics(await scopeOf(request));
    },
  );

  app.get(
    '/api/metrics/run-timeline',
    {
      onRequest: signedIn,
      schema: {
        tags: ['metrics'],
        summary: 'Runs started per day over the last days, by their status now',
        security: BEARER,
        querystring: RunTimelineQuery,
        response: { 200: RunTimeline, ...errorResponses(400, 401) },
      },
    },
    async (request) =>
      flowgate.runTimeline({ ...(await scopeOf(request)), days: request.query.days }),
  );

  app.get(
    '/api/metrics/ai-usage',
    {
      onRequest: signedIn,
      schema: {
        tags: ['metrics'],
        summary:
          "AI usage: model calls, tokens and cost per provider and model (and per DAG, run or node), unpriced calls apart; the planner's own calls as source planner",
        security: BEARER,
        querystring: AiUsageQuery,
        response: { 200: AiUsage, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { workflowId, dagId, since, until, by } = request.query;
      const window = { ...(since ? { since } : {}), ...(until ? { until } : {}), by };
      if (workflowId !== undefined) {
        const { run } = await visibleRun(flowgate, actorOf(request), workflowId);
        return flowgate.aiUsage({ ...window, workflowId: run.workflowId, planner: 'none' });
      }
      const actor = actorOf(request);
      const scope = await scopeOf(request);
      // A DAG the caller may not see filters to nothing, as if it had no calls.
      const dagIds =
        dagId === undefined
          ? scope.dagIds
          : scope.dagIds === undefined || scope.dagIds.includes(dagId)
            ? [dagId]
            : [];
      // The planner's calls belong to no DAG: all of them for an admin, else those of the caller's own plans.
      const planner =
        dagId !== undefined
          ? ('none' as const)
          : scope.dagIds === undefined
            ? ('all' as const)
            : { userId: actor.userId };
      return flowgate.aiUsage({ ...window, ...(dagIds ? { dagIds } : {}), planner });
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['metrics'],
        summary:
          'Prometheus exposition: process metrics, runs by status, pending requests, HTTP timings',
      },
    },
    async (_request, reply) => {
      const text = await metrics.scrape();
      return reply.type(metrics.contentType).send(text);
    },
  );
  return Promise.resolve();
};
