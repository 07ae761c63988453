/**
 * Collapsing a batch: several changes of one resource become one group, applied once, by its
 * newest change.
 */
import type { ChangeEvent } from './events.ts';
import { normalizeVersion } from './version.ts';

/** One change to apply, keyed by whatever identifies its message (the SQS message id). */
export interface IncomingChange {
  key: string;
  change: ChangeEvent;
}

/** The changes of one resource in a batch, and the one that is applied for all of them. */
export interface Group {
  type: string;
  id: string;
  winner: IncomingChange;
  members: IncomingChange[];
  /** True when the winner carries no doc: the document is read from the source. */
  readSource: boolean;
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

/** The version a change event names, if it names a usable one. */
export function eventVersion(change: ChangeEvent): number | undefined {
  if (change.version === undefined) return undefined;
  const version = normalizeVersion(change.version);
  return version.ok ? version.version : undefined;
}

/** The newest version any change of the group named, if any. */
export function newestEventVersion(group: Group): number | undefined {
  const versions = group.members.map((member) => eventVersion(member.change)).filter((v): v is number => v !== undefined);
  return versions.length > 0 ? Math.max(...versions) : undefined;
}
