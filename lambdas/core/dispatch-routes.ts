/**
 * Which apply queue hears which events: the shared queue serves the types with `delivery.queue:
 * 'shared'`, each type with `'own'` has a queue of its own. A queue's subscription to the change
 * topic filters on the `type` message attribute, so the CDK and the local runtime (which reads
 * the synthesized template) route alike; each queue's apply function applies only the types it
 * serves (`FRESHINDEX_APPLY_TYPES`), so an event reaching two queues is applied once by each.
 */
import type { FreshindexConfig } from './config/schema.ts';

/** A type's own apply queue. */
export interface OwnRoute {
  /** The type it serves. */
  type: string;
  /** The event types its subscription takes: the type's name and the event types it listens to. */
  consumes: string[];
  /** The type's `delivery`, or derived from its freshness target when it sets neither (see {@link defaultBatching}). */
  batching: Batching;
}

/** How an apply queue's event source gathers messages into one invocation. */
export interface Batching {
  batchSize: number;
  batchingWindowSeconds: number;
}

/** The batching window a queue gets by default: this share of the tightest delay its types tolerate. */
export const WINDOW_SHARE_OF_TARGET = 1 / 60;
/** The verify queue's share of its types' shortest settle delay: a check is late anyway, a tenth more costs nothing. */
export const WINDOW_SHARE_OF_SETTLE_DELAY = 1 / 10;
/** Messages per invocation by default when the queue has a batching window, and when it has none. */
export const BATCH_SIZE_WITH_WINDOW = 100;
export const BATCH_SIZE_WITHOUT_WINDOW = 10;
/**
 * The longest window derived by default: well inside what the queues' visibility timeout leaves
 * once the function's timeout is taken (5 × 30 s by default), so records gathered early in a window
 * are not received again before their invocation.
 */
const MAX_WINDOW_SECONDS = 60;

/**
 * The batching of a queue whose config sets neither batch size nor window, from the delays its
 * types tolerate (the apply queues' freshness targets, the verify queue's settle delays): a window
 * of `share` (1/60 for apply queues) of the tightest, in whole seconds (a 60 s target gathers for 1 s,
 * a 10-minute one for 10 s, targets under a minute apply at once), and batches of 100 with a
 * window, 10 without. A config that sets either keeps what it sets, with Lambda's defaults for
 * the other (10 messages, no window). Larger batches collapse more repeated edits and take fewer
 * invocations (docs/benchmarks.md, "Where the cost goes").
 */
export function defaultBatching(
  toleratedDelaysSeconds: readonly number[],
  set: { batchSize?: number | undefined; batchingWindowSeconds?: number | undefined } = {},
  share = WINDOW_SHARE_OF_TARGET,
): Batching {
  if (set.batchSize !== undefined || set.batchingWindowSeconds !== undefined) {
    return { batchSize: set.batchSize ?? BATCH_SIZE_WITHOUT_WINDOW, batchingWindowSeconds: set.batchingWindowSeconds ?? 0 };
  }
  const tightest = toleratedDelaysSeconds.length > 0 ? Math.min(...toleratedDelaysSeconds) : 0;
  const batchingWindowSeconds = Math.min(MAX_WINDOW_SECONDS, Math.floor(tightest * share));
  return { batchSize: batchingWindowSeconds >= 1 ? BATCH_SIZE_WITH_WINDOW : BATCH_SIZE_WITHOUT_WINDOW, batchingWindowSeconds };
}

/** The apply queues a config needs. */
export interface ApplyRoutes {
  shared: {
    /** The types the shared queue's function applies. */
    serves: string[];
    /**
     * Event types only own queues consume: the shared subscription takes every other message
     * (those without a `type` attribute included, so an unknown type is still dead-lettered with
     * its reason). Empty when there is no own queue.
     */
    excludes: string[];
    /** Derived from the tightest freshness target of the types it serves, for when the CDK props set no batching. */
    batching: Batching;
  };
  own: OwnRoute[];
}

/** The apply queues of a config (see {@link ApplyRoutes}). */
export function applyRoutes(config: Pick<FreshindexConfig, 'types'>): ApplyRoutes {
  const consumes = (type: FreshindexConfig['types'][number]) => [type.name, ...Object.keys(type.listensTo ?? {})];
  const sharedTypes = config.types.filter((type) => type.delivery.queue === 'shared');
  const own = config.types
    .filter((type) => type.delivery.queue === 'own')
    .map((type) => ({
      type: type.name,
      consumes: consumes(type),
      batching: defaultBatching([type.freshnessTargetSeconds], type.delivery),
    }));
  const sharedConsumes = new Set(sharedTypes.flatMap(consumes));
  const excludes = [...new Set(own.flatMap((route) => route.consumes))].filter((event) => !sharedConsumes.has(event)).sort();
  const shared = { serves: sharedTypes.map((type) => type.name), excludes, batching: defaultBatching(sharedTypes.map((type) => type.freshnessTargetSeconds)) };
  return { shared, own };
}
