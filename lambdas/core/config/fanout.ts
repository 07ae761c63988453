/**
 * One event, many types: what a type listens to (`listensTo`), the event types that are not
 * types (`events`), how a type's changes are delivered (`delivery`), and the check of the
 * graph they form, run when the config is loaded (docs/change-events.md, "Fan-out").
 */
import { z } from 'zod';
import { TYPE_NAME, typeNameSchema } from './names.ts';
import type { ChangeEvent } from '../events.ts';
import type { Source } from '../ports.ts';

/** What a type's mapping may use besides the event. */
export interface ListenContext {
  /** The listening type's name. */
  type: string;
  /** The listening type's source: read documents (`get`, `getMany`) or page through them (`scan`). */
  source: Source;
}

/**
 * Maps an event of another type to the ids of the listening type it affects, e.g. an `author`
 * change to the ids of every `article-card` of that author. It may read the source (`context`).
 * A throw that is `retryable` (see lambdas/core/errors.ts) brings the message back; any other
 * dead-letters the listening type's change with its reason.
 */
export type ListenerMapping = (event: ChangeEvent, context: ListenContext) => readonly string[] | Promise<readonly string[]>;


/** `listensTo`: event type → the mapping from one of its events to this type's ids. */
export const listensToSchema = z.record(
  z.string().regex(TYPE_NAME, { message: `event type names must match ${TYPE_NAME.source}` }),
  z.custom<ListenerMapping>((value) => typeof value === 'function', { message: 'must be a function ((event, context) => ids)' }),
);

/** The top-level `events`: event types some type listens to that are not types themselves. */
export const eventsSchema = z.array(typeNameSchema);

/** Lambda's limits on an SQS event source: up to 10,000 messages, up to 300 s of gathering. */
const MAX_BATCH_SIZE = 10_000;
const MAX_BATCHING_WINDOW_SECONDS = 300;

/**
 * How a type's changes reach its apply function: the shared apply queue, or a queue of its own
 * with its own batch size and batching window (a catalog type gathers for seconds, a click-driven
 * type applies at once).
 */
export const deliverySchema = z
  .object({
    /** `own`: a queue (and dead-letter queue and apply function) for this type alone. */
    queue: z.enum(['shared', 'own']).default('shared'),
    /**
     * Messages per apply invocation (own queue only); above 10 needs `batchingWindowSeconds`.
     * @default 100 when the derived window is at least 1 s, else 10 (when neither this nor `batchingWindowSeconds` is set); 10 when only the window is set
     */
    batchSize: z.number().int().min(1).max(MAX_BATCH_SIZE).optional(),
    /**
     * How long Lambda gathers messages before applying a partial batch (own queue only).
     * @default 1/60 of the type's `freshnessTargetSeconds`, in whole seconds (when neither this nor `batchSize` is set); 0 when only `batchSize` is set
     */
    batchingWindowSeconds: z.number().int().min(0).max(MAX_BATCHING_WINDOW_SECONDS).optional(),
  })
  .strict()
  .superRefine((delivery, ctx) => {
    if (delivery.queue === 'shared') {
      for (const key of ['batchSize', 'batchingWindowSeconds'] as const) {
        if (delivery[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `needs queue: 'own' (the shared queue's batching is the apply function's, set in the CDK props)` });
      }
    } else if ((delivery.batchSize ?? 10) > 10 && (delivery.batchingWindowSeconds ?? 0) < 1) {
      ctx.addIssue({ code: 'custom', path: ['batchingWindowSeconds'], message: `a batchSize above 10 needs batchingWindowSeconds of at least 1 (as Lambda requires)` });
    }
  });

export type DeliveryConfig = z.output<typeof deliverySchema>;

/** The parts of a config the graph check reads. */
interface FanoutGraph {
  events: readonly string[];
  types: ReadonlyArray<{ name: string; listensTo?: Readonly<Record<string, unknown>> }>;
}

/**
 * Checks the fan-out graph and reports every problem at its path: an event type that is neither a
 * type nor declared in `events`, a type listening to itself, a declared event that is also a type,
 * declared twice, or that no type listens to. Dispatch is one level deep (a derived change is not
 * dispatched again), so a cycle (`a` listens to `b`, `b` to `a`) is allowed: it cannot loop.
 */
export function checkFanoutGraph(config: FanoutGraph, addIssue: (path: Array<string | number>, message: string) => void): void {
  const typeNames = new Set(config.types.map((type) => type.name));
  const declared = new Set<string>();
  config.events.forEach((event, index) => {
    if (typeNames.has(event)) addIssue(['events', index], `"${event}" is a type: its events reach its listeners without being declared here`);
    else if (declared.has(event)) addIssue(['events', index], `"${event}" is declared twice`);
    declared.add(event);
  });
  const heard = new Set<string>();
  config.types.forEach((type, index) => {
    for (const event of Object.keys(type.listensTo ?? {})) {
      heard.add(event);
      const path = ['types', index, 'listensTo', event];
      if (event === type.name) addIssue(path, `a type cannot listen to itself (its own events already reach it)`);
      else if (!typeNames.has(event) && !declared.has(event)) addIssue(path, `unknown event type "${event}": name a type or declare it in events`);
    }
  });
  config.events.forEach((event, index) => {
    if (!typeNames.has(event) && !heard.has(event)) addIssue(['events', index], `no type listens to "${event}": its events would be dead-lettered as unknown`);
  });
}
