import type { TypeConfig } from './config/schema.ts';
import { describeError, isRetryable } from './errors.ts';
import type { ChangeEvent } from './events.ts';
import type { PointerCache } from './pointer-cache.ts';
import { writeTargets } from './pointer.ts';
import type { CatchUpLog, Clock, RecordStore, Source, SourceDoc } from './ports.ts';
import type { RecordWrite, WriteResult } from './records.ts';
import { toUpsert } from './transform.ts';
import { normalizeVersion } from './version.ts';

/** A type ready to use: its validated config and its source adapter. */
export interface ResolvedType {
  config: TypeConfig;
  source: Source;
}

export interface ApplyDeps {
  types: ReadonlyMap<string, ResolvedType>;
  pointers: PointerCache;
  records: RecordStore;
  catchUp: CatchUpLog;
  clock: Clock;
}

/** One change to apply, keyed by whatever identifies its message (the SQS message id). */
export interface IncomingChange {
  key: string;
  change: ChangeEvent;
}

/**
 * What became of one change:
 * - `applied`, `stale`, `unchanged`: the version guard's answer for the active generation;
 * - `superseded`: a newer change of the same resource in the same batch was applied instead;
 * - `rejected`: the change can never be applied as it is (dead-letter it with `reason`);
 * - `failed`: a transient failure; the message must be redelivered.
 */
export type ChangeOutcome =
  | { status: 'applied' | 'stale' | 'unchanged'; type: string; id: string; version: number; op: 'upsert' | 'delete' }
  | { status: 'superseded'; type: string; id: string; by: string }
  | { status: 'rejected'; type: string; id: string; reason: string }
  | { status: 'failed'; type: string; id: string; error: unknown };

interface Group {
  type: string;
  id: string;
  winner: IncomingChange;
  members: IncomingChange[];
  /** True when the winner carries no doc: the document is read from the source. */
  readSource: boolean;
}

/**
 * Applies a batch of changes. Several changes of one resource collapse into the newest; the
 * documents that must be read from the source are fetched in one batched call per type; each
 * resulting write is version-guarded and lands in every generation the pointer names.
 *
 * Never throws for one change's sake: every change gets its outcome.
 */
export async function applyChanges(deps: ApplyDeps, changes: readonly IncomingChange[]): Promise<Map<string, ChangeOutcome>> {
  const outcomes = new Map<string, ChangeOutcome>();
  const groupsByType = new Map<string, Group[]>();
  for (const group of collapse(changes, (change) => eventVersion(change) ?? docVersion(deps, change))) {
    if (!deps.types.has(group.type)) {
      for (const member of group.members) {
        outcomes.set(member.key, { status: 'rejected', type: group.type, id: group.id, reason: `unknown resource type "${group.type}"` });
      }
      continue;
    }
    const list = groupsByType.get(group.type) ?? [];
    list.push(group);
    groupsByType.set(group.type, list);
  }
  await Promise.all(
    [...groupsByType].map(async ([typeName, groups]) => {
      const resolved = deps.types.get(typeName) as ResolvedType;
      const typeOutcomes = await applyType(deps, resolved, groups);
      for (const group of groups) {
        const outcome = typeOutcomes.get(group.winner.key) as ChangeOutcome;
        for (const member of group.members) {
          outcomes.set(member.key, member === group.winner ? outcome : loserOutcome(group, outcome));
        }
      }
    }),
  );
  return outcomes;
}

/**
 * Groups changes by resource and picks the newest of each group. A change's version is its
 * `version` field, else `version(doc)`; a change with neither (and no doc) resolves to the
 * source's current document, which no older change can beat. Ties go to the later message.
 */
export function collapse(changes: readonly IncomingChange[], versionOf: (change: ChangeEvent) => number | undefined = eventVersion): Group[] {
  const groups = new Map<string, Group>();
  for (const incoming of changes) {
    const { type, id } = incoming.change;
    const key = `${type}\u0000${id}`;
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { type, id, winner: incoming, members: [incoming], readSource: needsSource(incoming.change) });
      continue;
    }
    group.members.push(incoming);
    if (group.readSource) continue;
    if (needsSource(incoming.change)) {
      group.winner = incoming;
      group.readSource = true;
      continue;
    }
    const current = versionOf(group.winner.change) ?? -Infinity;
    const candidate = versionOf(incoming.change) ?? -Infinity;
    if (candidate >= current) group.winner = incoming;
  }
  return [...groups.values()];
}

function needsSource(change: ChangeEvent): boolean {
  if (change.doc !== undefined) return false;
  return change.op === 'upsert' || change.version === undefined;
}

function eventVersion(change: ChangeEvent): number | undefined {
  if (change.version === undefined) return undefined;
  const version = normalizeVersion(change.version);
  return version.ok ? version.version : undefined;
}

function docVersion(deps: ApplyDeps, change: ChangeEvent): number | undefined {
  const type = deps.types.get(change.type);
  if (!type || change.doc === undefined) return undefined;
  try {
    const version = normalizeVersion(type.config.version(change.doc));
    return version.ok ? version.version : undefined;
  } catch {
    return undefined; // the transform step reports it
  }
}

