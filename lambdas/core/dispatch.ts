/**
 * One event, many types: each event goes to its own type (when it is one) and to every type that
 * listens to it (`listensTo`), each derived change applied with its own version guard and outcome.
 * Dispatch is one level deep: a derived change is applied, never dispatched again.
 */
import { applyChanges, type ApplyDeps, type ApplyOptions, type ChangeOutcome, type IncomingChange, type ResolvedType } from './apply.ts';
import type { ListenerMapping } from './config/fanout.ts';
import { describeError, SourceError } from './errors.ts';
import type { ChangeEvent } from './events.ts';

/** How `dispatchChanges` runs: `applyChanges`' retries, and which types this applier serves. */
export interface DispatchOptions extends ApplyOptions {
  /**
   * The types this applier applies (its queue's, `FRESHINDEX_APPLY_TYPES`): an event is applied to
   * these and their listeners only, so an event that reaches two queues is not applied twice.
   * @default every configured type
   */
  serves?: ReadonlySet<string>;
}

/** What became of one of a message's changes. */
export interface Dispatched {
  /**
   * The change applied: the message's event itself, or one derived from it for a listening type
   * (`{ type, id, op: 'upsert' }`, no doc), or the event addressed to one `listener` when that
   * listener's mapping failed. A dead letter of a derived change carries it as its body.
   */
  change: ChangeEvent;
  /** True when `change` is not the message's event as it came. */
  derived: boolean;
  outcome: ChangeOutcome;
}

/** The separator of derived keys: never in an SQS message id. */
const SEP = '\u0000';

/** The budget when the caller names none (as `applyChanges`'), and the share of it the mappings may take. */
const DEFAULT_BUDGET_MS = 5_000;
const MAPPING_SHARE = 0.5;

/**
 * Dispatches and applies a batch of events. Returns, per message key, the outcome of each change
 * the event became (a rejection when this applier serves neither its type nor a listener of it). A
 * mapping's failure is that listener's outcome (`failed` when retryable, else `rejected` with its
 * reason); it never affects the other changes. Never throws for one change's sake.
 */
export async function dispatchChanges(deps: ApplyDeps, incoming: readonly IncomingChange[], options: DispatchOptions = {}): Promise<Map<string, Dispatched[]>> {
  const { serves, ...applyOptions } = options;
  const timeoutMs = Math.max(1, (options.remainingMs?.() ?? DEFAULT_BUDGET_MS) * MAPPING_SHARE);
  const routing: Routing = { listeners: listenersByEvent(deps.types, serves), serves, timeoutMs };
  const planned = await Promise.all(incoming.map((message) => planMessage(deps, message, routing)));
  const toApply = planned.flat().flatMap((plan) => (plan.outcome ? [] : [{ key: plan.key, change: plan.change }]));
  const applied = await applyChanges(deps, toApply, applyOptions);
  const results = new Map<string, Dispatched[]>();
  incoming.forEach((message, index) => {
    const plans = planned[index] as Plan[];
    results.set(
      message.key,
      plans.map((plan) => ({ change: plan.change, derived: plan.derived, outcome: plan.outcome ?? (applied.get(plan.key) as ChangeOutcome) })),
    );
  });
  return results;
}

/** One change a message became: to apply under `key`, or already decided (`outcome`). */
interface Plan {
  key: string;
  change: ChangeEvent;
  derived: boolean;
  outcome?: ChangeOutcome;
}

type Listener = { resolved: ResolvedType; mapping: ListenerMapping };

/** What planning a message needs: the served listeners by event, the served types, how long a mapping may take. */
interface Routing {
  listeners: Map<string, Listener[]>;
  serves: ReadonlySet<string> | undefined;
  timeoutMs: number;
}

/** The served types listening to each event type. */
function listenersByEvent(types: ReadonlyMap<string, ResolvedType>, serves: ReadonlySet<string> | undefined): Map<string, Listener[]> {
  const byEvent = new Map<string, Listener[]>();
  for (const resolved of types.values()) {
    if (serves && !serves.has(resolved.config.name)) continue;
    for (const [event, mapping] of Object.entries(resolved.config.listensTo ?? {})) {
      byEvent.set(event, [...(byEvent.get(event) ?? []), { resolved, mapping }]);
    }
  }
  return byEvent;
}

