/**
 * DynamoDB Streams capture: a stream record of a captured table becomes a change event, or a
 * dead letter with its reason. One mapping for both paths: the capture function on AWS (records
 * of a Lambda event) and the local runtime's poller (records of GetRecords), so the two publish
 * the same events (docs/cdc.md, "DynamoDB Streams").
 *
 * Events carry no document: a stream image is DynamoDB JSON of the item, not the document the
 * source returns, so the applier reads the table (a consistent read) for every upsert.
 */
import type { FreshindexConfig } from '../config/index.ts';
import { describeError } from '../errors.ts';
import { parseChangeEvent, type ChangeEvent } from '../events.ts';
import { normalizeVersion } from '../version.ts';

/** One DynamoDB attribute value as a stream record carries it (only scalars are read here). */
export interface StreamAttributeValue {
  S?: string | undefined;
  N?: string | undefined;
  [other: string]: unknown;
}

type Image = Record<string, StreamAttributeValue>;

/** A stream record, as a Lambda event or GetRecords hands it over (the fields read here). */
export interface DynamodbStreamRecord {
  eventID?: string | undefined;
  eventName?: string | undefined;
  /** `arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL` (Lambda events; GetRecords leaves it out). */
  eventSourceARN?: string | undefined;
  dynamodb?:
    | {
        Keys?: Image | undefined;
        NewImage?: Image | undefined;
        OldImage?: Image | undefined;
        SequenceNumber?: string | undefined;
        /** Epoch seconds in a Lambda event, a `Date` from the SDK. */
        ApproximateCreationDateTime?: number | Date | undefined;
      }
    | undefined;
}

/** A type whose DynamoDB source is captured, as the mapping needs it. */
export interface StreamCaptureTarget {
  /** The type whose source the table is. */
  type: string;
  tableName: string;
  /** The change event type the records become. */
  event: string;
  keyAttribute: string;
  versionAttribute?: string | undefined;
}

/** What became of one stream record for one target. */
export type StreamMapping = { ok: true; event: ChangeEvent } | { ok: false; reason: string; type: string; id?: string | undefined };

/** The captured DynamoDB sources of a config, one target per type. */
export function streamCaptureTargets(config: FreshindexConfig): StreamCaptureTarget[] {
  return config.types.flatMap((type) => {
    const source = type.source;
    if (source.type !== 'dynamodb' || !source.capture) return [];
    const { capture } = source;
    return [{ type: type.name, tableName: source.tableName, event: capture.event ?? type.name, keyAttribute: source.keyAttribute, versionAttribute: capture.version?.attribute }];
  });
}

/** The table a stream ARN belongs to, or `undefined` when it is not one. */
export function tableOfStreamArn(arn: string | undefined): string | undefined {
  return arn ? /:table\/([^/]+)\/stream\//.exec(arn)?.[1] : undefined;
}

/**
 * Maps one stream record: INSERT and MODIFY become an upsert, REMOVE a delete, each with the id
 * from the record's key and, when the target names one, the version from the item's new image
 * (old image for a delete). A record that cannot become a valid event is refused with the reason,
 * never thrown: a dead letter, while its neighbours go on.
 */
export function mapStreamRecord(target: StreamCaptureTarget, record: DynamodbStreamRecord): StreamMapping {
  const refuse = (reason: string, id?: string): StreamMapping => ({ ok: false, reason: `stream record ${record.eventID ?? '(no eventID)'} of table ${target.tableName}: ${reason}`, type: target.event, id });
  const op = record.eventName === 'REMOVE' ? 'delete' : record.eventName === 'INSERT' || record.eventName === 'MODIFY' ? 'upsert' : undefined;
  if (!op) return refuse(`eventName ${JSON.stringify(record.eventName)} is none of INSERT, MODIFY, REMOVE`);
  const id = scalar(record.dynamodb?.Keys?.[target.keyAttribute]);
  if (id === undefined) return refuse(`its Keys carry no string or number attribute "${target.keyAttribute}" (the source's keyAttribute)`);
  const version = versionOf(target, op, record);
  if (!version.ok) return refuse(version.reason, id);
  try {
    const occurredAt = occurredAtOf(record.dynamodb?.ApproximateCreationDateTime);
    const event = parseChangeEvent({ type: target.event, id, op, ...(version.value === undefined ? {} : { version: version.value }), ...(occurredAt ? { occurredAt } : {}) });
    return { ok: true, event };
  } catch (error) {
    return refuse(describeError(error), id);
  }
}

