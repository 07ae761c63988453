/**
 * The Feast side of the Feast row (bench/feast.ts), as plain data: the rows Feast materializes
 * and the feature repository it materializes them from. Nothing here touches Python, a file or
 * Redis; bench/support/feast/venv.ts and feast_bench.py do.
 *
 * The rows are the documents freshindex's Redis load takes (bench/rebuild.ts `generated`), with
 * the fields the bench's transform keeps (title, tags, score) as Feast features and the same ids
 * as Feast's entity key. `v` and `body` stay in the Parquet file, as in the source documents, but
 * no feature reads them, as the transform drops them.
 */

/** The version of Feast the row measures: the one issue #10 measured. */
export const FEAST_VERSION = '0.67.0';

/** The fields the freshindex transform keeps, and the Feast features of the view. */
export const FEATURES = [
  { name: 'title', dtype: 'String' },
  { name: 'tags', dtype: 'Array(String)' },
  { name: 'score', dtype: 'Int64' },
] as const;

/** Every row's event time: inside the materialize window, the same for every row. */
export const EVENT_TIME = '2026-01-01T00:00:00Z';

/** The window `feast materialize` is given: one day either side of the rows' event time. */
export const MATERIALIZE_WINDOW = { start: '2025-12-31T00:00:00Z', end: '2026-01-02T00:00:00Z' } as const;

/** One row of the Parquet file: the source document and its event time. */
export type FeastRow = Record<string, unknown> & { id: string; event_timestamp: string };

/** The Parquet rows of `docs`: each document as it is, plus the event time Feast needs. */
export function feastRows(docs: ReadonlyArray<Record<string, unknown>>): FeastRow[] {
  return docs.map((doc) => {
    if (typeof doc['id'] !== 'string') throw new Error(`a document without a string id cannot be a Feast entity: ${JSON.stringify(doc).slice(0, 80)}`);
    return { ...doc, id: doc['id'], event_timestamp: EVENT_TIME };
  });
}

/** Where the feature repository's files go, relative to its folder. */
export const REPO_FILES = { config: 'feature_store.yaml', definitions: 'definitions.py', parquet: 'data/items.parquet', registry: 'data/registry.db' } as const;

/**
 * feature_store.yaml: the local provider, a file offline store, and Feast's Redis online store
 * with its defaults (no key TTL, the default batch engine) on `redis` (host:port). Without
 * `onlineWriteBatchSize` Feast writes all rows in one batch (its default); with it, in batches of
 * that many rows (`materialization.online_write_batch_size`).
 */
export function featureStoreYaml(project: string, redis: { host: string; port: number }, onlineWriteBatchSize?: number): string {
  const batching = onlineWriteBatchSize === undefined ? [] : ['materialization:', `  online_write_batch_size: ${onlineWriteBatchSize}`];
  return [
    `project: ${project}`,
    `registry: ${REPO_FILES.registry}`,
    'provider: local',
    'offline_store:',
    '  type: file',
    'online_store:',
    '  type: redis',
    `  connection_string: "${redis.host}:${redis.port}"`,
    'entity_key_serialization_version: 3',
    ...batching,
    '',
  ].join('\n');
}

/** definitions.py: the `item` entity keyed by `id`, a FileSource on the Parquet file, one FeatureView. */
export function definitionsPy(): string {
  const fields = FEATURES.map((feature) => `        Field(name="${feature.name}", dtype=${feature.dtype}),`);
  return [
    'from datetime import timedelta',
    'from pathlib import Path',
    '',
    'from feast import Entity, FeatureView, Field, FileSource, ValueType',
    'from feast.types import Array, Int64, String',
    '',
    'item = Entity(name="item", join_keys=["id"], value_type=ValueType.STRING)',
    '',
    'items_source = FileSource(',
    '    name="items_source",',
    `    path=str(Path(__file__).parent / "${REPO_FILES.parquet}"),`,
    '    timestamp_field="event_timestamp",',
    ')',
    '',
    'items = FeatureView(',
    '    name="items",',
    '    entities=[item],',
    '    ttl=timedelta(days=3650),',
    '    schema=[',
    ...fields,
    '    ],',
    '    online=True,',
    '    source=items_source,',
    ')',
    '',
  ].join('\n');
}
