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
  batchSize?: number;
  batchingWindowSeconds?: number;
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
      ...(type.delivery.batchSize !== undefined ? { batchSize: type.delivery.batchSize } : {}),
      ...(type.delivery.batchingWindowSeconds !== undefined ? { batchingWindowSeconds: type.delivery.batchingWindowSeconds } : {}),
    }));
  const sharedConsumes = new Set(sharedTypes.flatMap(consumes));
  const excludes = [...new Set(own.flatMap((route) => route.consumes))].filter((event) => !sharedConsumes.has(event)).sort();
  return { shared: { serves: sharedTypes.map((type) => type.name), excludes }, own };
}

/** The event types that are no type (declared `events`): the checker has nothing to compare for them. */
export function pureEvents(config: Pick<FreshindexConfig, 'types' | 'events'>): string[] {
  const names = new Set(config.types.map((type) => type.name));
  return config.events.filter((event) => !names.has(event));
}
