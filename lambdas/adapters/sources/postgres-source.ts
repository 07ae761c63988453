/**
 * A PostgreSQL table (or view) holding the documents, one row per resource, keyed by a single
 * primary-key column, as a `Source`: documents are rows as JSON (`to_jsonb`), read by key with
 * `= ANY($1)`, scanned by keyset on the key in hash segments (docs/sources.md).
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SourceError } from '../../core/errors.ts';
import type { PostgresSourceConfig } from '../../core/config/postgres.ts';
import type { ScanOptions, Source, SourceDoc } from '../../core/ports.ts';
import { PostgresPools, translatePgError } from '../postgres/connection.ts';
import { readInChunks } from './documents.ts';
import { withRetries, type BackoffOptions } from './retry.ts';
import { checkSegment } from './segments.ts';

/** Ids per `= ANY($1)` query of `getMany`. */
const IDS_PER_QUERY = 1_000;
/** Rows per scan page when neither the config nor the caller says. */
const DEFAULT_PAGE_SIZE = 500;
/** Retries of a retryable failure (a lost connection, a serialization failure) inside one call. */
const RETRIES = 3;

/** What a Postgres source takes from outside. */
export interface PostgresSourceOptions {
  /**
   * The process's pools, shared by every source on the same connection (the runtime's, closed
   * at its shutdown). Default: pools of this source's own, opened with `secrets` and `env` and
   * ended by `close()`.
   */
  pools?: PostgresPools | undefined;
  /** Reads `connection.secretId` (for the source's own pools). */
  secrets?: SecretsManagerClient | (() => SecretsManagerClient) | undefined;
  /** The environment `connection.env` is looked up in (for the source's own pools). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Backoff tuning of the retries. */
  backoff?: BackoffOptions | undefined;
}

interface Row {
  id: string;
  doc: SourceDoc;
}

/** Quotes an SQL identifier. */
const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
/** Quotes an SQL string literal. */
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * Reads documents from a PostgreSQL table. A scan pages by keyset (`key > last key`, in key
 * order), one statement a page, so it is stable: every row that exists from its start to its end
 * is returned, whatever is inserted or deleted meanwhile. Segments are a hash partition of the
 * key (`hashtext(key::text)` modulo the count): the same in every process, whatever the table
 * holds. With `captured: true` every document carries `freshindex_seq` from
 * `freshindex.freshindex_versions` (0 when the row has no captured change).
 *
 * @example
 * const source = new PostgresSource({ type: 'postgres', table: 'catalog.products', keyColumn: 'sku', connection: { env: 'CATALOG_DB_URL' }, captured: false }, { env: process.env });
 */
export class PostgresSource implements Source {
  /** Scan pages continue after the last key read (keyset), never at an offset. */
  readonly stableScan = true;
  private readonly pools: PostgresPools;
  private readonly ownsPools: boolean;
  private readonly sql: ReturnType<typeof statements>;

  constructor(
    private readonly config: PostgresSourceConfig,
    private readonly options: PostgresSourceOptions = {},
  ) {
    this.ownsPools = options.pools === undefined;
    this.pools = options.pools ?? new PostgresPools({ secrets: options.secrets, env: options.env });
    this.sql = statements(config);
  }

  async get(id: string): Promise<SourceDoc | undefined> {
    return (await this.readIds([id]))[0]?.doc;
  }

  async getMany(ids: readonly string[]): Promise<Map<string, SourceDoc>> {
    return readInChunks(ids, IDS_PER_QUERY, async (chunk) => (await this.readIds(chunk)).map((row) => [row.id, row.doc] as const), {
      context: { table: this.config.table },
    });
  }

  async *scan(options: ScanOptions): AsyncIterable<SourceDoc[]> {
    checkSegment(options);
    const limit = this.config.pageSize ?? options.pageSize ?? DEFAULT_PAGE_SIZE;
    let cursor: string | undefined;
    for (;;) {
      const text = cursor === undefined ? this.sql.firstPage(options, limit) : this.sql.nextPage(options, limit);
      const rows = await this.query<Row & { cursor: string }>(text, cursor === undefined ? [] : [cursor], options.signal);
      if (rows.length > 0) yield rows.map((row) => row.doc);
      if (rows.length < limit) return;
      cursor = (rows[rows.length - 1] as { cursor: string }).cursor;
    }
  }

