/**
 * Turns a row of the change table into a change event: INSERT and UPDATE into an upsert carrying
 * the new row (plus `freshindex_seq`), DELETE into a delete; the version is the change's seq.
 */
import { parseChangeEvent, type ChangeEvent } from '../events.ts';
import { describeError } from '../errors.ts';
import type { CapturedChange } from './ports.ts';

/** The field a captured document carries its seq in (the Postgres source adds it too). */
export const SEQ_FIELD = 'freshindex_seq';

/**
 * SNS takes 256 KiB a message. A document whose event would pass this is left out: the applier
 * then reads the row from the source.
 */
export const MAX_EVENT_BYTES = 250 * 1024;

/** An event, or why the change can never become one. */
export type Mapped = { event: ChangeEvent } | { reason: string };

/**
 * The event of one change. `eventOf` names the event type of a table (`schema.table`); a table it
 * does not know, an id the contract refuses, are reasons, not events.
 */
export function changeEvent(change: CapturedChange, eventOf: ReadonlyMap<string, string>): Mapped {
  const type = eventOf.get(change.tableName);
  if (!type) return { reason: `table ${change.tableName} is not in capture.postgres.tables` };
  const common = { type, id: change.recordId, version: change.seq, occurredAt: change.committedAt.toISOString() };
  const candidate: Record<string, unknown> =
    change.op === 'DELETE' ? { ...common, op: 'delete' } : { ...common, op: 'upsert', ...(change.newRow ? { doc: { ...change.newRow, [SEQ_FIELD]: change.seq } } : {}) };
  try {
    const event = parseChangeEvent(candidate);
    if (event.doc && byteLength(JSON.stringify(event)) > MAX_EVENT_BYTES) {
      const { doc: _tooLarge, ...withoutDoc } = event;
      return { event: withoutDoc };
    }
    return { event };
  } catch (error) {
    return { reason: describeError(error) };
  }
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}
