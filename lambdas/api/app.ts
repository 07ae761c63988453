/**
 * The ops API: one Fastify application, JSON Schema on every route, versioned paths, errors as
 * problem details, and the OpenAPI document generated from the route schemas. It runs behind
 * API Gateway (lambdas/handlers/api.ts) and locally (`startApiServer`, lambdas/local/api-server.ts).
 */
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { guardLoopback } from './loopback.ts';
import type { OpsDeps } from './ports.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { deadLetterRoutes } from './routes/dead-letters.ts';
import { operationRoutes } from './routes/operations.ts';
import { quarantineRoutes } from './routes/quarantine.ts';
import { installProblemAnswers, routerErrors } from './routing.ts';
import { recordRoutes } from './routes/records.ts';
import { similarRoutes } from './routes/similar.ts';
import { typeRoutes } from './routes/types.ts';
import { sharedSchemas } from './schemas.ts';

/** The API's version, in every path (`/v1/...`) and in the OpenAPI document. */
export const API_VERSION = '1';

/**
 * Builds the ops API on its dependencies. Call `await app.ready()` before serving.
 *
 * @example
 * const app = buildOpsApp(deps);
 * const response = await app.inject({ method: 'GET', url: '/v1/types' });
 */
/** How the app is served. */
export interface OpsAppOptions {
  /**
   * Served on loopback without authentication (the local runtime): refuse requests a web page
   * or a rebound host name could send (see lambdas/api/loopback.ts). Behind API Gateway, IAM
   * authorizes every request instead. @default false
   */
  loopbackOnly?: boolean;
}

export function buildOpsApp(deps: OpsDeps, options: OpsAppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: false,
    genReqId: () => randomUUID(),
    // Ids may be 512 characters, URL-encoded up to three times longer.
    routerOptions: { maxParamLength: 2_048 },
    // Unknown fields and wrong types are errors (400 naming them), never dropped or coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
    frameworkErrors: routerErrors,
  });
  for (const schema of sharedSchemas) app.addSchema(schema);
  installProblemAnswers(app, deps.log, '; see /v1/openapi.json');
  if (options.loopbackOnly) guardLoopback(app);

  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'freshindex ops API',
        version: API_VERSION,
        description: 'Status of each resource type, one record against its source, reindex, rebuild, rollback, quarantine, dead letters. On AWS every route requires IAM (SigV4) authorization.',
      },
      components: {
        securitySchemes: {
          sigv4: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'AWS Signature Version 4 (API Gateway IAM authorization, service execute-api).' },
        },
      },
      security: [{ sigv4: [] }],
      tags: [
        { name: 'types', description: 'Status of resource types' },
        { name: 'records', description: 'One resource' },
        { name: 'operations', description: 'Rebuild and rollback' },
        { name: 'quarantine', description: 'Resources served from the source' },
        { name: 'dead-letters', description: 'Messages the apply and verify functions could not process' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => String(json['$id'] ?? `def-${index}`) },
  });

  void app.register(async (scope) => {
    typeRoutes(scope, deps);
    recordRoutes(scope, deps);
    similarRoutes(scope, deps);
    operationRoutes(scope, deps);
    quarantineRoutes(scope, deps);
    metricsRoutes(scope, deps);
    deadLetterRoutes(scope, deps);
    scope.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  });
  return app;
}
