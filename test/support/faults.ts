/**
 * Fault injection at a DynamoDB SDK client (and an SQS one's SendMessageBatch, at the end), for the fault suites. Neither dynalite nor moto
 * throttles or returns unprocessed items, so the faults a production table produces are made here,
 * at one of two layers:
 * - `below-retry`: inside the SDK's retry loop, so its retry strategy (and its retry quota) sees
 *   them first, as with a real throttled table;
 * - `above-retry`: outside it, so the code under test sees every fault itself.
 *
 * Kinds:
 * - `throttle`: ProvisionedThroughputExceededException (HTTP 400, a throttling error);
 * - `server`: InternalServerError (HTTP 500);
 * - `unavailable`: ServiceUnavailable (HTTP 503);
 * - `lost-response`: the call lands, then its answer is lost as a 500 (a retried conditional write
 *   then meets its own earlier write);
 * - `unprocessed`: BatchWriteItem / BatchGetItem leave half their items or keys unprocessed
 *   (other operations get `throttle` instead). Always applied above the retry layer: the SDK never
 *   retries unprocessed items itself.
 */
import { DynamoDBServiceException, InternalServerError, ProvisionedThroughputExceededException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSServiceException, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { seededRandom } from './random.ts';

export type FaultKind = 'throttle' | 'server' | 'unavailable' | 'lost-response' | 'unprocessed';
export type FaultLayer = 'below-retry' | 'above-retry';

export interface FaultPlan {
  /** Fraction of calls that fail, 0..1. */
  rate: number;
  layer: FaultLayer;
  /** Kinds drawn uniformly. @default every kind */
  kinds?: readonly FaultKind[];
  /** Only these operations (command names, e.g. `PutItemCommand`). @default all */
  operations?: readonly string[];
  /** @default a PRNG seeded with 1 */
  random?: () => number;
}

export interface FaultInjector {
  /** Calls seen, and faults injected by kind. */
  readonly stats: { calls: number; injected: Record<FaultKind, number> };
  /** Stops injecting (calls pass through from now on). */
  disable(): void;
  enable(): void;
}

const ALL_KINDS: readonly FaultKind[] = ['throttle', 'server', 'unavailable', 'lost-response', 'unprocessed'];
const BATCH_OPERATIONS = new Set(['BatchWriteItemCommand', 'BatchGetItemCommand']);

/** Injects faults into every call `client` makes (and every DynamoDBDocumentClient built on it). */
export function injectDynamoFaults(client: DynamoDBClient, plan: FaultPlan): FaultInjector {
  const random = plan.random ?? seededRandom(1);
  const kinds = plan.kinds ?? ALL_KINDS;
  const stats = { calls: 0, injected: Object.fromEntries(ALL_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number> };
  let enabled = true;

  /** The fault for this call, if any (drawn once per call attempt). */
  const draw = (operation: string): FaultKind | undefined => {
    if (!enabled || (plan.operations && !plan.operations.includes(operation))) return undefined;
    if (random() >= plan.rate) return undefined;
    const kind = kinds[Math.floor(random() * kinds.length)] as FaultKind;
    return kind === 'unprocessed' && !BATCH_OPERATIONS.has(operation) ? 'throttle' : kind;
  };

  // Unprocessed items: drop half of the request's items before it is sent, report them back.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = context.commandName ?? '';
      if (!BATCH_OPERATIONS.has(operation) || !kinds.includes('unprocessed') || !enabled || random() >= plan.rate / kinds.length) return next(args);
      const input = args.input as { RequestItems?: Record<string, unknown> };
      const { kept, withheld } = splitRequestItems(operation, input.RequestItems ?? {});
      if (withheld === undefined) return next(args);
      stats.injected.unprocessed += 1;
      const result = await next({ ...args, input: { ...input, RequestItems: kept } });
      const output = result.output as unknown as Record<string, unknown>;
      if (operation === 'BatchWriteItemCommand') output['UnprocessedItems'] = withheld;
      else output['UnprocessedKeys'] = withheld;
      return result;
    },
    { step: 'serialize', priority: 'high', name: 'injectUnprocessed' },
  );

  const failing = (next: (args: never) => Promise<unknown>, operation: string) => async (args: never) => {
    stats.calls += 1;
    const kind = draw(operation);
    if (kind === undefined || kind === 'unprocessed') return next(args);
    stats.injected[kind] += 1;
    if (kind === 'lost-response') {
      await next(args);
      throw serviceError('server');
    }
    throw serviceError(kind);
  };
  if (plan.layer === 'above-retry') {
    client.middlewareStack.add((next, context) => failing(next as never, context.commandName ?? '') as never, { step: 'initialize', priority: 'low', name: 'injectFaults' });
  } else {
    client.middlewareStack.addRelativeTo((next: unknown, context: { commandName?: string }) => failing(next as never, context.commandName ?? '') as never, {
      relation: 'after',
      toMiddleware: 'retryMiddleware',
      name: 'injectFaults',
    });
  }

  return {
    stats,
    disable: () => void (enabled = false),
    enable: () => void (enabled = true),
  };
}

