import type { FastifyInstance } from 'fastify';
import type { OpsDeps } from '../ports.ts';
import { problemResponses, typeParams } from '../schemas.ts';
import { resolveType } from '../status.ts';

/** The longest window the metrics route answers for. */
export const MAX_METRICS_MINUTES = 180;

/** GET /v1/types/:type/metrics: changes applied per second and freshness lag p50/p99 over the last minutes. */
export function metricsRoutes(app: FastifyInstance, deps: OpsDeps): void {
  app.get<{ Params: { type: string }; Querystring: { minutes: string } }>(
    '/v1/types/:type/metrics',
    {
      schema: {
        summary: 'Apply metrics of one type',
        description:
          'Changes applied per second (`ApplyApplied`) and freshness lag percentiles (`ApplyFreshnessLag`, ms) per period over the last `minutes`, oldest first. ' +
          'Locally from the runtime\'s in-memory ring (10 s periods); on AWS from CloudWatch (60 s periods, a few minutes behind).',
        tags: ['types'],
        params: typeParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { minutes: { type: 'string', pattern: '^([1-9]|[1-9][0-9]|1[0-7][0-9]|180)$', default: '15', description: `The window in minutes, 1 to ${MAX_METRICS_MINUTES}.` } },
        },
        response: {
          200: {
            type: 'object',
            required: ['type', 'source', 'periodSeconds', 'from', 'to', 'points'],
            properties: {
              type: { type: 'string' },
              source: { type: 'string', enum: ['local', 'cloudwatch'] },
              periodSeconds: { type: 'integer' },
              from: { type: 'string', format: 'date-time' },
              to: { type: 'string', format: 'date-time' },
              points: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['at', 'appliedPerSecond', 'lagP50Ms', 'lagP99Ms'],
                  properties: {
                    at: { type: 'string', format: 'date-time', description: 'Start of the period.' },
                    appliedPerSecond: { type: 'number' },
                    lagP50Ms: { type: ['number', 'null'], description: 'Null: nothing applied in the period.' },
                    lagP99Ms: { type: ['number', 'null'] },
                  },
                },
              },
            },
          },
          ...problemResponses(400, 404),
        },
      },
    },
    async (request) => {
      const { type } = request.params;
      resolveType(deps, type);
      const series = await deps.metrics.applySeries(type, Number(request.query.minutes), deps.clock());
      return {
        ...series,
        from: new Date(series.from).toISOString(),
        to: new Date(series.to).toISOString(),
        points: series.points.map((point) => ({ ...point, at: new Date(point.at).toISOString() })),
      };
    },
  );
}
