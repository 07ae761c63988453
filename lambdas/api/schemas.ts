/**
 * The JSON Schemas of the ops API: every request part and every response. The OpenAPI document
 * (/v1/openapi.json) is generated from them.
 */
import { PROBLEM_CONTENT_TYPE } from './problems.ts';

/** Shared schemas, registered once with `app.addSchema` and referred to by `$ref`. */
export const sharedSchemas = [
  {
    $id: 'Problem',
    type: 'object',
    description: 'An RFC 9457 problem detail.',
    required: ['type', 'title', 'status', 'detail'],
    properties: {
      type: { type: 'string', description: 'A URI naming the kind of problem.' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      instance: { type: 'string', description: 'The request path (absent when the URL itself could not be read).' },
      requestId: { type: 'string', description: 'Quote it when asking about a 5xx: the error is logged under it.' },
      errors: {
        type: 'array',
        description: 'Every invalid field of a 400.',
        items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
      },
    },
  },
  {
    $id: 'QuarantineEntry',
    type: 'object',
    required: ['type', 'id', 'since', 'differences', 'lastDifference', 'cleanChecks'],
    properties: {
      type: { type: 'string' },
      id: { type: 'string' },
      since: { type: 'string', format: 'date-time', description: 'When the resource was quarantined.' },
      differences: { type: 'integer', description: 'Differences seen in a row when it was quarantined.' },
      lastDifference: { type: 'string' },
      cleanChecks: { type: 'integer', description: 'Clean checks in a row since.' },
    },
  },
  {
    $id: 'TypeStatus',
    type: 'object',
    required: ['type', 'indexed', 'generations', 'records', 'lastBuild', 'buildProgress', 'lastAudit', 'quarantined'],
    properties: {
      type: { type: 'string' },
      indexed: { type: 'boolean', description: 'False until the type has a pointer (first change or build).' },
      generations: {
        type: 'object',
        required: ['active', 'previous', 'building'],
        properties: {
          active: { type: ['integer', 'null'] },
          previous: { type: ['integer', 'null'], description: 'Kept for instant rollback.' },
          building: {
            type: ['object', 'null'],
            properties: { generation: { type: 'integer' }, buildId: { type: 'string' }, startedAt: { type: 'string', format: 'date-time' } },
          },
          pointerRevision: { type: 'integer' },
          pointerUpdatedAt: { type: 'string', format: 'date-time' },
        },
      },
      records: {
        type: 'object',
        description: 'Live record counts per generation, from the latest build or audit that counted it (or a scan with ?count=exact).',
        required: ['active', 'previous'],
        properties: { active: { $ref: 'RecordCount#' }, previous: { $ref: 'RecordCount#' } },
      },
      lastBuild: { type: ['object', 'null'], additionalProperties: true, description: 'The latest build record, with its report once it ended.' },
      buildProgress: {
        type: ['object', 'null'],
        description: 'Progress of the running build.',
        properties: { done: { type: 'integer' }, total: { type: 'integer' }, perSecond: { type: 'number' }, etaSeconds: { type: 'integer' } },
      },
      lastAudit: { type: ['object', 'null'], additionalProperties: true, description: 'The latest audit report.' },
      quarantined: { type: 'integer', description: 'Resources served from the source until released.' },
      cleanup: {
        type: ['object', 'null'],
        additionalProperties: true,
        description:
          'The clean-up after the latest build that ran one: state (waiting, deleting, done, interrupted, failed), deletesPerSecond and rateFrom, pending and deletedGenerations, deleted records.',
      },
    },
  },
  {
    $id: 'DeadLetterDepth',
    type: 'object',
    required: ['queue', 'configured'],
    properties: {
      queue: { type: 'string', description: '`apply`, `verify`, or `apply:<type>` for a type with its own apply queue.' },
      configured: { type: 'boolean', description: 'False when this deployment does not name the queue.' },
      visible: { type: 'integer', description: 'Letters waiting (approximate).' },
      inFlight: { type: 'integer', description: 'Letters being looked at or redriven (approximate).' },
      error: { type: 'string', description: 'The depth could not be read.' },
    },
  },
  {
    $id: 'RecordCount',
    type: ['object', 'null'],
    required: ['count', 'countedBy'],
    properties: {
      count: { type: 'integer' },
      countedBy: { type: 'string', enum: ['build', 'audit', 'scan'] },
      countedAt: { type: 'string', format: 'date-time' },
    },
  },
] as const;

/** The error responses of a route, all `application/problem+json`. */
export function problemResponses(...statuses: number[]): Record<string, unknown> {
  return Object.fromEntries(
    [...statuses.map(String), '5xx'].map((status) => [
      status,
      { description: describeStatus(status), content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: 'Problem#' } } } },
    ]),
  );
}

function describeStatus(status: string): string {
  return (
    {
      '400': 'Invalid input: `errors` names every invalid field.',
      '404': 'Unknown type, resource or route.',
      '409': 'Conflicts with the current state.',
      '422': 'The source document cannot be indexed.',
      '5xx': 'A server-side failure with a generic detail: 500 unexpected (logged under `requestId`), 501 not configured, 502 the source failed, 503 the index store failed.',
    } as Record<string, string>
  )[status] ?? 'Error';
}

/** The type name of a path: as the config allows. */
export const typeParam = { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,39}$', description: 'A resource type of the config.' } as const;
/** The resource id of a path. */
export const idParam = { type: 'string', minLength: 1, maxLength: 512, description: 'A resource id.' } as const;

export const typeParams = { type: 'object', required: ['type'], additionalProperties: false, properties: { type: typeParam } } as const;
export const recordParams = { type: 'object', required: ['type', 'id'], additionalProperties: false, properties: { type: typeParam, id: idParam } } as const;

/** An index record's stored form, as the API shows it. */
export const storedRecordSchema = {
  type: ['object', 'null'],
  required: ['generation', 'version', 'hash', 'deleted', 'writtenAt'],
  properties: {
    generation: { type: 'integer' },
    version: { type: 'number' },
    hash: { type: 'string' },
    deleted: { type: 'boolean' },
    writtenAt: { type: 'string', format: 'date-time' },
    record: { description: 'The record (absent on a tombstone).' },
  },
} as const;