function loserOutcome(group: Group, winnerOutcome: ChangeOutcome): ChangeOutcome {
  // A transient failure of the winner must bring its older siblings back too: nothing is dropped.
  if (winnerOutcome.status === 'failed') return winnerOutcome;
  return { status: 'superseded', type: group.type, id: group.id, by: group.winner.key };
}

async function applyType(deps: ApplyDeps, resolved: ResolvedType, groups: Group[]): Promise<Map<string, ChangeOutcome>> {
  const outcomes = new Map<string, ChangeOutcome>();
  const { config } = resolved;
  const fail = (group: Group, error: unknown) =>
    outcomes.set(group.winner.key, isRetryable(error)
      ? { status: 'failed', type: config.name, id: group.id, error }
      : { status: 'rejected', type: config.name, id: group.id, reason: describeError(error) });

  let docs = new Map<string, SourceDoc>();
  const toRead = groups.filter((group) => group.readSource).map((group) => group.id);
  if (toRead.length > 0) {
    try {
      docs = await resolved.source.getMany(toRead);
    } catch (error) {
      for (const group of groups.filter((g) => g.readSource)) fail(group, error);
    }
  }

  const planned: Array<{ group: Group; write: RecordWrite | UnversionedDelete }> = [];
  for (const group of groups) {
    if (outcomes.has(group.winner.key)) continue;
    const { change } = group.winner;
    try {
      const doc = group.readSource ? docs.get(group.id) : change.doc;
      const version = eventVersion(change);
      if (doc !== undefined) {
        planned.push({ group, write: toUpsert(config, group.id, doc) });
      } else if (!group.readSource && version !== undefined) {
        // A versioned delete the source was not asked about keeps its own version: dating it at a
        // newer stored version would let a late redelivery delete a resource re-created since.
        planned.push({ group, write: { kind: 'delete', id: group.id, version } });
      } else {
        // Gone at the source: tombstone at the newest version any change of the group named (a
        // collapsed versioned delete must keep its version), or at the stored one if that is newer.
        planned.push({ group, write: { kind: 'delete', id: group.id, version: undefined, atLeast: newestEventVersion(group) } });
      }
    } catch (error) {
      fail(group, error);
    }
  }
  if (planned.length === 0) return outcomes;

  try {
    const pointer = await deps.pointers.get(config.name);
    const targets = writeTargets(pointer);
    const writes = await resolveDeleteVersions(deps.records, config.name, targets, planned.map((p) => p.write));
    if (pointer.building) {
      // Logged before the writes: a crash between the two leaves an extra replay, never a lost change.
      await deps.catchUp.record(config.name, pointer.building.generation, writes.map((write) => write.id));
    }
    const [activeResults] = await Promise.all(targets.map((generation) => deps.records.write(config.name, generation, writes)));
    planned.forEach(({ group }, index) => {
      const write = writes[index] as RecordWrite;
      const result = (activeResults as WriteResult[])[index] as WriteResult;
      outcomes.set(group.winner.key, {
        status: result === 'written' ? 'applied' : result,
        type: config.name,
        id: group.id,
        version: write.version,
        op: write.kind,
      });
    });
  } catch (error) {
    for (const { group } of planned) {
      if (!outcomes.has(group.winner.key)) fail(group, error);
    }
  }
  return outcomes;
}

/** A delete whose version is only known once the index was read. */
interface UnversionedDelete {
  kind: 'delete';
  id: string;
  version: undefined;
  /** The newest version the changes of the resource named, if any. */
  atLeast: number | undefined;
}

function newestEventVersion(group: Group): number | undefined {
  const versions = group.members.map((member) => eventVersion(member.change)).filter((v): v is number => v !== undefined);
  return versions.length > 0 ? Math.max(...versions) : undefined;
}

/**
 * A delete the source confirmed without a version is tombstoned at the newest version known: the
 * events' own, or the newest one any target generation holds. At an equal version a delete wins,
 * while a newer upsert racing it still wins over the tombstone.
 *
 * Every target counts, not only the active one: right after a flip, an applier still caching the
 * old pointer names the old generation active, while appliers with the new pointer have written
 * newer versions to the new generation only. A tombstone dated from the old generation would be
 * stale in the new one and leave the deleted resource live there.
 */
async function resolveDeleteVersions(
  records: RecordStore,
  type: string,
  generations: readonly number[],
  writes: ReadonlyArray<RecordWrite | UnversionedDelete>,
): Promise<RecordWrite[]> {
  const unknown = writes.filter((write) => write.version === undefined).map((write) => write.id);
  const stored = unknown.length > 0 ? await Promise.all(generations.map((generation) => records.getRecords(type, generation, unknown))) : [];
  const newestStored = (id: string) => Math.max(0, ...stored.map((found) => found.get(id)?.version ?? 0));
  return writes.map((write) =>
    write.version === undefined ? { kind: 'delete', id: write.id, version: Math.max(newestStored(write.id), write.atLeast ?? 0) } : write,
  );
}