async function planMessage(deps: ApplyDeps, message: IncomingChange, { listeners, serves, timeoutMs }: Routing): Promise<Plan[]> {
  const { change } = message;
  const heard = listeners.get(change.type) ?? [];
  if (change.listener !== undefined) {
    const listener = heard.find(({ resolved }) => resolved.config.name === change.listener);
    if (listener) return mapToIds(message, listener, timeoutMs);
    const reason =
      serves && !serves.has(change.listener)
        ? `type "${change.listener}" is applied from another apply queue: redrive this letter to that queue`
        : `type "${change.listener}" does not listen to "${change.type}" events`;
    return [{ key: message.key, change, derived: true, outcome: { status: 'rejected', type: change.listener, id: change.id, reason } }];
  }
  const plans: Plan[] = [];
  const isType = deps.types.has(change.type);
  // An event nobody knows is applied as it is: the apply path dead-letters it as an unknown type.
  const unknown = !isType && !anyListens(deps.types, change.type);
  if ((isType && (!serves || serves.has(change.type))) || unknown) plans.push({ key: message.key, change, derived: false });
  const derived = await Promise.all(heard.map((listener) => mapToIds(message, listener, timeoutMs)));
  if (plans.length === 0 && heard.length === 0) return [notServed(message, serves)];
  return [...plans, ...derived.flat()];
}

/**
 * An event none of whose types this applier serves: the subscriptions' filters never bring one
 * here, so it was published without the `type` message attribute (or redriven to the wrong
 * queue). Dead-lettered with the fix, never dropped.
 */
function notServed({ key, change }: IncomingChange, serves: ReadonlySet<string> | undefined): Plan {
  const here = [...(serves ?? [])].join(', ') || 'none';
  const reason = `"${change.type}" events are applied from another apply queue (this one serves: ${here}): publish them with the message attribute type="${change.type}" so the change topic routes them there`;
  return { key, change, derived: false, outcome: { status: 'rejected', type: change.type, id: change.id, reason } };
}

function anyListens(types: ReadonlyMap<string, ResolvedType>, event: string): boolean {
  return [...types.values()].some((type) => type.config.listensTo?.[event] !== undefined);
}

/** Runs one listener's mapping: a change per id it names, or the mapping's failure. */
async function mapToIds(message: IncomingChange, { resolved, mapping }: Listener, timeoutMs: number): Promise<Plan[]> {
  const { change } = message;
  const type = resolved.config.name;
  let ids: unknown;
  try {
    ids = await withTimeout(Promise.resolve().then(() => mapping(change, { type, source: resolved.source })), timeoutMs, type);
  } catch (error) {
    return [mappingFailure(message, type, error, describeError(error))];
  }
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' && id !== '' && id.length <= 512)) {
    return [mappingFailure(message, type, undefined, `must return an array of ids (non-empty strings of at most 512 characters), got ${preview(ids)}`)];
  }
  return [...new Set(ids as string[])].map((id) => ({
    key: `${message.key}${SEP}${type}${SEP}${id}`,
    change: { type, id, op: 'upsert', ...(change.occurredAt ? { occurredAt: change.occurredAt } : {}) },
    derived: true,
  }));
}

function mappingFailure(message: IncomingChange, type: string, error: unknown, detail: string): Plan {
  const { change } = message;
  const addressed: ChangeEvent = { ...change, listener: type };
  const outcome: ChangeOutcome = markedRetryable(error)
    ? { status: 'failed', type, id: change.id, error }
    : { status: 'rejected', type, id: change.id, reason: `${type}.listensTo.${change.type} failed for "${change.id}": ${detail}` };
  return { key: `${message.key}${SEP}${type}`, change: addressed, derived: true, outcome };
}

/**
 * A mapping is user code, like a transform: what it throws is for good unless it says otherwise
 * (`retryable: true`, as the domain's errors carry), so a bug dead-letters at once instead of
 * coming back until the queue gives up.
 */
function markedRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}

/** A mapping that does not answer in time fails transiently: the message comes back instead of the invocation timing out. */
async function withTimeout<T>(work: Promise<T>, timeoutMs: number, type: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SourceError(`the ${type} mapping did not answer within ${Math.round(timeoutMs)} ms`, { retryable: true })), timeoutMs);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
