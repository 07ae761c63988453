/**
 * The config of a PostgreSQL connection (the Postgres table source, the change-capture relay)
 * and of the Postgres table source. Credentials never sit in the config: they come from a
 * Secrets Manager secret or an environment variable.
 */
import { z } from 'zod';

/**
 * How to reach a PostgreSQL database: exactly one of `secretId` (AWS Secrets Manager, the RDS
 * secret format) or `env` (an environment variable holding a `postgres://` URL).
 */
export const postgresConnectionSchema = z
  .object({
    /**
     * A Secrets Manager secret (ARN or name) in the RDS format: a JSON string
     * `{ "host", "port", "username", "password", "dbname" }` (`port` defaults to 5432, `dbname`
     * to `postgres`). The password is read again when the secret is rotated.
     */
    secretId: z.string().min(1).optional(),
    /** An environment variable holding a `postgres://user:password@host:port/db` URL (local runs, CI). */
    env: z.string().min(1).optional(),
    /**
     * TLS: `require` encrypts without checking the server's certificate, `verify-full` also checks
     * it against the system's CAs and the host name, `disable` sends in clear (local servers).
     * @default 'require' with a secret; with `env`, what the URL's `sslmode` says (none: `disable`)
     */
    ssl: z.enum(['require', 'verify-full', 'disable'], { message: "must be 'require', 'verify-full' or 'disable'" }).optional(),
    /** Connections the pool opens at most, per process. @default 4 */
    maxConnections: z.number().int().min(1).max(100).optional(),
  })
  .strict()
  .refine((connection) => (connection.secretId === undefined) !== (connection.env === undefined), {
    message: 'set exactly one of secretId or env',
  });

/** A validated Postgres connection config. */
export type PostgresConnectionConfig = z.output<typeof postgresConnectionSchema>;

const TABLE_MESSAGE = "must be 'table' or 'schema.table'";
const identifier = z.string().min(1).max(63).regex(/^[^"\0]+$/, { message: 'must be a column name without double quotes' });

/**
 * A PostgreSQL table holding the documents, one row per resource, read by its primary key
 * (docs/sources.md). A document is the row as JSON (`to_jsonb`).
 */
export const postgresSourceSchema = z
  .object({
    type: z.literal('postgres'),
    /** `'schema.table'` or `'table'` (schema `public`), as written (case-sensitive); a view works too. */
    table: z.string().regex(/^[^.\s"\0]+(\.[^.\s"\0]+)?$/, { message: TABLE_MESSAGE }),
    /** The primary key column (a single column, unique and indexed), holding the resource id. */
    keyColumn: identifier.default('id'),
    /** The columns a document carries (they must include `keyColumn`). Default: every column. */
    columns: z.array(identifier).min(1).optional(),
    connection: postgresConnectionSchema,
    /**
     * The table is captured by `freshindex cdc postgres init`: every document carries
     * `freshindex_seq`, the sequence number of its latest captured change (0 when none), so
     * `version: (doc) => doc.freshindex_seq` agrees with the relay's events.
     */
    captured: z.boolean({ message: 'must be true or false' }).default(false),
    /** Rows per page of a scan. Default: the rebuild's page size. */
    pageSize: z.number().int().min(1).max(10_000).optional(),
  })
  .strict()
  .refine((source) => source.columns === undefined || source.columns.includes(source.keyColumn), {
    message: 'columns must include the key column',
    path: ['columns'],
  });

/** A validated Postgres source config. */
export type PostgresSourceConfig = z.output<typeof postgresSourceSchema>;
