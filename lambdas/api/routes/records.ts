import type { FastifyInstance } from 'fastify';
import type { OpsDeps } from '../ports.ts';
import { inspectRecord, reindexRecord } from '../records.ts';
import { problemResponses, recordParams, storedRecordSchema } from '../schemas.ts';

const differenceSchema = {
  type: ['object', 'null'],
  required: ['kind', 'summary'],
  properties: {
    kind: { type: 'string', enum: ['missing', 'extra', 'content'] },
    summary: { type: 'string' },
    indexVersion: { type: 'number' },
    sourceVersion: { type: 'number' },
    indexHash: { type: 'string' },
    expectedHash: { type: 'string' },
  },
} as const;

/** GET one record with its comparison against the source; POST a reindex of it. */
export function recordRoutes(app: FastifyInstance, deps: OpsDeps): void {
  app.get<{ Params: { type: string; id: string } }>(
    '/v1/types/:type/records/:id',
    {
      schema: {
        summary: 'One record, compared with the source',
        description: 'The record in the active generation next to transform(source document now), and whether they agree.',
        tags: ['records'],
        params: recordParams,
        response: {
          200: {
            type: 'object',
            required: ['type', 'id', 'generation', 'index', 'expected', 'comparison', 'quarantine'],
            properties: {
              type: { type: 'string' },
              id: { type: 'string' },
              generation: { type: ['integer', 'null'], description: 'The active generation.' },
              index: storedRecordSchema,
              expected: {
                type: 'object',
                required: ['found'],
                description: 'transform(source document now).',
                properties: {
                  found: { type: 'boolean', description: 'Whether the source has the resource.' },
                  version: { type: 'number' },
                  hash: { type: 'string' },
                  record: {},
                  transformError: { type: 'string', description: 'Why the transform rejected the document.' },
                },
              },
              comparison: {
                type: 'object',
                required: ['equal', 'difference'],
                properties: { equal: { type: 'boolean' }, difference: differenceSchema },
              },
              quarantine: { oneOf: [{ $ref: 'QuarantineEntry#' }, { type: 'null' }] },
            },
          },
          ...problemResponses(400, 404),
        },
      },
    },
    async (request) => inspectRecord(deps, request.params.type, request.params.id),
  );

  app.post<{ Params: { type: string; id: string } }>(
    '/v1/types/:type/records/:id/reindex',
    {
      schema: {
        summary: 'Reindex one resource',
        description:
          "Reads the source's current document and applies it through the incremental path (version guard, every live generation). " +
          'A resource the source no longer has is deleted.',
        tags: ['records'],
        params: recordParams,
        response: {
          200: {
            type: 'object',
            required: ['type', 'id', 'outcome', 'op', 'version'],
            properties: {
              type: { type: 'string' },
              id: { type: 'string' },
              outcome: { type: 'string', enum: ['applied', 'stale', 'unchanged'] },
              op: { type: 'string', enum: ['upsert', 'delete'] },
              version: { type: 'number' },
            },
          },
          ...problemResponses(400, 404, 422),
        },
      },
    },
    async (request) => reindexRecord(deps, request.params.type, request.params.id),
  );
}