function serviceError(kind: 'throttle' | 'server' | 'unavailable'): Error {
  const $metadata = { httpStatusCode: kind === 'throttle' ? 400 : kind === 'server' ? 500 : 503, attempts: 1, totalRetryDelay: 0 };
  if (kind === 'throttle') return new ProvisionedThroughputExceededException({ message: 'injected: throughput exceeded', $metadata });
  if (kind === 'server') return new InternalServerError({ message: 'injected: internal server error', $metadata });
  return new DynamoDBServiceException({ name: 'ServiceUnavailable', $fault: 'server', message: 'injected: service unavailable', $metadata });
}

/** Splits a batch request's items in two halves: the half sent and the half reported unprocessed. */
function splitRequestItems(operation: string, requestItems: Record<string, unknown>): { kept: Record<string, unknown>; withheld: Record<string, unknown> | undefined } {
  const kept: Record<string, unknown> = {};
  const withheld: Record<string, unknown> = {};
  let any = false;
  for (const [table, value] of Object.entries(requestItems)) {
    if (operation === 'BatchWriteItemCommand') {
      const requests = value as unknown[];
      const half = Math.floor(requests.length / 2);
      if (half === 0) {
        kept[table] = requests;
        continue;
      }
      kept[table] = requests.slice(half);
      withheld[table] = requests.slice(0, half);
      any = true;
    } else {
      const { Keys, ...rest } = value as { Keys: unknown[] };
      const half = Math.floor(Keys.length / 2);
      if (half === 0) {
        kept[table] = value;
        continue;
      }
      kept[table] = { ...rest, Keys: Keys.slice(half) };
      withheld[table] = { ...rest, Keys: Keys.slice(0, half) };
      any = true;
    }
  }
  return { kept, withheld: any ? withheld : undefined };
}

/** What `injectSqsBatchFaults` does to SendMessageBatch calls. */
export interface SqsBatchFaultPlan {
  /** Entries whose body it picks come back in `Failed` (`InternalError`, not the sender's fault), unsent. */
  refuse?: (body: string) => boolean;
  /** Refuse them for the sender's fault instead (`KMS.AccessDeniedException`, `SenderFault: true`). @default false */
  senderFault?: boolean;
  /** The next this-many calls fail whole, as after the SDK's own retries (500 InternalError). @default 0 */
  failCalls?: number;
}

/**
 * Faults at an SQS SDK client's SendMessageBatch, which no emulator produces: refused entries, and
 * calls that fail whole. Applied above the retry layer, so the code under test sees each one.
 */
export function injectSqsBatchFaults(client: SQSClient, plan: SqsBatchFaultPlan): { stats: { refused: number; failedCalls: number }; disable(): void } {
  const stats = { refused: 0, failedCalls: 0 };
  let enabled = true;
  let callsToFail = plan.failCalls ?? 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!enabled || context.commandName !== 'SendMessageBatchCommand') return next(args);
      if (callsToFail > 0) {
        callsToFail -= 1;
        stats.failedCalls += 1;
        throw new SQSServiceException({ name: 'InternalError', $fault: 'server', message: 'injected: internal error', $metadata: { httpStatusCode: 500 } });
      }
      const input = args.input as { QueueUrl: string; Entries?: SendMessageBatchRequestEntry[] };
      const refused = (input.Entries ?? []).filter((entry) => plan.refuse?.(entry.MessageBody ?? '') === true);
      if (refused.length === 0) return next(args);
      stats.refused += refused.length;
      const kept = (input.Entries ?? []).filter((entry) => !refused.includes(entry));
      const failed = refused.map((entry) =>
        plan.senderFault
          ? { Id: entry.Id, Code: 'KMS.AccessDeniedException', Message: 'injected: entry refused', SenderFault: true }
          : { Id: entry.Id, Code: 'InternalError', Message: 'injected: entry refused', SenderFault: false },
      );
      if (kept.length === 0) return { output: { Successful: [], Failed: failed, $metadata: {} }, response: {} } as never;
      const result = await next({ ...args, input: { ...input, Entries: kept } });
      const output = result.output as { Failed?: unknown[] };
      output.Failed = [...(output.Failed ?? []), ...failed];
      return result;
    },
    { step: 'initialize', priority: 'high', name: 'injectSqsBatchFaults' },
  );
  return { stats, disable: () => void (enabled = false) };
}