  /**
   * The planner's estimate of the table's rows: `pg_class.reltuples` scaled to the table's current
   * size, as the planner does. Unknown (`undefined`) before the table was first analyzed or vacuumed.
   */
  async estimateCount(): Promise<number | undefined> {
    const rows = await this.query<{ estimate: number | null }>(this.sql.estimate, [this.sql.table]);
    const estimate = rows[0]?.estimate;
    return estimate === null || estimate === undefined ? undefined : Math.round(estimate);
  }

  /** Ends the pools the source opened itself (never shared ones). */
  async close(): Promise<void> {
    if (this.ownsPools) await this.pools.close();
  }

  /**
   * The rows of `ids`. An id the key column's type cannot hold (`abc` for an integer key) fails
   * the whole statement: the ids are then read one by one and such an id is simply not found.
   */
  private async readIds(ids: readonly string[]): Promise<Row[]> {
    try {
      return await this.query<Row>(this.sql.byIds, [ids]);
    } catch (error) {
      if (!isBadKeyInput(error)) throw error;
      if (ids.length === 1) return [];
      return (await Promise.all(ids.map((id) => this.readIds([id])))).flat();
    }
  }

  /** One statement, retried on retryable failures, its errors translated. */
  private async query<T extends object>(text: string, values: unknown[], signal?: AbortSignal): Promise<T[]> {
    const context = { table: this.config.table };
    return withRetries(
      async () => {
        signal?.throwIfAborted();
        try {
          const pool = await this.pools.pool(this.config.connection);
          return (await pool.query<T>(text, values)).rows;
        } catch (error) {
          throw translatePgError(error, context);
        }
      },
      { ...this.options.backoff, retries: RETRIES, signal },
    );
  }
}

/** A statement that failed on an id the key's type cannot parse (SQLSTATE class 22, data exception). */
function isBadKeyInput(error: unknown): boolean {
  return error instanceof SourceError && !error.retryable && String(error.context['code'] ?? '').startsWith('22');
}

/** The SQL of a source: identifiers quoted once, here. */
function statements(config: PostgresSourceConfig) {
  const dot = config.table.indexOf('.');
  const schema = dot < 0 ? 'public' : config.table.slice(0, dot);
  const name = dot < 0 ? config.table : config.table.slice(dot + 1);
  const table = `${ident(schema)}.${ident(name)}`;
  const key = `t.${ident(config.keyColumn)}`;
  // The id as the capture trigger stores it (`to_jsonb(row) ->> key`), so captured versions join on it.
  const id = `(jsonb_build_object('k', ${key}) ->> 'k')`;
  const row = config.columns ? `(SELECT to_jsonb(c) FROM (SELECT ${config.columns.map((column) => `t.${ident(column)}`).join(', ')}) c)` : 'to_jsonb(t)';
  const doc = config.captured ? `${row} || jsonb_build_object('freshindex_seq', coalesce(v.seq, 0))` : row;
  const versions = config.captured
    ? `LEFT JOIN freshindex.freshindex_versions v ON v.table_name = ${literal(`${schema}.${name}`)} AND v.record_id = ${id}`
    : '';
  const segmentOf = ({ segment, totalSegments }: ScanOptions) =>
    totalSegments === 1 ? 'TRUE' : `(hashtext(${key}::text) & 2147483647) % ${totalSegments} = ${segment}`;
  // The page's keys first (an index-only scan of the primary key when the table is vacuumed), then its rows.
  const page = (where: string, limit: number) =>
    `WITH page AS (SELECT ${key} AS fi_key FROM ${table} t WHERE ${where} ORDER BY 1 LIMIT ${limit}) ` +
    `SELECT ${key}::text AS cursor, ${id} AS id, ${doc} AS doc FROM page JOIN ${table} t ON ${key} = page.fi_key ${versions} ORDER BY page.fi_key`;
  return {
    table,
    byIds: `SELECT ${id} AS id, ${doc} AS doc FROM ${table} t ${versions} WHERE ${key} = ANY($1)`,
    firstPage: (options: ScanOptions, limit: number) => page(segmentOf(options), limit),
    nextPage: (options: ScanOptions, limit: number) => page(`${key} > $1 AND ${segmentOf(options)}`, limit),
    estimate:
      `SELECT CASE WHEN c.reltuples < 0 OR (c.relpages = 0 AND p.pages > 0) THEN NULL WHEN c.relpages = 0 THEN 0 ` +
      `ELSE c.reltuples / c.relpages * p.pages END AS estimate ` +
      `FROM pg_class c, LATERAL (SELECT pg_relation_size(c.oid) / current_setting('block_size')::int AS pages) p WHERE c.oid = $1::regclass`,
  };
}
