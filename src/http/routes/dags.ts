/** `POST/GET /api/dags`, `GET/PUT/DELETE /api/dags/:dagId`: store, list, read, version and archive DAGs. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import {
  canCreateDag,
  canEditDag,
  canManageDag,
  canSeeDag,
  effectivePermissions,
} from '../../app/permissions.js';
import { importDagText } from '../../app/dag-import.js';
import type { DagRecord } from '../../app/definitions.js';
import { FlowgateError } from '../../shared/errors.js';
import { checkMayStore, demand, visibleDag } from '../access.js';
import { actorOf, authenticate } from '../authenticate.js';
import type { RouteDeps } from '../route-deps.js';
import { BEARER, errorResponses, NoContent } from '../schemas/common.js';
import {
  DagDetail,
  DagDocument,
  DagImportBody,
  DagImportResult,
  DagList,
  DagListQuery,
  DagParams,
  DagQuery,
  StoredDag,
} from '../schemas/dags.js';

function toSummary(dag: DagRecord) {
  return {
    dagId: dag.dagId,
    name: dag.name,
    description: dag.description,
    latestVersion: dag.latestVersion,
    permissions: effectivePermissions(dag),
    createdBy: dag.createdBy,
    createdAt: dag.createdAt,
    updatedAt: dag.updatedAt,
  };
}

export const dagRoutes: FastifyPluginAsyncZod<RouteDeps> = (app, { auth, flowgate }) => {
  const signedIn = authenticate(auth);

  app.post(
    '/api/dags',
    {
      onRequest: signedIn,
      schema: {
        tags: ['dags'],
        summary: 'Store a DAG (a new version when its id exists)',
        description: '422 DAG_INVALID lists every problem of an invalid document in `details`.',
        security: BEARER,
        body: DagDocument,
        response: { 201: StoredDag, ...errorResponses(400, 401, 403, 404, 413, 422) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      demand(canCreateDag(actor), 'Viewers cannot store DAGs.');
      const dag = flowgate.validateDag(request.body);
      checkMayStore(actor, dag, await flowgate.findDag(dag.dagId));
      const stored = await flowgate.putDag(request.body, { createdBy: actor });
      return reply.code(201).send({ dagId: stored.dagId, version: stored.version });
    },
  );

  app.post(
    '/api/dags/import',
    {
      onRequest: signedIn,
      schema: {
        tags: ['dags'],
        summary:
          'Read a DAG document (JSON or YAML, any accepted format) and list its problems; stores nothing',
        description:
          '400 when the text is not JSON or YAML (with the line and column), or not an object.',
        security: BEARER,
        body: DagImportBody,
        response: { 200: DagImportResult, ...errorResponses(400, 401, 413) },
      },
    },
    (request) =>
      Promise.resolve(
        importDagText(request.body.text, request.body.format, (document) =>
          flowgate.validateDag(document),
        ),
      ),
  );

  app.get(
    '/api/dags',
    {
      onRequest: signedIn,
      schema: {
        tags: ['dags'],
        summary: 'The DAGs the caller may see',
        security: BEARER,
        querystring: DagListQuery,
        response: { 200: DagList, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const page = await flowgate.pageDags({
        ...request.query,
        where: (dag) => canSeeDag(actor, dag),
      });
      return { items: page.items.map(toSummary), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/dags/:dagId',
    {
      onRequest: signedIn,
      schema: {
        tags: ['dags'],
        summary: 'A DAG: its latest version, or `?version=`',
        security: BEARER,
        params: DagParams,
        querystring: DagQuery,
        response: { 200: DagDetail, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      await visibleDag(flowgate, actorOf(request), request.params.dagId);
      const { record, version, definition, source } = await flowgate.getDag(
        request.params.dagId,
        request.query.version,
      );
      return {
        dagId: record.dagId,
        name: record.name,
        description: record.description,
        version,
        latestVersion: record.latestVersion,
        permissions: effectivePermissions(record),
        definition,
        source,
        createdBy: record.createdBy,
        createdAt: record.createdAt,
      };
    },
  );

  app.put(
    '/api/dags/:dagId',
    {
      onRequest: signedIn,
      schema: {
        tags: ['dags'],
        summary: 'Store a new version of a DAG',
        description: "The document's DAG id must be the path's (400).",
        security: BEARER,
        params: DagParams,
        body: DagDocument,
        response: { 200: StoredDag, ...errorResponses(400, 401, 403, 404, 413, 422) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { dagId } = request.params;
      const existing = await visibleDag(flowgate, actor, dagId, { includeArchived: true });
      demand(canEditDag(actor, existing), `You may not change DAG ${dagId}.`);
      const dag = flowgate.validateDag(request.body);
      if (dag.dagId !== dagId) {
        throw new FlowgateError(
          'BAD_REQUEST',
          `The document is DAG ${dag.dagId}, not ${dagId}: its id must be the path's.`,
        );
      }
      checkMayStore(actor, dag, existing);
      const stored = await flowgate.putDag(request.body, { createdBy: actor });
      return { dagId: stored.dagId, version: stored.version };
    },
  );

  app.delete(
    '/api/dags/:dagId',
    {
      onRequest: signedIn,
      schema: {
        tags: ['dags'],
        summary: 'Archive a DAG (admins and owners); its runs stay',
        security: BEARER,
        params: DagParams,
        response: { 204: NoContent, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const dag = await visibleDag(flowgate, actor, request.params.dagId);
      demand(canManageDag(actor, dag), `Only owners may archive DAG ${dag.dagId}.`);
      await flowgate.archiveDag(dag.dagId);
      return reply.code(204).send(null);
    },
  );
  return Promise.resolve();
};