function versionOf(target: StreamCaptureTarget, op: 'upsert' | 'delete', record: DynamodbStreamRecord): { ok: true; value?: string } | { ok: false; reason: string } {
  const attribute = target.versionAttribute;
  if (attribute === undefined) return { ok: true };
  const imageName = op === 'upsert' ? 'NewImage' : 'OldImage';
  const image = record.dynamodb?.[imageName];
  if (!image) {
    // Without an old image a delete goes unversioned: the applier asks the table whether the item is gone.
    if (op === 'delete') return { ok: true };
    return { ok: false, reason: `it carries no NewImage, so no version attribute "${attribute}": set the table's StreamViewType to NEW_IMAGE or NEW_AND_OLD_IMAGES, or leave capture.version out` };
  }
  const value = scalar(image[attribute]);
  if (value === undefined) return { ok: false, reason: `its ${imageName} has no string or number attribute "${attribute}" (capture.version.attribute): every write must set it` };
  const normalized = normalizeVersion(value);
  return normalized.ok ? { ok: true, value } : { ok: false, reason: `version attribute "${attribute}": ${normalized.reason}` };
}

function scalar(value: StreamAttributeValue | undefined): string | undefined {
  if (typeof value?.S === 'string' && value.S !== '') return value.S;
  return typeof value?.N === 'string' ? value.N : undefined;
}

function occurredAtOf(value: number | Date | undefined): string | undefined {
  const time = value instanceof Date ? value.getTime() : typeof value === 'number' ? value * 1000 : NaN;
  return Number.isFinite(time) ? new Date(time).toISOString() : undefined;
}

/** A refused record, as a dead letter carries it. */
export type RefusedRecord = Extract<StreamMapping, { ok: false }>;

/** Where {@link captureStreamRecords} sends what it made of the records. */
export interface StreamCapturePorts {
  /** Publishes the events to the change topic; resolves with the indexes (into `events`) the topic refused. */
  publish(events: readonly ChangeEvent[]): Promise<readonly number[]>;
  /** Keeps a record that can never become an event, with its reason. */
  deadLetter(record: DynamodbStreamRecord, refused: RefusedRecord): Promise<void>;
}

/** What {@link captureStreamRecords} did with a batch of records. */
export interface StreamCaptureResult {
  published: number;
  deadLettered: number;
  /**
   * The first record (by position) not fully handled: an event of it was refused by the topic, or
   * its dead letter could not be sent. It and every record after it must be read again (the
   * version guard makes the republished ones harmless); `undefined` when all were handled.
   */
  firstFailed?: number | undefined;
  /** Why the first failed record failed. */
  error?: string | undefined;
}

/**
 * Maps a batch of one shard's records (each for every target of its table) and publishes the
 * events, dead-lettering the records that cannot become one. Records of a table no target
 * captures are skipped.
 *
 * @param tableName - the records' table, when they do not name it (`eventSourceARN`)
 */
export async function captureStreamRecords(targets: readonly StreamCaptureTarget[], records: readonly DynamodbStreamRecord[], ports: StreamCapturePorts, tableName?: string): Promise<StreamCaptureResult> {
  const events: ChangeEvent[] = [];
  const origin: number[] = [];
  const refused: Array<{ index: number; refused: RefusedRecord }> = [];
  records.forEach((record, index) => {
    const table = tableName ?? tableOfStreamArn(record.eventSourceARN);
    for (const target of targets.filter((candidate) => candidate.tableName === table)) {
      const mapped = mapStreamRecord(target, record);
      if (mapped.ok) {
        events.push(mapped.event);
        origin.push(index);
      } else refused.push({ index, refused: mapped });
    }
  });
  const failures: Array<{ index: number; error: string }> = [];
  let rejected: readonly number[] = [];
  if (events.length > 0) {
    try {
      rejected = await ports.publish(events);
    } catch (error) {
      rejected = events.map((_, index) => index);
      failures.push({ index: origin[0] as number, error: describeError(error) });
    }
  }
  for (const index of rejected) failures.push({ index: origin[index] as number, error: 'the change topic refused the event' });
  let deadLettered = 0;
  // Records from the first failed one on are read again: dead-letter them then, not twice.
  const cutoff = Math.min(Infinity, ...failures.map((failure) => failure.index));
  for (const { index, refused: why } of refused.filter((candidate) => candidate.index < cutoff)) {
    try {
      await ports.deadLetter(records[index] as DynamodbStreamRecord, why);
      deadLettered++;
    } catch (error) {
      failures.push({ index, error: `dead-lettering failed: ${describeError(error)}` });
    }
  }
  const first = failures.sort((a, b) => a.index - b.index)[0];
  return { published: events.length - rejected.length, deadLettered, firstFailed: first?.index, error: first?.error };
}
