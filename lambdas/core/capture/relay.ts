/**
 * The change-capture relay: reads the change table from its checkpoint, publishes each change as a
 * change event, and moves the checkpoint only past what the topic accepted. A relay stopped between
 * publish and checkpoint publishes again from the checkpoint; the events' versions (their seq) make
 * the second delivery a no-op in the index.
 */
import { defaultSleep, retryPending, type JitterOptions, type Sleep } from '../backoff.ts';
import { FreshindexError } from '../errors.ts';
import type { ChangeEvent } from '../events.ts';
import { changeEvent } from './events.ts';
import type { CapturedChange, ChangeLog, ChangeSink, LogPosition, RefusedEvent } from './ports.ts';
import { capturedName } from './sql.ts';

/** The topic kept refusing events after the retries: the checkpoint stays before the first of them. */
export class RelayPublishError extends FreshindexError {
  override readonly retryable = true;
  constructor(refused: readonly RefusedEvent[]) {
    const first = refused[0];
    super(`the change topic refused ${refused.length} event(s), first ${first?.event.type}/${first?.event.id}: ${first?.code}: ${first?.message}`, {
      context: { refused: refused.length },
    });
    this.name = 'RelayPublishError';
  }
}

/** What a relay needs. */
export interface RelayDeps {
  log: ChangeLog;
  sink: ChangeSink;
  /** Backoff of refused entries' retries. */
  backoff?: JitterOptions & { retries?: number; sleep?: Sleep };
  now?: () => number;
}

/** What a relay relays. */
export interface RelaySettings {
  /** Captured tables (`'schema.table'` or `'table'`) and their event types. */
  tables: ReadonlyArray<{ table: string; event: string }>;
  batchSize: number;
  retentionHours: number;
}

/** What one round did. */
export interface RoundResult {
  read: number;
  published: number;
  rejected: number;
  /** The checkpoint after the round. */
  checkpoint: LogPosition | undefined;
}

/**
 * One round: at most `batchSize` changes read, published and checkpointed. Throws
 * `RelayPublishError` after checkpointing what was accepted before the first refused event.
 */
export async function relayRound(deps: RelayDeps, settings: RelaySettings): Promise<RoundResult> {
  const eventOf = new Map(settings.tables.map((entry) => [capturedName(entry.table), entry.event]));
  const from = await deps.log.checkpoint();
  const changes = await deps.log.readFinished(from, settings.batchSize);
  const planned: Array<{ change: CapturedChange; event?: ChangeEvent }> = [];
  let rejected = 0;
  for (const change of changes) {
    const mapped = changeEvent(change, eventOf);
    if ('reason' in mapped) {
      await deps.log.reject(change, mapped.reason);
      rejected += 1;
      planned.push({ change });
    } else {
      planned.push({ change, event: mapped.event });
    }
  }
  const events = planned.flatMap((entry) => (entry.event ? [entry.event] : []));
  const refused = await publishWithRetries(deps, events);
  const refusedEvents = new Set(refused.map((entry) => entry.event));
  const firstRefused = planned.findIndex((entry) => entry.event !== undefined && refusedEvents.has(entry.event));
  const accepted = firstRefused < 0 ? planned : planned.slice(0, firstRefused);
  const last = accepted.at(-1)?.change;
  const checkpoint = last ? { txid: last.txid, seq: last.seq } : from;
  if (last) await deps.log.saveCheckpoint({ txid: last.txid, seq: last.seq });
  if (refused.length > 0) throw new RelayPublishError(refused);
  return { read: changes.length, published: events.length, rejected, checkpoint };
}

async function publishWithRetries(deps: RelayDeps, events: readonly ChangeEvent[]): Promise<RefusedEvent[]> {
  let lastRefused: RefusedEvent[] = [];
  const left = await retryPending(
    events,
    async (pending) => {
      lastRefused = await deps.sink.publish(pending);
      return lastRefused.map((entry) => entry.event);
    },
    { retries: 3, ...deps.backoff },
  );
  const stillLeft = new Set(left);
  return lastRefused.filter((entry) => stillLeft.has(entry.event));
}

/** Deletes published changes older than the retention. */
export function prune(deps: RelayDeps, settings: Pick<RelaySettings, 'retentionHours'>): Promise<number> {
  const now = (deps.now ?? Date.now)();
  return deps.log.prune(new Date(now - settings.retentionHours * 3_600_000));
}

/** How a long-running relay loops. */
export interface RunOptions {
  pollIntervalMs: number;
  /** Stops the loop (after the round in flight). */
  signal: AbortSignal;
  /** Prune every this many milliseconds. @default 60000 */
  pruneEveryMs?: number;
  /** A failed round (it is retried after `pollIntervalMs`). */
  onError?: (error: unknown) => void;
  onRound?: (result: RoundResult) => void;
  sleep?: Sleep;
}

/**
 * Rounds until `signal` aborts: at once again after a full batch, after `pollIntervalMs` otherwise
 * or after a failure. Prunes once a minute.
 */
export async function runRelay(deps: RelayDeps, settings: RelaySettings, options: RunOptions): Promise<void> {
  const sleep = options.sleep ?? defaultSleep;
  const now = deps.now ?? Date.now;
  let prunedAt = Number.NEGATIVE_INFINITY;
  while (!options.signal.aborted) {
    let full = false;
    try {
      const result = await relayRound(deps, settings);
      options.onRound?.(result);
      full = result.read >= settings.batchSize;
      if (now() - prunedAt >= (options.pruneEveryMs ?? 60_000)) {
        prunedAt = now();
        await prune(deps, settings);
      }
    } catch (error) {
      options.onError?.(error);
    }
    if (!full) await sleep(options.pollIntervalMs, options.signal).catch(() => undefined);
  }
}
