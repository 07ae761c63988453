import { describe, expect, it } from 'vitest';
import {
  captureStreamRecords,
  mapStreamRecord,
  streamCaptureTargets,
  type DynamodbStreamRecord,
  type RefusedRecord,
  type StreamCaptureTarget,
} from '../../../lambdas/core/capture/dynamodb-stream.ts';
import { validateConfig } from '../../../lambdas/core/config/index.ts';
import { ConfigError } from '../../../lambdas/core/errors.ts';
import type { ChangeEvent } from '../../../lambdas/core/events.ts';

const target: StreamCaptureTarget = { type: 'product', tableName: 'cms-products', event: 'product', keyAttribute: 'sku', versionAttribute: 'rev' };
const ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/cms-products/stream/2026-12-01T00:00:00.000';

function record(eventName: string, images: { keys?: Record<string, unknown>; next?: Record<string, unknown>; old?: Record<string, unknown> }, eventID = 'e-1'): DynamodbStreamRecord {
  return {
    eventID,
    eventName,
    eventSourceARN: ARN,
    dynamodb: {
      Keys: (images.keys ?? { sku: { S: 'p-1' } }) as never,
      ...(images.next ? { NewImage: images.next as never } : {}),
      ...(images.old ? { OldImage: images.old as never } : {}),
      SequenceNumber: '4421584500000000017450439091',
      ApproximateCreationDateTime: 1_795_255_200,
    },
  };
}

describe('DynamoDB stream record mapping', () => {
  it('turns an INSERT into an upsert with the key as id, the attribute as version and no document', () => {
    const mapped = mapStreamRecord(target, record('INSERT', { next: { sku: { S: 'p-1' }, rev: { N: '3' }, title: { S: 'Lamp' } } }));
    expect(mapped).toEqual({ ok: true, event: { type: 'product', id: 'p-1', op: 'upsert', version: '3', occurredAt: '2026-11-21T10:00:00.000Z' } });
  });

  it('turns a REMOVE into a delete versioned from the old image', () => {
    const mapped = mapStreamRecord(target, record('REMOVE', { old: { sku: { S: 'p-1' }, rev: { N: '4' } } }));
    expect(mapped).toMatchObject({ ok: true, event: { type: 'product', id: 'p-1', op: 'delete', version: '4' } });
    expect(mapped.ok && 'doc' in mapped.event).toBe(false);
  });

  it('sends a REMOVE without an old image as an unversioned delete, so the applier asks the table', () => {
    const mapped = mapStreamRecord(target, record('REMOVE', {}));
    expect(mapped).toEqual({ ok: true, event: expect.objectContaining({ id: 'p-1', op: 'delete' }) });
    expect(mapped.ok && mapped.event.version).toBeUndefined();
  });

  it('refuses a record whose image lacks the version attribute, naming the attribute and the record', () => {
    const mapped = mapStreamRecord(target, record('MODIFY', { next: { sku: { S: 'p-1' }, title: { S: 'Lamp' } } }, 'e-9'));
    expect(mapped).toEqual({ ok: false, type: 'product', id: 'p-1', reason: expect.stringContaining('stream record e-9 of table cms-products: its NewImage has no string or number attribute "rev"') });
  });

  it('refuses a version the guard cannot compare, with the version rule’s reason', () => {
    const mapped = mapStreamRecord(target, record('MODIFY', { next: { sku: { S: 'p-1' }, rev: { N: '12345678901234567890' } } }));
    expect(mapped).toMatchObject({ ok: false, reason: expect.stringMatching(/version attribute "rev": .*past 2\^53 - 1/) });
  });

  it('refuses an upsert from a keys-only stream when a version attribute is configured, saying which view type to set', () => {
    const mapped = mapStreamRecord(target, record('INSERT', {}));
    expect(mapped).toMatchObject({ ok: false, reason: expect.stringContaining('NEW_AND_OLD_IMAGES') });
  });

  it('refuses a record whose keys lack the key attribute', () => {
    const mapped = mapStreamRecord(target, record('INSERT', { keys: { id: { S: 'p-1' } } }));
    expect(mapped).toMatchObject({ ok: false, reason: expect.stringContaining('no string or number attribute "sku" (the source\'s keyAttribute)') });
  });

  it('publishes unversioned upserts when the capture names no version attribute, keys-only streams included', () => {
    const mapped = mapStreamRecord({ ...target, versionAttribute: undefined, event: 'catalog-change' }, record('MODIFY', { keys: { sku: { N: '42' } } }));
    expect(mapped).toEqual({ ok: true, event: expect.objectContaining({ type: 'catalog-change', id: '42', op: 'upsert' }) });
  });
});

