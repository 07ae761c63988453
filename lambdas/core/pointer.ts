import type { Generation } from './records.ts';

/** The build that is filling a generation right now. */
export interface BuildingGeneration {
  generation: Generation;
  buildId: string;
  startedAt: number;
}

/**
 * The per-type record naming its generations. Readers follow `active`; appliers write `active`
 * and, while one exists, `building`. Every change to it is one conditional write on `revision`.
 */
export interface Pointer {
  type: string;
  /** The generation serving reads. */
  active: Generation;
  /** The generation that served before the last flip, kept for instant rollback. */
  previous?: Generation;
  /** The generation a rebuild is filling, if one runs. */
  building?: BuildingGeneration;
  /** The next generation number to hand out (generations are never reused). */
  nextGeneration: Generation;
  /** Bumped by every conditional update. */
  revision: number;
  updatedAt: number;
}

/** The pointer of a type that has never been indexed: generation 1 is active and empty. */
export function initialPointer(type: string, now: number): Pointer {
  return { type, active: 1, nextGeneration: 2, revision: 1, updatedAt: now };
}

/** The generations a change must be written to: the active one and the building one. */
export function writeTargets(pointer: Pointer): Generation[] {
  return pointer.building ? [pointer.active, pointer.building.generation] : [pointer.active];
}

/** Derives the next pointer state from `current`, bumping its revision. */
export function nextPointer(current: Pointer, change: Partial<Omit<Pointer, 'type' | 'revision'>>, now: number): Pointer {
  const next: Pointer = { ...current, ...change, revision: current.revision + 1, updatedAt: now };
  for (const key of ['previous', 'building'] as const) {
    if (key in change && change[key] === undefined) delete next[key];
  }
  return next;
}
