/**
 * Counts AWS API calls with AWS SDK v3 middleware, by service and operation, together with what
 * each call is billed: SNS/SQS requests in 64 KB chunks, DynamoDB read and write request units.
 */
import type { MiddlewareStack } from '@smithy/types';
import { BILLING_CHUNK_BYTES } from '../prices.ts';

export type Service = 'DynamoDB' | 'SQS' | 'SNS';

/** What the calls of one operation cost. */
export interface OperationTally {
  calls: number;
  /** SNS/SQS: billed requests (one per started 64 KB chunk of payload). Others: equal to `calls`. */
  billedRequests: number;
  /** DynamoDB write request units (1 per started KB of item written, failed conditional writes included). */
  wru: number;
  /** DynamoDB read request units (1 per started 4 KB strongly consistent, 0.5 eventually consistent). */
  rru: number;
}

/** Tallies keyed by `"<service> <operation>"`, e.g. `"DynamoDB PutItem"`. */
export type Tallies = Map<string, OperationTally>;

type AnyInput = Record<string, unknown>;

const MIDDLEWARE_NAME = 'freshindexBenchApiCallCounter';

/**
 * The counter. Attach it to every client before the code under test runs; `take()` returns what
 * was counted since the last `take()` and starts afresh.
 *
 * @example
 * const calls = new ApiCallCounter();
 * calls.attach(dynamodbClient, 'DynamoDB');
 * await handler(event, context);
 * const tallies = calls.take();
 */
export class ApiCallCounter {
  #tallies: Tallies = new Map();

  /** Counts every call `client` sends from now on (a DynamoDBDocumentClient shares its client's stack). */
  attach(client: { middlewareStack: MiddlewareStack<any, any> }, service: Service): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
        const input = (args.input ?? {}) as AnyInput;
        try {
          const result = await next(args);
          this.add(service, operation, billing(service, operation, input, result.output as AnyInput));
          return result;
        } catch (error) {
          // A failed conditional write is still billed (DynamoDB charges the write); other failures count as calls.
          this.add(service, operation, billing(service, operation, input, undefined));
          throw error;
        }
      },
      { step: 'initialize', name: MIDDLEWARE_NAME, override: true },
    );
  }

  /** Adds calls that happen outside any client we hold (e.g. SNS delivering to SQS). */
  add(service: Service, operation: string, tally: Partial<OperationTally> & { calls: number }): void {
    const key = `${service} ${operation}`;
    const current = this.#tallies.get(key) ?? { calls: 0, billedRequests: 0, wru: 0, rru: 0 };
    current.calls += tally.calls;
    current.billedRequests += tally.billedRequests ?? tally.calls;
    current.wru += tally.wru ?? 0;
    current.rru += tally.rru ?? 0;
    this.#tallies.set(key, current);
  }

  /** What was counted since the last call, and a fresh start. */
  take(): Tallies {
    const taken = this.#tallies;
    this.#tallies = new Map();
    return taken;
  }
}

/** Sums tallies (e.g. the handler's calls and the transport's). */
export function mergeTallies(...all: Tallies[]): Tallies {
  const merged: Tallies = new Map();
  for (const tallies of all) {
    for (const [key, tally] of tallies) {
      const current = merged.get(key) ?? { calls: 0, billedRequests: 0, wru: 0, rru: 0 };
      merged.set(key, {
        calls: current.calls + tally.calls,
        billedRequests: current.billedRequests + tally.billedRequests,
        wru: current.wru + tally.wru,
        rru: current.rru + tally.rru,
      });
    }
  }
  return merged;
}

/** Tallies scaled by `factor` (per 1,000 changes, per million...). */
export function scaleTallies(tallies: Tallies, factor: number): Tallies {
  return new Map(
    [...tallies].map(([key, t]) => [key, { calls: t.calls * factor, billedRequests: t.billedRequests * factor, wru: t.wru * factor, rru: t.rru * factor }]),
  );
}

function billing(service: Service, operation: string, input: AnyInput, output: AnyInput | undefined): Partial<OperationTally> & { calls: number } {
  if (service === 'DynamoDB') return { calls: 1, ...dynamodbUnits(operation, input, output) };
  return { calls: 1, billedRequests: chunks(messagingPayloadBytes(operation, input, output)) };
}

function chunks(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / BILLING_CHUNK_BYTES));
}

