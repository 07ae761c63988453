/**
 * The ports of the change-capture relay: the database's change log and the change topic.
 */
import type { ChangeEvent } from '../events.ts';

/** Where the relay stands in the change log: every change up to here was published. */
export interface LogPosition {
  /** The writing transaction's id (a `xid8`, as a decimal string). */
  txid: string;
  seq: number;
}

/** One row of the change table. */
export interface CapturedChange extends LogPosition {
  op: 'INSERT' | 'UPDATE' | 'DELETE';
  /** `schema.table`, unquoted. */
  tableName: string;
  recordId: string;
  newRow: Record<string, unknown> | null;
  committedAt: Date;
}

/** The change table as the relay sees it. */
export interface ChangeLog {
  /** Where the last run stopped; undefined before the first publish. */
  checkpoint(): Promise<LogPosition | undefined>;
  /**
   * The next `limit` changes after `after`, in (txid, seq) order, of finished transactions only:
   * a transaction still open may yet commit rows that belong before any later one.
   */
  readFinished(after: LogPosition | undefined, limit: number): Promise<CapturedChange[]>;
  /** Records that everything up to `position` was published (never moves backwards). */
  saveCheckpoint(position: LogPosition): Promise<void>;
  /** Keeps a change that can never be published, with the reason. */
  reject(change: CapturedChange, reason: string): Promise<void>;
  /** Deletes changes committed before `before` that the checkpoint has passed; returns how many. */
  prune(before: Date): Promise<number>;
}

/** An event the topic refused. */
export interface RefusedEvent {
  event: ChangeEvent;
  code: string;
  message: string;
}

/** The change topic. */
export interface ChangeSink {
  /** Publishes events (PublishBatch); returns those refused. Throws when the call itself fails. */
  publish(events: readonly ChangeEvent[]): Promise<RefusedEvent[]>;
}
