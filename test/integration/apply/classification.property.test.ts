/**
 * Issue 8, "per-change outcomes everywhere", as a property: whatever a batch holds and however
 * each resource's own reads and writes fare, every change's outcome follows from its own
 * resource's fate alone, never from a neighbour's. A real HTTP CMS answers each id as its fate
 * says; the index is a real Redis store, its writes failing per id through a thin wrapper (the
 * adapters' own per-write answers are the store contract's business).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyChanges, type ApplyDeps, type ChangeOutcome } from '../../../lambdas/core/apply.ts';
import { validateConfig } from '../../../lambdas/core/config/index.ts';
import { PartialWriteError, StoreError } from '../../../lambdas/core/errors.ts';
import type { ChangeEvent } from '../../../lambdas/core/events.ts';
import { PointerCache } from '../../../lambdas/core/pointer-cache.ts';
import type { RecordStore } from '../../../lambdas/core/ports.ts';
import type { RecordWrite, WriteOutcome } from '../../../lambdas/core/records.ts';
import { createSource } from '../../../lambdas/adapters/sources/index.ts';
import { useRedis } from '../../support/redis.ts';
import { startCms, type Cms, type CmsReply } from '../../unit/sources/cms-server.ts';

type SourceFate = 'found' | 'missing' | 'transient' | 'refused' | 'garbled';
type StoreFate = 'ok' | 'transient' | 'refused';
interface Fate {
  source: SourceFate;
  store: StoreFate;
  /** The document makes the transform throw. */
  poison: boolean;
}

const IDS = ['a', 'b', 'c', 'd', 'e', 'f'];
const fateArb = fc.record({
  source: fc.constantFrom<SourceFate>('found', 'missing', 'transient', 'refused', 'garbled'),
  store: fc.constantFrom<StoreFate>('ok', 'ok', 'transient', 'refused'),
  poison: fc.boolean(),
});
const changeArb = fc.record({
  id: fc.constantFrom(...IDS),
  op: fc.constantFrom<'upsert' | 'delete'>('upsert', 'upsert', 'delete'),
  withDoc: fc.boolean(),
  version: fc.integer({ min: 1, max: 5 }),
});

/** The state of one property run: its fates and how often each transient failure still fires. */
interface Run {
  prefix: string;
  fates: Map<string, Fate>;
  /** Transient failures fire this many times per id (Infinity: always). */
  transientTimes: number;
  fired: Map<string, number>;
}

let run: Run;

function fateOf(fullId: string): Fate | undefined {
  return fullId.startsWith(run.prefix) ? run.fates.get(fullId.slice(run.prefix.length)) : undefined;
}

/** Whether a transient failure of `what` for `fullId` fires now (counting it). */
function transientFires(what: string, fullId: string): boolean {
  const key = `${what}:${fullId}`;
  const fired = run.fired.get(key) ?? 0;
  if (fired >= run.transientTimes) return false;
  run.fired.set(key, fired + 1);
  return true;
}

function cmsReply(fullId: string): CmsReply {
  const fate = fateOf(fullId);
  if (!fate || fate.source === 'missing') return { status: 404, body: {} };
  if (fate.source === 'transient' && transientFires('source', fullId)) return { status: 503, body: {} };
  if (fate.source === 'refused') return { status: 401, body: {} };
  if (fate.source === 'garbled') return { body: 'not json' };
  return { body: { id: fullId, version: 9, title: 'from the cms', ...(fate.poison ? { poison: true } : {}) } };
}

/** A record store whose writes fail as each id's store fate says, the others passed to `inner`. */
function failingWrites(inner: RecordStore): RecordStore {
  return {
    ...inner,
    getRecords: (type, generation, ids) => inner.getRecords(type, generation, ids),
    async write(type, generation, writes) {
      const outcomes: WriteOutcome[] = new Array(writes.length);
      const passed: Array<{ index: number; write: RecordWrite }> = [];
      writes.forEach((write, index) => {
        const fate = fateOf(write.id);
        if (fate?.store === 'refused') outcomes[index] = { error: new StoreError('refused', { retryable: false }) };
        else if (fate?.store === 'transient' && transientFires(`store${generation}`, write.id)) outcomes[index] = { error: new StoreError('throttled') };
        else passed.push({ index, write });
      });
      const results = passed.length > 0 ? await inner.write(type, generation, passed.map(({ write }) => write)) : [];
      passed.forEach(({ index }, position) => (outcomes[index] = results[position] as WriteOutcome));
      if (outcomes.some((outcome) => typeof outcome === 'object')) throw new PartialWriteError(outcomes);
      return outcomes as Array<'written' | 'stale' | 'unchanged'>;
    },
  };
}

