/**
 * The naive baseline the benchmark compares against: what a first version of the apply function
 * usually looks like. One message per invocation; for each record, read the document (from the
 * event, else one source GET), read the stored record (GetItem, strongly consistent), decide in
 * code, then write it with an unconditional PutItem. No collapsing, no batching, no conditional
 * write (so it is also racy: two concurrent invocations can let an older version win).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Runtime } from '../../lambdas/adapters/compose/index.ts';
import { recordFromItem, recordToItem } from '../../lambdas/adapters/dynamodb/index-store.ts';
import { parseChangeMessage } from '../../lambdas/core/events.ts';
import { guard, toStoredRecord, type RecordWrite } from '../../lambdas/core/records.ts';
import { toUpsert } from '../../lambdas/core/transform.ts';
import { normalizeVersion } from '../../lambdas/core/version.ts';
import { recordKey } from '../../lambdas/adapters/dynamodb/keys.ts';

/** The naive handler on `runtime`'s tables, source and pointer cache (the same ones the real handler uses). */
export function createNaiveHandler(runtime: Runtime, dynamodb: DynamoDBClient): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const { settings } = runtime;
  const documentClient = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  return async (event) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        const change = parseChangeMessage(record.body);
        const type = runtime.types.get(change.type);
        if (!type) throw new Error(`unknown type ${change.type}`);
        const doc = change.doc ?? (change.op === 'upsert' ? await type.source.get(change.id) : undefined);
        const { active } = await runtime.pointers.get(change.type);
        const key = recordKey(change.type, active, change.id);
        const { Item } = await documentClient.send(new GetCommand({ TableName: settings.indexTable, Key: key, ConsistentRead: true }));
        const stored = Item ? recordFromItem(Item) : undefined;
        const write: RecordWrite = doc
          ? toUpsert(type.config, change.id, doc)
          : { kind: 'delete', id: change.id, version: eventVersion(change.version) ?? stored?.version ?? 0 };
        if (guard(stored, write) !== 'written') continue;
        const item = recordToItem(toStoredRecord(change.type, active, write, runtime.clock(), runtime.config.tombstoneTtlSeconds));
        await documentClient.send(new PutCommand({ TableName: settings.indexTable, Item: item }));
      } catch {
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

function eventVersion(version: number | string | undefined): number | undefined {
  if (version === undefined) return undefined;
  const normalized = normalizeVersion(version);
  return normalized.ok ? normalized.version : undefined;
}