describe('DynamoDB stream capture of a batch', () => {
  function ports(refusedIndexes: readonly number[] = []) {
    const published: ChangeEvent[] = [];
    const dead: RefusedRecord[] = [];
    return {
      published,
      dead,
      ports: {
        publish: async (events: readonly ChangeEvent[]) => {
          published.push(...events);
          return refusedIndexes;
        },
        deadLetter: async (_record: DynamodbStreamRecord, refused: RefusedRecord) => {
          dead.push(refused);
        },
      },
    };
  }

  it('dead-letters the record that cannot map and still publishes its neighbours', async () => {
    const sink = ports();
    const records = [record('INSERT', { next: { sku: { S: 'a' }, rev: { N: '1' } }, keys: { sku: { S: 'a' } } }), record('MODIFY', { next: { sku: { S: 'b' } }, keys: { sku: { S: 'b' } } }), record('REMOVE', { keys: { sku: { S: 'c' } } })];
    const result = await captureStreamRecords([target], records, sink.ports);
    expect(sink.published.map((event) => `${event.op}:${event.id}`)).toEqual(['upsert:a', 'delete:c']);
    expect(sink.dead).toEqual([expect.objectContaining({ id: 'b', reason: expect.stringContaining('"rev"') })]);
    expect(result).toEqual({ published: 2, deadLettered: 1, firstFailed: undefined, error: undefined });
  });

  it('reports the first record whose event the topic refused, so it and those after it are read again', async () => {
    const sink = ports([1]);
    const records = ['a', 'b', 'c'].map((sku) => record('INSERT', { keys: { sku: { S: sku } }, next: { sku: { S: sku }, rev: { N: '1' } } }));
    const result = await captureStreamRecords([target], records, sink.ports);
    expect(result).toMatchObject({ published: 2, firstFailed: 1 });
  });

  it('leaves the dead letters of records after the first failed one to the retry, so none is sent twice', async () => {
    const sink = ports([0]);
    const records = [record('INSERT', { keys: { sku: { S: 'a' } }, next: { sku: { S: 'a' }, rev: { N: '1' } } }), record('INSERT', { keys: { sku: { S: 'b' } }, next: { sku: { S: 'b' } } })];
    const result = await captureStreamRecords([target], records, sink.ports);
    expect(result).toMatchObject({ published: 0, deadLettered: 0, firstFailed: 0 });
    expect(sink.dead).toEqual([]);
  });

  it('skips records of a table no type captures', async () => {
    const sink = ports();
    const result = await captureStreamRecords([{ ...target, tableName: 'other' }], [record('INSERT', { next: { rev: { N: '1' } } })], sink.ports);
    expect(result).toMatchObject({ published: 0, deadLettered: 0 });
    expect(sink.published).toEqual([]);
  });
});

describe('capture config', () => {
  const product = (capture: unknown) => ({ name: 'product', source: { type: 'dynamodb', tableName: 'cms-products', keyAttribute: 'sku', capture }, transform: (doc: object) => doc, version: () => 1 });

  it('makes a target per captured DynamoDB source, the event defaulting to the type', () => {
    const config = validateConfig({ types: [product({ version: { attribute: 'rev' } })] });
    expect(streamCaptureTargets(config)).toEqual([{ type: 'product', tableName: 'cms-products', event: 'product', keyAttribute: 'sku', versionAttribute: 'rev' }]);
  });

  it("refuses version 'sequence' with the reason and what to write instead", () => {
    let error: unknown;
    try {
      validateConfig({ types: [product({ version: 'sequence' })] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^types\[0\]\(product\)\.source\.capture\.version: 'sequence' is not offered: .*40 digits.*attribute: 'updatedAt'/)]);
  });
});
