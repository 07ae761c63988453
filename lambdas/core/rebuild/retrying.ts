/**
 * The rebuild's ports with every call retried by one `Retrier`, built once per run: the phases
 * call the ports as usual and never loop themselves. Three kinds of call are left as they are:
 * - `swapPointer`: a conditional write whose answer may be lost; pointer-ops.ts resolves it by
 *   reading the pointer back, which a blind retry cannot do;
 * - scans (`scanGeneration`, `scanIds`, `catchUp.read`, `source.scan`): a page cannot be asked for again
 *   through the port, so the phase that scans is retried as a whole (each is idempotent) and the
 *   stores retry their own pages where they can (the DynamoDB adapters do);
 * - conditional record writes are sent and retried one record at a time;
 * - the source's own calls are retried here too, on top of the source adapter's retries, since a
 *   retryable `SourceError` is worth another try a few seconds later.
 */
import pLimit from 'p-limit';
import type { Retrier } from './retry.ts';
import type { RunDeps } from './run.ts';

/** Conditional record writes in flight at once, over the run (as the DynamoDB store's own default). */
const WRITES_IN_FLIGHT = 16;

/** The ports a run retries. */
export type RetriedPorts = Pick<RunDeps, 'source' | 'pointers' | 'records' | 'catchUp' | 'leases' | 'builds' | 'retirements' | 'counter'>;

/** `ports`, each call retried by `retrier`. */
export function retried(ports: RetriedPorts, retrier: Retrier): RetriedPorts {
  const { source, pointers, records, catchUp, leases, builds, retirements, counter } = ports;
  const r = <T>(what: string, call: () => Promise<T>) => retrier.call(what, call);
  const limit = pLimit(WRITES_IN_FLIGHT);
  return {
    source: {
      get: (id) => r('source get', () => source.get(id)),
      getMany: (ids) => r('source getMany', () => source.getMany(ids)),
      scan: (options) => source.scan(options),
      ...(source.stableScan !== undefined ? { stableScan: source.stableScan } : {}),
      ...(source.estimateCount ? { estimateCount: () => r('source estimateCount', () => (source.estimateCount as () => Promise<number | undefined>)()) } : {}),
    },
    pointers: {
      readPointer: (type) => r('read the pointer', () => pointers.readPointer(type)),
      swapPointer: (expected, next) => pointers.swapPointer(expected, next),
    },
    records: {
      getRecords: (type, generation, ids) => r('read records', () => records.getRecords(type, generation, ids)),
      // One retry per record: a batch whose every record must land at once would, at a 20% fault
      // rate, almost never land as a whole. The writes are version-guarded, so a repeat is harmless.
      write: async (type, generation, writes) => (await Promise.all(writes.map((write) => limit(() => r('write a record', () => records.write(type, generation, [write])))))).flat(),
      bulkPut: (type, generation, batch) => r('bulk-write records', () => records.bulkPut(type, generation, batch)),
      scanGeneration: (type, generation, options) => records.scanGeneration(type, generation, options),
      scanIds: (type, generation, options) => records.scanIds(type, generation, options),
      deleteRecords: (type, generation, ids) => r('delete records', () => records.deleteRecords(type, generation, ids)),
    },
    catchUp: {
      record: (type, generation, ids) => r('log changes', () => catchUp.record(type, generation, ids)),
      read: (type, generation) => catchUp.read(type, generation),
      clear: (type, generation) => r('clear a catch-up log', () => catchUp.clear(type, generation)),
      forget: (type, generation, ids) => r('forget logged changes', () => catchUp.forget(type, generation, ids)),
    },
    leases: {
      acquire: (lease, now) => r('take the lease', () => leases.acquire(lease, now)),
      renew: (lease, expiresAt) => r('renew the lease', () => leases.renew(lease, expiresAt)),
      release: (lease) => r('release the lease', () => leases.release(lease)),
      read: (type) => r('read the lease', () => leases.read(type)),
    },
    builds: {
      save: (record, options) => r('save the build record', () => builds.save(record, options)),
      get: (type, buildId) => r('read a build record', () => builds.get(type, buildId)),
      latest: (type) => r('read the latest build', () => builds.latest(type)),
      list: (type, limit) => r('list builds', () => builds.list(type, limit)),
    },
    retirements: {
      add: (note) => r('write a retirement note', () => retirements.add(note)),
      pending: (type) => r('read the retirement notes', () => retirements.pending(type)),
      remove: (type, generation, records) => r('remove a retirement note', () => retirements.remove(type, generation, records)),
      sweptBelow: (type) => r('read the swept mark', () => retirements.sweptBelow(type)),
      markSwept: (type, below) => r('write the swept mark', () => retirements.markSwept(type, below)),
    },
    counter: {
      countLive: (type, generation) => r('count a generation', () => counter.countLive(type, generation)),
    },
  };
}
