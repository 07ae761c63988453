/**
 * Finds generations that may hold records but have no retirement note: those left by versions of
 * freshindex that noted a generation only after it left the pointer (a crash or a lost answer in
 * between leaked it). Every generation below the pointer's `nextGeneration` was handed out once;
 * the sweep notes the ones without a note, so the clean-up checks them, and remembers how far it
 * got, so each generation is looked at once.
 */
import type { Pointer } from '../pointer.ts';
import type { Clock } from '../ports.ts';
import type { Generation } from '../records.ts';
import { liveGenerations } from './pointer-ops.ts';
import type { Retirement, RetirementStore } from './ports.ts';

/** Generations without a note the pointer no longer names, noted per run at most (each costs the clean-up one scan). */
export const SWEPT_PER_RUN = 16;

/** Notes the generations below `pointer.nextGeneration` that `notes` lacks; returns the notes it added. */
export async function noteUnnoted(type: string, pointer: Pointer | undefined, notes: readonly Retirement[], retirements: RetirementStore, clock: Clock): Promise<Retirement[]> {
  if (!pointer) return [];
  const from = await retirements.sweptBelow(type);
  const noted = new Set(notes.filter((note) => note.records).map((note) => note.generation));
  const live = liveGenerations(pointer);
  const added: Retirement[] = [];
  let below: Generation = from;
  for (let generation = from; generation < pointer.nextGeneration; generation++) {
    if (!noted.has(generation)) {
      if (!live.has(generation) && added.filter((note) => note.retiredAt !== undefined).length >= SWEPT_PER_RUN) break;
      const note: Retirement = live.has(generation)
        ? { type, generation, records: true, reason: 'named by the pointer when the generations were swept' }
        : { type, generation, records: true, retiredAt: clock(), reason: 'not named by the pointer and never noted: left by an earlier run' };
      await retirements.add(note);
      added.push(note);
    }
    below = generation + 1;
  }
  if (below > from) await retirements.markSwept(type, below);
  return added;
}
