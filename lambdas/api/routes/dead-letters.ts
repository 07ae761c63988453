import type { FastifyInstance } from 'fastify';
import { DEAD_LETTER_QUEUE_NAME, ownQueueType, type DeadLetterInbox, type DeadLetterQueueName, type DeadLetterSummary } from '../../core/dead-letters.ts';
import { FreshindexError, NotFoundError } from '../../core/errors.ts';
import type { OpsDeps } from '../ports.ts';
import { problemResponses, typeParam } from '../schemas.ts';
import { deadLetterDepths } from '../status.ts';

/** A dead-letter queue this deployment does not name (the API function lacks its variables). */
export class DeadLettersUnavailableError extends FreshindexError {
  override readonly status = 501;
  constructor(queue: DeadLetterQueueName) {
    const type = ownQueueType(queue);
    super(
      type === undefined
        ? `the ${queue} dead-letter queue is not configured here: FRESHINDEX_DEAD_LETTERS_${queue.toUpperCase()}_QUEUE_URL and FRESHINDEX_DEAD_LETTERS_${queue.toUpperCase()}_DLQ_URL are not both set`
        : `the ${queue} dead-letter queue is not configured here: FRESHINDEX_DEAD_LETTERS_OWN_APPLY does not name type "${type}"`,
    );
    this.name = 'DeadLettersUnavailableError';
  }
}

/** What a purge must be sent with. */
export const PURGE_CONFIRMATION = 'purge';

const queueParam = {
  type: 'string',
  pattern: DEAD_LETTER_QUEUE_NAME.source,
  description: 'The consumer queue whose dead letters these are: `apply`, `verify`, or `apply:<type>` for a type with its own apply queue (`delivery.queue: own`).',
} as const;
const queueParams = { type: 'object', required: ['queue'], additionalProperties: false, properties: { queue: queueParam } } as const;
const letterProperties = {
  messageId: { type: 'string' },
  originalMessageId: { type: 'string', description: 'Its message id on the consumer queue, when the handler dead-lettered it.' },
  reason: { type: 'string', description: 'Absent when SQS moved it after maxReceiveCount receives.' },
  type: { type: 'string' },
  id: { type: 'string' },
  receiveCount: { type: 'integer' },
  firstSeen: { type: 'string', format: 'date-time', description: 'When it was sent to the dead-letter queue (SQS SentTimestamp; for a letter SQS moved, when it was first sent).' },
  bodyReplaced: { type: 'boolean', description: 'The queue could not take the original body: a stand-in holds its hash and beginning. Never redriven.' },
} as const;
const letterSummary = { type: 'object', required: ['messageId', 'firstSeen', 'bodyReplaced'], properties: letterProperties } as const;

/** List, show, redrive and purge the dead letters of the apply and verify queues and of the types' own apply queues; their depth. */
export function deadLetterRoutes(app: FastifyInstance, deps: OpsDeps): void {
  depthRoute(app, deps);
  listRoute(app, deps);
  showRoute(app, deps);
  redriveRoute(app, deps);
  purgeRoute(app, deps);
}

function depthRoute(app: FastifyInstance, deps: OpsDeps): void {
  app.get(
    '/v1/dead-letters',
    {
      schema: {
        summary: 'Depth of every dead-letter queue',
        tags: ['dead-letters'],
        response: { 200: { type: 'object', required: ['queues'], properties: { queues: { type: 'array', items: { $ref: 'DeadLetterDepth#' } } } }, ...problemResponses() },
      },
    },
    async () => ({ queues: await deadLetterDepths(deps) }),
  );
}

function listRoute(app: FastifyInstance, deps: OpsDeps): void {
  app.get<{ Params: { queue: DeadLetterQueueName }; Querystring: { type?: string; limit: string } }>(
    '/v1/dead-letters/:queue',
    {
      schema: {
        summary: 'Dead letters of a queue',
        description: 'Peeks at the letters: each one looked at is hidden for a few seconds (at most 30), then put back. `complete` says whether every letter was looked at.',
        tags: ['dead-letters'],
        params: queueParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { type: typeParam, limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$', default: '50', description: 'At most this many letters, 1 to 1000.' } },
        },
        response: {
          200: {
            type: 'object',
            required: ['queue', 'count', 'scanned', 'complete', 'items'],
            properties: { queue: { type: 'string' }, count: { type: 'integer' }, scanned: { type: 'integer' }, complete: { type: 'boolean' }, items: { type: 'array', items: letterSummary } },
          },
          ...problemResponses(400, 501),
        },
      },
    },
    async (request) => {
      const { queue } = request.params;
      const { type, limit } = request.query;
      const list = await inboxOf(deps, queue).list({ limit: Number(limit), ...(type ? { type } : {}) });
      return { queue, count: list.items.length, scanned: list.scanned, complete: list.complete, items: list.items.map(view) };
    },
  );
}

