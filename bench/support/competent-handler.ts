/**
 * The competent baseline: what an engineer who knows DynamoDB and SQS writes without freshindex.
 * Batches of 10 records, handled concurrently; per record, the document from the event or one
 * source GET, then one conditional PutItem with the same version guard freshindex uses (through
 * the DynamoDB index store's `write`, one record per call). No collapsing of repeated edits in a
 * batch, no batched source reads, no catch-up log, no verify queue.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Runtime } from '../../lambdas/adapters/compose/index.ts';
import { parseChangeMessage } from '../../lambdas/core/events.ts';
import type { RecordWrite } from '../../lambdas/core/records.ts';
import { toUpsert } from '../../lambdas/core/transform.ts';
import { normalizeVersion } from '../../lambdas/core/version.ts';

/** The competent handler on `runtime`'s store, source and pointer cache (the ones the real handler uses). */
export function createCompetentHandler(runtime: Runtime): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (event) => {
    const outcomes = await Promise.all(
      event.Records.map(async (record) => {
        try {
          const change = parseChangeMessage(record.body);
          const type = runtime.types.get(change.type);
          if (!type) throw new Error(`unknown type ${change.type}`);
          const doc = change.doc ?? (change.op === 'upsert' ? await type.source.get(change.id) : undefined);
          const { active } = await runtime.pointers.get(change.type);
          const write: RecordWrite | undefined = doc ? toUpsert(type.config, change.id, doc) : deleteAt(change.id, change.version);
          // A delete without a version cannot be guarded: a competent engineer reads it again later; here it is a failure.
          if (!write) throw new Error(`delete of ${change.id} without a version`);
          await runtime.records.write(change.type, active, [write]);
          return undefined;
        } catch {
          return { itemIdentifier: record.messageId };
        }
      }),
    );
    return { batchItemFailures: outcomes.filter((outcome) => outcome !== undefined) };
  };
}

function deleteAt(id: string, version: number | string | undefined): RecordWrite | undefined {
  if (version === undefined) return undefined;
  const normalized = normalizeVersion(version);
  return normalized.ok ? { kind: 'delete', id, version: normalized.version } : undefined;
}
