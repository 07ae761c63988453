/**
 * The SQL of Postgres change capture (docs/cdc.md): quoting, the names of what the setup creates,
 * and the table names the relay and the source agree on.
 */

/** The schema holding everything change capture creates. */
export const CAPTURE_SCHEMA = 'freshindex';
/** The change table, fed by the triggers (`freshindex.freshindex_changes`). */
export const CHANGES_TABLE = `${CAPTURE_SCHEMA}.freshindex_changes`;
/** The latest captured seq of every row (`freshindex.freshindex_versions`). */
export const VERSIONS_TABLE = `${CAPTURE_SCHEMA}.freshindex_versions`;
/** The relay's checkpoint, one row per relay. */
export const CHECKPOINT_TABLE = `${CAPTURE_SCHEMA}.relay_checkpoint`;
/** Changes the relay could never publish, with the reason. */
export const REJECTED_TABLE = `${CAPTURE_SCHEMA}.relay_rejected`;
/** The trigger function every captured table calls. */
export const TRIGGER_FUNCTION = `${CAPTURE_SCHEMA}.capture_change`;
/** The trigger's name on each captured table. */
export const TRIGGER_NAME = 'freshindex_capture';

/** Quotes an SQL identifier (`"a""b"`). Throws on an empty name or a NUL character. */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.includes('\0')) throw new Error(`invalid SQL identifier ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes an SQL string literal (`'it''s'`), for `standard_conforming_strings = on` (the default). */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error(`invalid SQL literal ${JSON.stringify(value)}`);
  return `'${value.replaceAll("'", "''")}'`;
}

/** A table the config names: its schema (`public` when unqualified) and name. */
export interface TableName {
  schema: string;
  name: string;
}

/**
 * Splits `'schema.table'` or `'table'` (schema `public`). The name is taken as written, case and
 * all: `'Sales.Orders'` is the table `"Sales"."Orders"`.
 */
export function parseTableName(table: string): TableName {
  const dot = table.indexOf('.');
  return dot < 0 ? { schema: 'public', name: table } : { schema: table.slice(0, dot), name: table.slice(dot + 1) };
}

/** The name the change and versions tables store for a table: `schema.table`, unquoted. */
export function capturedName(table: string): string {
  const { schema, name } = parseTableName(table);
  return `${schema}.${name}`;
}

/** The quoted, qualified name of a table (`"public"."movies"`). */
export function quotedTable(table: string): string {
  const { schema, name } = parseTableName(table);
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}