function showRoute(app: FastifyInstance, deps: OpsDeps): void {
  app.get<{ Params: { queue: DeadLetterQueueName; messageId: string } }>(
    '/v1/dead-letters/:queue/:messageId',
    {
      schema: {
        summary: 'One dead letter with its body',
        description: 'By its message id, or the message id it had on the consumer queue. Peeks like the list.',
        tags: ['dead-letters'],
        params: {
          type: 'object',
          required: ['queue', 'messageId'],
          additionalProperties: false,
          properties: { queue: queueParam, messageId: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['queue', 'messageId', 'firstSeen', 'bodyReplaced', 'body'],
            properties: { queue: { type: 'string' }, ...letterProperties, body: { type: 'string' }, bodyReplacedBecause: { type: 'string' } },
          },
          ...problemResponses(400, 404, 501),
        },
      },
    },
    async (request) => {
      const { queue, messageId } = request.params;
      const letter = await inboxOf(deps, queue).show(messageId);
      if (!letter) throw new NotFoundError(`dead letter ${messageId} in the ${queue} dead-letter queue`, { queue, messageId });
      return { queue, ...view(letter) };
    },
  );
}

function redriveRoute(app: FastifyInstance, deps: OpsDeps): void {
  app.post<{ Params: { queue: DeadLetterQueueName }; Body: { type?: string } | undefined }>(
    '/v1/dead-letters/:queue/redrive',
    {
      schema: {
        summary: 'Send dead letters back to their queue',
        description:
          'Every letter: an SQS message move task on AWS (`method: move-task`, it runs in the background; 409 while one runs). Only one `type`, or on an emulator: each letter is sent to the consumer queue, then deleted (`method: copy`); ' +
          'when `complete` is false the time budget ran out: send it again. Letters with a replaced body stay.',
        tags: ['dead-letters'],
        params: queueParams,
        body: { type: ['object', 'null'], additionalProperties: false, properties: { type: typeParam } },
        response: {
          200: {
            type: 'object',
            required: ['queue', 'method'],
            properties: {
              queue: { type: 'string' },
              method: { type: 'string', enum: ['move-task', 'copy'] },
              type: { type: 'string' },
              taskHandle: { type: 'string' },
              approximateCount: { type: 'integer' },
              redriven: { type: 'integer' },
              notDeleted: { type: 'integer', description: 'Sent but not deleted here: in both queues (an apply is idempotent).' },
              skippedReplaced: { type: 'integer' },
              skippedOtherTypes: { type: 'integer' },
              skippedNewer: { type: 'integer', description: 'Arrived after the redrive started.' },
              complete: { type: 'boolean' },
              error: { type: 'string', description: 'The send that failed and stopped the redrive; that letter stays.' },
            },
          },
          ...problemResponses(400, 409, 501),
        },
      },
    },
    async (request) => {
      const { queue } = request.params;
      const type = request.body?.type;
      if (type !== undefined && !deps.types.has(type)) throw new NotFoundError(`resource type "${type}"`, { type });
      const result = await inboxOf(deps, queue).redrive(type ? { type } : {});
      deps.log.info('dead letters redriven', { queue, type, ...result });
      return { queue, ...(type ? { type } : {}), ...result };
    },
  );
}

function purgeRoute(app: FastifyInstance, deps: OpsDeps): void {
  app.delete<{ Params: { queue: DeadLetterQueueName }; Querystring: { confirm?: string } }>(
    '/v1/dead-letters/:queue',
    {
      schema: {
        summary: 'Delete every dead letter of a queue',
        description: `Requires \`?confirm=${PURGE_CONFIRMATION}\`. SQS deletes them within a minute and allows one purge a minute (409 meanwhile).`,
        tags: ['dead-letters'],
        params: queueParams,
        querystring: { type: 'object', additionalProperties: false, properties: { confirm: { type: 'string' } } },
        response: {
          200: { type: 'object', required: ['queue', 'purged'], properties: { queue: { type: 'string' }, purged: { type: 'boolean', const: true } } },
          ...problemResponses(400, 409, 501),
        },
      },
    },
    async (request) => {
      const { queue } = request.params;
      if (request.query.confirm !== PURGE_CONFIRMATION) throw new PurgeNotConfirmedError(queue);
      await inboxOf(deps, queue).purge();
      deps.log.info('dead letters purged', { queue });
      return { queue, purged: true };
    },
  );
}

/** A purge sent without its confirmation. */
class PurgeNotConfirmedError extends FreshindexError {
  override readonly status = 400;
  constructor(queue: DeadLetterQueueName) {
    super(`purging deletes every letter of the ${queue} dead-letter queue for good: confirm with ?confirm=${PURGE_CONFIRMATION}`);
    this.name = 'PurgeNotConfirmedError';
  }
}

function inboxOf(deps: OpsDeps, queue: DeadLetterQueueName): DeadLetterInbox {
  const type = ownQueueType(queue);
  if (type !== undefined && deps.types.get(type)?.config.delivery.queue !== 'own') throw new NotFoundError(`own apply queue of type "${type}" (no type of that name has delivery.queue: 'own')`, { queue, type });
  const inbox = deps.deadLetters?.[queue];
  if (!inbox) throw new DeadLettersUnavailableError(queue);
  return inbox;
}

function view<T extends DeadLetterSummary>(letter: T): Omit<T, 'firstSeen'> & { firstSeen: string } {
  return { ...letter, firstSeen: new Date(letter.firstSeen).toISOString() };
}
