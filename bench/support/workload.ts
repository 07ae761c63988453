/**
 * The benchmark's workload: a deterministic stream of CMS edits with the locality real editing
 * has (an editor saves the same item several times in a row), as change events of two shapes.
 */
import type { ChangeEvent } from '../../lambdas/core/events.ts';
import { seededRandom } from '../../test/support/random.ts';

/** How the change events are shaped. */
export type ChangeShape =
  /** Every upsert carries its whole document (and version): no source read. */
  | 'doc'
  /** Upserts carry only type and id: the applier reads the document from the source. */
  | 'source';

export interface WorkloadOptions {
  changes: number;
  resources: number;
  /** Share of changes that re-edit one of the `recentWindow` most recently edited resources. */
  burstShare: number;
  recentWindow: number;
  /** Share of changes that delete an existing resource. */
  deleteShare: number;
  seed: number;
}

export const DEFAULT_WORKLOAD: WorkloadOptions = {
  changes: 1_000,
  resources: 500,
  burstShare: 0.5,
  recentWindow: 16,
  deleteShare: 0.05,
  seed: 20_261_121,
};

export type VideoDoc = Record<string, unknown> & { id: string; version: number };

/** One edit: what the CMS holds after it (`undefined` after a delete), and its change event. */
export interface Edit {
  id: string;
  version: number;
  doc: VideoDoc | undefined;
  event: ChangeEvent;
}

export const TYPE_NAME = 'video';

/** The edits of a workload, in publication order, shaped as `shape`. Same options, same edits. */
export function generateEdits(shape: ChangeShape, options: WorkloadOptions = DEFAULT_WORKLOAD): Edit[] {
  const random = seededRandom(options.seed);
  const versions = new Map<string, number>();
  const live = new Set<string>();
  const recent: string[] = [];
  const edits: Edit[] = [];
  const occurredAt = new Date(Date.UTC(2026, 10, 21, 12)).toISOString();
  for (let i = 0; i < options.changes; i += 1) {
    const id =
      recent.length > 0 && random() < options.burstShare
        ? (recent[Math.floor(random() * recent.length)] as string)
        : `v${String(Math.floor(random() * options.resources)).padStart(5, '0')}`;
    const version = (versions.get(id) ?? 0) + 1;
    versions.set(id, version);
    const remove = live.has(id) && random() < options.deleteShare;
    const doc = remove ? undefined : videoDoc(id, version, random);
    if (remove) live.delete(id);
    else live.add(id);
    const index = recent.indexOf(id);
    if (index >= 0) recent.splice(index, 1);
    recent.push(id);
    if (recent.length > options.recentWindow) recent.shift();
    edits.push({ id, version, doc, event: toEvent(shape, id, version, doc, occurredAt) });
  }
  return edits;
}

function toEvent(shape: ChangeShape, id: string, version: number, doc: VideoDoc | undefined, occurredAt: string): ChangeEvent {
  if (doc === undefined) return { type: TYPE_NAME, id, op: 'delete', version, occurredAt };
  if (shape === 'source') return { type: TYPE_NAME, id, op: 'upsert', occurredAt };
  return { type: TYPE_NAME, id, op: 'upsert', version, doc, occurredAt };
}

const WORDS = ['aurora', 'harbor', 'summit', 'ember', 'delta', 'meadow', 'signal', 'cobalt', 'lantern', 'orbit', 'prairie', 'tundra'];

/** A video as a CMS would hold it: about 600 bytes of JSON. */
function videoDoc(id: string, version: number, random: () => number): VideoDoc {
  const word = () => WORDS[Math.floor(random() * WORDS.length)] as string;
  const sentence = (n: number) => Array.from({ length: n }, word).join(' ');
  return {
    id,
    version,
    title: sentence(4),
    description: sentence(40),
    tags: [word(), word(), word()],
    durationSeconds: 60 + Math.floor(random() * 3_600),
    channel: `ch-${Math.floor(random() * 50)}`,
    publishedAt: '2026-11-01T00:00:00.000Z',
  };
}

/** The transform of the benchmark's type: a projection, as recommendation indexes use. */
export function transformVideo(doc: Record<string, unknown>): Record<string, unknown> {
  return {
    title: String(doc['title']),
    tags: Array.isArray(doc['tags']) ? doc['tags'] : [],
    channel: String(doc['channel']),
    durationSeconds: Number(doc['durationSeconds']),
    summary: String(doc['description']).slice(0, 120),
  };
}
