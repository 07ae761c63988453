/**
 * The setup SQL of Postgres change capture, as `freshindex cdc postgres init` prints or applies it.
 * Idempotent: run it again after adding a table to the config.
 */
import {
  CAPTURE_SCHEMA,
  CHANGES_TABLE,
  CHECKPOINT_TABLE,
  REJECTED_TABLE,
  TRIGGER_FUNCTION,
  TRIGGER_NAME,
  VERSIONS_TABLE,
  quoteIdent,
  quoteLiteral,
  quotedTable,
} from './sql.ts';

/** A table to capture and the column holding its resource id. */
export interface CapturedTable {
  table: string;
  idColumn: string;
}

const SCHEMA_SQL = `CREATE SCHEMA IF NOT EXISTS ${CAPTURE_SCHEMA};

-- Every insert, update and delete of a captured table, in the order their statements ran.
CREATE TABLE IF NOT EXISTS ${CHANGES_TABLE} (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  txid xid8 NOT NULL,
  op text NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
  table_name text NOT NULL,
  record_id text NOT NULL,
  old_row jsonb,
  new_row jsonb,
  committed_at timestamptz NOT NULL
);
-- The relay reads in (txid, seq) order: a finished transaction's rows are final (docs/cdc.md).
CREATE INDEX IF NOT EXISTS freshindex_changes_txid_seq ON ${CHANGES_TABLE} (txid, seq);

-- The seq of every row's latest change: the version a rebuild gives the row.
CREATE TABLE IF NOT EXISTS ${VERSIONS_TABLE} (
  table_name text NOT NULL,
  record_id text NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (table_name, record_id)
);

-- How far each relay has published: every change up to (txid, seq) was accepted by SNS.
CREATE TABLE IF NOT EXISTS ${CHECKPOINT_TABLE} (
  relay text PRIMARY KEY,
  txid xid8 NOT NULL,
  seq bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Changes that can never become a change event (an id too long, say), kept with the reason.
CREATE TABLE IF NOT EXISTS ${REJECTED_TABLE} (
  seq bigint PRIMARY KEY,
  reason text NOT NULL,
  change jsonb NOT NULL,
  rejected_at timestamptz NOT NULL DEFAULT now()
);`;

// SECURITY DEFINER: the application's roles write their tables without any grant on the schema.
const FUNCTION_SQL = `CREATE OR REPLACE FUNCTION ${TRIGGER_FUNCTION}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $capture$
DECLARE
  id_column text := TG_ARGV[0];
  captured text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
  old_doc jsonb;
  new_doc jsonb;
  old_id text;
  new_id text;
BEGIN
  IF TG_OP <> 'INSERT' THEN old_doc := to_jsonb(OLD); old_id := old_doc ->> id_column; END IF;
  IF TG_OP <> 'DELETE' THEN new_doc := to_jsonb(NEW); new_id := new_doc ->> id_column; END IF;
  IF coalesce(new_id, old_id) IS NULL THEN
    RAISE EXCEPTION 'freshindex capture: % has no value in its id column "%"', captured, id_column;
  END IF;
  -- An update that changes the id deletes the old resource.
  IF TG_OP = 'UPDATE' AND old_id IS DISTINCT FROM new_id THEN
    PERFORM ${CAPTURE_SCHEMA}.record_change('DELETE', captured, old_id, old_doc, NULL);
    PERFORM ${CAPTURE_SCHEMA}.record_change('INSERT', captured, new_id, NULL, new_doc);
  ELSE
    PERFORM ${CAPTURE_SCHEMA}.record_change(TG_OP, captured, coalesce(new_id, old_id), old_doc, new_doc);
  END IF;
  RETURN NULL;
END
$capture$;`;

const RECORD_SQL = `CREATE OR REPLACE FUNCTION ${CAPTURE_SCHEMA}.record_change(change_op text, captured text, id text, old_doc jsonb, new_doc jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $record$
DECLARE
  change_seq bigint;
BEGIN
  INSERT INTO ${CHANGES_TABLE} (txid, op, table_name, record_id, old_row, new_row, committed_at)
    VALUES (pg_current_xact_id(), change_op, captured, id, old_doc, new_doc, clock_timestamp())
    RETURNING seq INTO change_seq;
  INSERT INTO ${VERSIONS_TABLE} AS v (table_name, record_id, seq) VALUES (captured, id, change_seq)
    ON CONFLICT (table_name, record_id) DO UPDATE SET seq = greatest(v.seq, excluded.seq);
END
$record$;`;

/** The trigger of one table (replaced when it exists, so a changed id column takes effect). */
export function triggerSql({ table, idColumn }: CapturedTable): string {
  return `CREATE OR REPLACE TRIGGER ${quoteIdent(TRIGGER_NAME)} AFTER INSERT OR UPDATE OR DELETE ON ${quotedTable(table)}
  FOR EACH ROW EXECUTE FUNCTION ${TRIGGER_FUNCTION}(${quoteLiteral(idColumn)});`;
}

/**
 * The whole setup: the `freshindex` schema, the change, versions, checkpoint and rejected tables,
 * the trigger function, and one trigger per table. Every statement is idempotent.
 *
 * @example
 * initSql([{ table: 'public.movies', idColumn: 'id' }]);
 */
export function initSql(tables: readonly CapturedTable[]): string {
  return [
    '-- freshindex change capture (docs/cdc.md). Safe to run again.',
    SCHEMA_SQL,
    RECORD_SQL,
    FUNCTION_SQL,
    ...tables.map(triggerSql),
    '',
  ].join('\n\n');
}
