/**
 * Transient faults for the in-memory ports of the rebuild tests, the way a throttled or briefly
 * unavailable store fails: a call fails before it reaches the store, or it lands and its answer is
 * lost (a retried conditional write then meets its own earlier write). Pages of a scan fail too.
 * test/support/faults.ts does the same at a real DynamoDB SDK client.
 */
import { StoreError } from '../../../../lambdas/core/errors.ts';

export interface FlakyPlan {
  /** Fraction of calls (and of scan pages) that fail, 0..1. */
  rate: number;
  random: () => number;
  /** Of the failures of calls, the fraction that land before they fail. @default 0.5 */
  lostShare?: number;
  /** Only these methods fail. @default every async method */
  methods?: readonly string[];
}

export interface FlakyStats {
  failedBefore: number;
  lostResponses: number;
  failedPages: number;
}

const AsyncFunction = (async () => undefined).constructor;
const AsyncGeneratorFunction = async function* () {}.constructor;

/**
 * A view of `target` whose async methods fail transiently as `plan` says (a `StoreError`,
 * retryable). `stats` counts what was injected; `enabled.value = false` turns the faults off.
 */
export function flaky<T extends object>(target: T, plan: FlakyPlan, stats: FlakyStats, enabled = { value: true }): T {
  const fails = (method: string) => enabled.value && (!plan.methods || plan.methods.includes(method)) && plan.random() < plan.rate;
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      const method = String(property);
      if (value instanceof AsyncGeneratorFunction) {
        return (...args: unknown[]) => flakyPages(method, (value as (...a: unknown[]) => AsyncIterable<unknown>).apply(object, args), () => fails(method), stats);
      }
      if (!(value instanceof AsyncFunction)) return (value as (...a: unknown[]) => unknown).bind(object);
      return async (...args: unknown[]) => {
        if (!fails(method)) return (value as (...a: unknown[]) => Promise<unknown>).apply(object, args);
        if (plan.random() < (plan.lostShare ?? 0.5)) {
          await (value as (...a: unknown[]) => Promise<unknown>).apply(object, args);
          stats.lostResponses++;
          throw new StoreError(`injected: the answer of ${method} was lost`);
        }
        stats.failedBefore++;
        throw new StoreError(`injected: ${method} failed`);
      };
    },
  });
}

async function* flakyPages<T>(method: string, pages: AsyncIterable<T>, fails: () => boolean, stats: FlakyStats): AsyncIterable<T> {
  for await (const page of pages) {
    if (fails()) {
      stats.failedPages++;
      throw new StoreError(`injected: a page of ${method} failed`);
    }
    yield page;
  }
}

/** Fresh counters. */
export function flakyStats(): FlakyStats {
  return { failedBefore: 0, lostResponses: 0, failedPages: 0 };
}
