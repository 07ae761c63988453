/** The gate's verdict carried out: flip the new generation live, or discard it. */
import { describeError } from '../errors.ts';
import type { Generation } from '../records.ts';
import { discardBuilding, flipGeneration } from './pointer-ops.ts';
import type { BuildReport } from './report.ts';
import { report } from './reporting.ts';
import { enter, phase, type BuildFacts, type Run } from './run.ts';

/**
 * A passed build: the new generation goes live. Once the flip landed (its answer lost or not),
 * the build succeeded; the notes written after it only speed the clean-up up (the generation it
 * replaced was noted when it was opened), so their failure is logged, not reported as failure.
 */
export async function flip(run: Run, facts: BuildFacts, generation: Generation): Promise<BuildReport> {
  const { deps, type } = run;
  await phase(run, 'flipping');
  const flipped = await flipGeneration(deps.pointers, type.name, run.buildId, generation, deps.clock, async () => void (await run.keeper.confirm()), run.retrier);
  deps.log.info('flipped', { type: type.name, buildId: run.buildId, active: generation, previous: flipped.before.active });
  const now = deps.clock();
  const retired = flipped.before.previous === undefined ? [] : [flipped.before.previous];
  try {
    for (const old of retired) {
      await deps.retirements.add({ type: type.name, generation: old, records: true, retiredAt: now, reason: `replaced by generation ${generation}` });
    }
    await deps.retirements.add({ type: type.name, generation, records: false, retiredAt: now, reason: 'catch-up log of the flipped generation' });
  } catch (error) {
    deps.log.warn('could not note what the flip retired; the clean-up finds it by its earlier note', { type: type.name, buildId: run.buildId, error: describeError(error) });
  }
  return report(run, { ...facts, activeAfter: generation, retired }, 'succeeded', []);
}

/**
 * A build that will not flip: the active generation keeps serving; the building one is cleared and
 * noted retired. Should the pointer show the generation live after all (a flip whose every answer
 * was lost), the build is reported as what it is: succeeded.
 */
export async function discard(run: Run, facts: BuildFacts, outcome: 'failed' | 'interrupted', reasons: string[]): Promise<BuildReport> {
  const { deps, type } = run;
  const generation = facts.generation;
  if (generation === undefined) return report(run, { ...facts, activeAfter: facts.activeBefore }, outcome, reasons);
  let retired: Generation[] = [];
  try {
    await enter(run, 'discarding');
    const cleared = await discardBuilding(deps.pointers, type.name, run.buildId, deps.clock, run.retrier);
    if (cleared !== undefined) {
      retired = [cleared];
      await deps.retirements.add({ type: type.name, generation: cleared, records: true, retiredAt: deps.clock(), reason: `${outcome} build ${run.buildId}` });
    } else {
      const pointer = await deps.pointers.readPointer(type.name);
      if (pointer?.active === generation) return report(run, { ...facts, activeAfter: generation }, 'succeeded', []);
    }
  } catch (error) {
    deps.log.error('could not discard the generation; the next build will', { type: type.name, buildId: run.buildId, error: describeError(error) });
  }
  return report(run, { ...facts, activeAfter: facts.activeBefore, retired }, outcome, reasons);
}