function messagingPayloadBytes(operation: string, input: AnyInput, output: AnyInput | undefined): number {
  const text = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  const attributes = (value: unknown) => (value ? Buffer.byteLength(JSON.stringify(value)) : 0);
  switch (operation) {
    case 'Publish':
    case 'SendMessage':
      return text(input['Message'] ?? input['MessageBody']) + attributes(input['MessageAttributes']);
    case 'PublishBatch':
    case 'SendMessageBatch': {
      const entries = (input['PublishBatchRequestEntries'] ?? input['Entries'] ?? []) as AnyInput[];
      return entries.reduce((sum, entry) => sum + text(entry['Message'] ?? entry['MessageBody']) + attributes(entry['MessageAttributes']), 0);
    }
    case 'ReceiveMessage': {
      const messages = (output?.['Messages'] ?? []) as AnyInput[];
      return messages.reduce((sum, message) => sum + text(message['Body']) + attributes(message['MessageAttributes']), 0);
    }
    default:
      return 0;
  }
}

function dynamodbUnits(operation: string, input: AnyInput, output: AnyInput | undefined): Partial<OperationTally> {
  const readFactor = (consistent: unknown) => (consistent === true ? 1 : 0.5);
  const readUnits = (item: unknown, consistent: unknown) => Math.max(1, Math.ceil(itemBytes(item) / 4096)) * readFactor(consistent);
  const writeUnits = (item: unknown) => Math.max(1, Math.ceil(itemBytes(item) / 1024));
  switch (operation) {
    case 'PutItem':
      return { wru: writeUnits(input['Item']) };
    case 'UpdateItem':
    case 'DeleteItem':
      return { wru: 1 };
    case 'GetItem':
      return { rru: readUnits(output?.['Item'], input['ConsistentRead']) };
    case 'BatchGetItem': {
      let rru = 0;
      const requested = (input['RequestItems'] ?? {}) as Record<string, { Keys?: unknown[]; ConsistentRead?: boolean }>;
      const responses = (output?.['Responses'] ?? {}) as Record<string, unknown[]>;
      const unprocessed = (output?.['UnprocessedKeys'] ?? {}) as Record<string, { Keys?: unknown[] }>;
      for (const [table, request] of Object.entries(requested)) {
        const found = responses[table] ?? [];
        const processed = (request.Keys?.length ?? 0) - (unprocessed[table]?.Keys?.length ?? 0);
        rru += found.reduce<number>((sum, item) => sum + readUnits(item, request.ConsistentRead), 0);
        rru += Math.max(0, processed - found.length) * readFactor(request.ConsistentRead); // keys with no item still cost a read
      }
      return { rru };
    }
    case 'BatchWriteItem': {
      let wru = 0;
      for (const requests of Object.values((input['RequestItems'] ?? {}) as Record<string, AnyInput[]>)) {
        for (const request of requests) {
          const put = request['PutRequest'] as { Item?: unknown } | undefined;
          wru += put ? writeUnits(put.Item) : 1;
        }
      }
      return { wru };
    }
    case 'Query':
    case 'Scan': {
      const items = (output?.['Items'] ?? []) as unknown[];
      const bytes = items.reduce<number>((sum, item) => sum + itemBytes(item), 0);
      return { rru: Math.max(1, Math.ceil(bytes / 4096)) * readFactor(input['ConsistentRead']) };
    }
    default:
      return {};
  }
}

const WIRE_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);

/** DynamoDB's item size: attribute names plus values, for plain (document client) or wire-format items. */
export function itemBytes(item: unknown): number {
  if (!item || typeof item !== 'object') return 0;
  return Object.entries(item as Record<string, unknown>).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);
}

function valueBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberBytes(String(value));
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, element) => sum + 1 + valueBytes(element), 0);
  if (value instanceof Set) return [...value].reduce<number>((sum, element) => sum + valueBytes(element), 0);
  const entries = Object.entries(value as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first && WIRE_TYPES.has(first[0])) return wireBytes(first[0], first[1]);
  return 3 + entries.reduce((sum, [name, element]) => sum + 1 + Buffer.byteLength(name) + valueBytes(element), 0);
}

function wireBytes(kind: string, value: unknown): number {
  switch (kind) {
    case 'S':
      return Buffer.byteLength(String(value));
    case 'N':
      return numberBytes(String(value));
    case 'M':
      return 3 + Object.entries(value as Record<string, unknown>).reduce((sum, [name, element]) => sum + 1 + Buffer.byteLength(name) + valueBytes(element), 0);
    case 'L':
      return 3 + (value as unknown[]).reduce<number>((sum, element) => sum + 1 + valueBytes(element), 0);
    case 'SS':
    case 'NS':
      return (value as string[]).reduce((sum, element) => sum + Buffer.byteLength(element), 0);
    default:
      return valueBytes(value);
  }
}

/** Numbers take about one byte per two significant digits, plus one. */
function numberBytes(text: string): number {
  const digits = text.replace(/[^0-9]/g, '').replace(/^0+/, '').length;
  return Math.ceil(Math.max(1, digits) / 2) + 1;
}
