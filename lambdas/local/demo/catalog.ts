/**
 * The demo CMS's content: the vega-datasets movies, held in memory, with stable ids and a
 * version on every document that grows with each edit.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cleanTitle, parseReleaseDate } from './movie-record.ts';

/** A movie as the data set has it (messy), plus the CMS's own `id`, `revision` and `updatedAt`. */
export type MovieDoc = Record<string, unknown> & { id: string; revision: number; updatedAt: number };

/** Fields the CMS owns: an edit cannot set them. */
const SYSTEM_FIELDS = ['id', 'revision', 'updatedAt'] as const;

/** Reads the 3,201 raw movies of the installed vega-datasets package. */
export function loadRawMovies(): Record<string, unknown>[] {
  const require = createRequire(import.meta.url);
  // The package exports only its JS entry (build/index.js); the data sits beside it.
  const packageDir = join(dirname(require.resolve('vega-datasets')), '..');
  return JSON.parse(readFileSync(join(packageDir, 'data', 'movies.json'), 'utf8')) as Record<string, unknown>[];
}

/**
 * A stable id for a movie: the slug of its cleaned title and release year
 * ("gone-with-the-wind-1939"), or `movie-<index>` when it has no title. Title and year are unique
 * in the data set; a clash (possible in an edited copy of it) gets the index appended.
 */
export function movieId(raw: Record<string, unknown>, index: number): string {
  const title = raw['Title'];
  if (title === null || title === undefined || String(title).trim() === '') return `movie-${index}`;
  const year = parseReleaseDate(raw['Release Date'])?.year;
  const slug = cleanTitle(title)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return [slug || 'movie', year].filter(Boolean).join('-');
}

/** What an edit did, for the change event. */
export interface CatalogChange {
  op: 'upsert' | 'delete';
  id: string;
  version: number;
  doc?: MovieDoc;
  created?: boolean;
}

/** The in-memory catalog. `clock` is injected so tests control versions. */
export class MovieCatalog {
  private readonly docs = new Map<string, MovieDoc>();
  /** The version of each deletion, so a document created again gets a newer one. */
  private readonly deletedAt = new Map<string, number>();
  private sortedIds: string[] | undefined;

  constructor(
    raw: readonly Record<string, unknown>[],
    private readonly clock: () => number = Date.now,
  ) {
    const now = clock();
    raw.forEach((movie, index) => {
      let id = movieId(movie, index);
      if (this.docs.has(id)) id = `${id}-${index}`;
      this.docs.set(id, { ...movie, id, revision: 1, updatedAt: now });
    });
  }

  get size(): number {
    return this.docs.size;
  }

  get(id: string): MovieDoc | undefined {
    return this.docs.get(id);
  }

  /** Ids in a stable order (for paging). */
  ids(): readonly string[] {
    this.sortedIds ??= [...this.docs.keys()].sort();
    return this.sortedIds;
  }

  /** Replaces (or creates) a document. */
  put(id: string, fields: Record<string, unknown>): CatalogChange {
    const previous = this.docs.get(id);
    const doc = this.stamp(id, withoutSystemFields(fields), previous);
    this.docs.set(id, doc);
    if (!previous) this.sortedIds = undefined;
    return { op: 'upsert', id, version: doc.updatedAt, doc, created: !previous };
  }

  /** Merges fields into an existing document; `undefined` when there is none. */
  patch(id: string, fields: Record<string, unknown>): CatalogChange | undefined {
    const previous = this.docs.get(id);
    if (!previous) return undefined;
    const doc = this.stamp(id, { ...previous, ...withoutSystemFields(fields) }, previous);
    this.docs.set(id, doc);
    return { op: 'upsert', id, version: doc.updatedAt, doc };
  }

  /** Deletes a document; `undefined` when there is none. Its version is the deletion's time. */
  delete(id: string): CatalogChange | undefined {
    const previous = this.docs.get(id);
    if (!previous) return undefined;
    const version = nextVersion(this.clock(), previous.updatedAt);
    this.docs.delete(id);
    this.deletedAt.set(id, version);
    this.sortedIds = undefined;
    return { op: 'delete', id, version };
  }

  private stamp(id: string, fields: Record<string, unknown>, previous: MovieDoc | undefined): MovieDoc {
    const floor = previous?.updatedAt ?? this.deletedAt.get(id);
    return { ...fields, id, revision: (previous?.revision ?? 0) + 1, updatedAt: nextVersion(this.clock(), floor) };
  }
}

/** Epoch ms, but always above the previous version, even for two edits in one millisecond. */
function nextVersion(now: number, previous: number | undefined): number {
  return previous === undefined ? now : Math.max(now, previous + 1);
}

function withoutSystemFields(fields: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...fields };
  for (const field of SYSTEM_FIELDS) delete copy[field];
  return copy;
}
