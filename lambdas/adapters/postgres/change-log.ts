/**
 * The change table of Postgres change capture (docs/cdc.md) as the relay's `ChangeLog` port.
 */
import type pg from 'pg';
import type { CapturedChange, ChangeLog, LogPosition } from '../../core/capture/ports.ts';
import { CHANGES_TABLE, CHECKPOINT_TABLE, REJECTED_TABLE } from '../../core/capture/sql.ts';

/** Rows one prune statement deletes at most (a long retention backlog goes in several). */
const PRUNE_CHUNK = 5_000;

interface ChangeRow {
  seq: string;
  txid: string;
  op: CapturedChange['op'];
  table_name: string;
  record_id: string;
  new_row: Record<string, unknown> | null;
  committed_at: Date;
}

/** Options of {@link PostgresChangeLog}. */
export interface PostgresChangeLogOptions {
  pool: pg.Pool;
  /** The relay's name: its checkpoint row. @default 'default' */
  relay?: string;
  /** Translates a driver error into the domain's (the connection module's `translatePgError`). */
  translate?: (error: unknown) => Error;
}

/** Reads `freshindex.freshindex_changes`, keeps the checkpoint in `freshindex.relay_checkpoint`. */
export class PostgresChangeLog implements ChangeLog {
  readonly #pool: pg.Pool;
  readonly #relay: string;
  readonly #translate: (error: unknown) => Error;

  constructor(options: PostgresChangeLogOptions) {
    this.#pool = options.pool;
    this.#relay = options.relay ?? 'default';
    this.#translate = options.translate ?? ((error) => (error instanceof Error ? error : new Error(String(error))));
  }

  async checkpoint(): Promise<LogPosition | undefined> {
    const { rows } = await this.#query<{ txid: string; seq: string }>(`SELECT txid::text AS txid, seq FROM ${CHECKPOINT_TABLE} WHERE relay = $1`, [this.#relay]);
    const row = rows[0];
    return row ? { txid: row.txid, seq: Number(row.seq) } : undefined;
  }

  async readFinished(after: LogPosition | undefined, limit: number): Promise<CapturedChange[]> {
    // Rows of a transaction below the snapshot's xmin are final: it committed or aborted.
    const { rows } = await this.#query<ChangeRow>(
      // Ordered by the xid8 column, not by its text (where '1000' sorts before '945').
      `SELECT c.seq, c.txid::text AS txid, c.op, c.table_name, c.record_id, c.new_row, c.committed_at FROM ${CHANGES_TABLE} c
        WHERE c.txid < pg_snapshot_xmin(pg_current_snapshot()) AND (c.txid, c.seq) > ($1::xid8, $2::bigint)
        ORDER BY c.txid, c.seq LIMIT $3`,
      [after?.txid ?? '0', after?.seq ?? 0, limit],
    );
    return rows.map((row) => ({
      seq: Number(row.seq),
      txid: row.txid,
      op: row.op,
      tableName: row.table_name,
      recordId: row.record_id,
      newRow: row.new_row,
      committedAt: row.committed_at,
    }));
  }

  async saveCheckpoint(position: LogPosition): Promise<void> {
    await this.#query(
      `INSERT INTO ${CHECKPOINT_TABLE} AS c (relay, txid, seq) VALUES ($1, $2::xid8, $3)
        ON CONFLICT (relay) DO UPDATE SET txid = excluded.txid, seq = excluded.seq, updated_at = now()
        WHERE (c.txid, c.seq) < (excluded.txid, excluded.seq)`,
      [this.#relay, position.txid, position.seq],
    );
  }

  async reject(change: CapturedChange, reason: string): Promise<void> {
    await this.#query(`INSERT INTO ${REJECTED_TABLE} (seq, reason, change) VALUES ($1, $2, $3) ON CONFLICT (seq) DO NOTHING`, [change.seq, reason, JSON.stringify(change)]);
  }

  async prune(before: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await this.#query(
        `DELETE FROM ${CHANGES_TABLE} WHERE seq IN (
           SELECT ch.seq FROM ${CHANGES_TABLE} ch JOIN ${CHECKPOINT_TABLE} c ON c.relay = $1
            WHERE ch.committed_at < $2 AND (ch.txid, ch.seq) <= (c.txid, c.seq) LIMIT ${PRUNE_CHUNK})`,
        [this.#relay, before],
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < PRUNE_CHUNK) return total;
    }
  }

  async #query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.#pool.query<R>(text, values);
    } catch (error) {
      throw this.#translate(error);
    }
  }
}