/** The outcome a resource's winning change must get, from the resource's own fate and the batch's changes of it. */
function expectedStatus(group: Member[], fate: Fate, retriesSucceed: boolean): string {
  const readsSource = group.some((member) => !member.withDoc && member.op === 'upsert');
  const transientOk = retriesSucceed;
  if (readsSource) {
    if (fate.source === 'transient' && !transientOk) return 'failed';
    if (fate.source === 'refused') return 'failed';
    if (fate.source === 'garbled') return 'rejected';
  }
  const upserts = readsSource ? fate.source !== 'missing' : winnerOf(group).op === 'upsert';
  if (upserts && fate.poison) return 'rejected';
  if (fate.store === 'refused') return 'rejected';
  if (fate.store === 'transient' && !transientOk) return 'failed';
  return 'ok';
}

/**
 * The outcome change `index` of a resource must get. The winner gets the group's; a superseded
 * change shares its winner's transient failure (it must come back too). Behind a winner whose own
 * document was rejected, the others are applied as if they had come alone; behind a winner that
 * read the source, they are superseded by the source's document.
 */
function expectedOf(index: number, members: Member[], fate: Fate, retriesSucceed: boolean): string {
  const groupStatus = expectedStatus(members, fate, retriesSucceed);
  const winner = winnerOf(members);
  if (winner.at === index || groupStatus === 'failed') return groupStatus;
  const readsSource = members.some((member) => !member.withDoc);
  if (groupStatus === 'rejected' && !readsSource) return expectedOf(index, members.filter((member) => member !== winner), fate, retriesSucceed);
  return 'ok';
}

interface Member {
  at: number;
  op: string;
  withDoc: boolean;
  version: number;
}

/** The change collapse() applies for the group: the first that reads the source, else the newest (ties: the later). */
function winnerOf(group: Member[]): Member {
  return group.find((member) => !member.withDoc) ?? group.reduce((best, member) => (member.version >= best.version ? member : best));
}

function category(outcome: ChangeOutcome | undefined): string {
  if (!outcome) return 'missing';
  return outcome.status === 'failed' || outcome.status === 'rejected' ? outcome.status : 'ok';
}

describe('per-change classification (property)', () => {
  const redis = useRedis();
  let cms: Cms;
  let deps: ApplyDeps;
  let seq = 0;

  beforeAll(async () => {
    cms = await startCms((request) => cmsReply(decodeURIComponent(request.url.pathname.split('/')[2] ?? '')));
    const config = validateConfig({
      store: { type: 'redis' },
      types: [
        {
          name: 'video',
          source: { type: 'http', itemUrl: `${cms.url}/docs/{id}`, pageUrl: `${cms.url}/docs?cursor={cursor}`, retries: 0, timeoutMs: 1_000 },
          transform: (doc: Record<string, unknown>) => {
            if (doc['poison']) throw new Error('poisoned');
            return { title: doc['title'] };
          },
          version: (doc: Record<string, unknown>) => doc['version'] as number,
        },
      ],
    });
    const type = config.types[0]!;
    const records = failingWrites(redis.stores.store);
    deps = {
      types: new Map([['video', { config: type, source: createSource(type, { backoff: { baseMs: 1, capMs: 2 } }) }]]),
      pointers: new PointerCache(redis.stores.store, 60_000, Date.now),
      records,
      catchUp: redis.stores.catchUp,
      clock: Date.now,
    };
  });
  afterAll(async () => cms.close());

  const property = (retriesSucceed: boolean) =>
    fc.asyncProperty(fc.array(changeArb, { minLength: 1, maxLength: 14 }), fc.tuple(...IDS.map(() => fateArb)), async (changes, fateList) => {
      run = { prefix: `r${++seq}-`, fates: new Map(IDS.map((id, i) => [id, fateList[i] as Fate])), transientTimes: retriesSucceed ? 1 : Number.POSITIVE_INFINITY, fired: new Map() };
      const incoming = changes.map((change, index) => {
        const id = `${run.prefix}${change.id}`;
        const poison = run.fates.get(change.id)?.poison ? { poison: true } : {};
        const event: ChangeEvent =
          change.op === 'delete'
            ? { type: 'video', id, op: 'delete', version: change.version }
            : change.withDoc
              ? { type: 'video', id, op: 'upsert', version: change.version, doc: { id, version: change.version, title: 't', ...poison } }
              : { type: 'video', id, op: 'upsert' };
        return { key: `m${index}`, change: event };
      });

      const outcomes = await applyChanges(deps, incoming, retriesSucceed ? { baseMs: 1, capMs: 2 } : { remainingMs: () => 0 });

      changes.forEach((change, index) => {
        const members = changes.map((other, at) => ({ ...other, at, withDoc: other.op === 'delete' || other.withDoc })).filter((other) => other.id === change.id);
        const expected = expectedOf(index, members, run.fates.get(change.id) as Fate, retriesSucceed);
        expect(category(outcomes.get(`m${index}`)), `change ${index} (${JSON.stringify(change)}), fate ${JSON.stringify(run.fates.get(change.id))}`).toBe(expected);
      });
      expect(outcomes.size).toBe(changes.length);
    });

  it('gives each change the outcome its own resource earned, whatever its neighbours met', async () => {
    await fc.assert(property(false), { numRuns: 60 });
  });

  it('retries transient failures inside the call, so only permanent and refused ones remain', async () => {
    await fc.assert(property(true), { numRuns: 60 });
  });
});
