/** The gate's verdict carried out: flip the new generation live, or discard it. */
import { describeError } from '../errors.ts';
import type { Generation } from '../records.ts';
import { discardBuilding, flipGeneration } from './pointer-ops.ts';
import type { BuildReport } from './report.ts';
import { report } from './reporting.ts';
import { phase, type Run } from './run.ts';

/** A passed build: the new generation goes live, the one it replaces and its catch-up log are handed to the clean-up. */
export async function flip(run: Run, generation: Generation): Promise<BuildReport> {
  const { deps, type, state } = run;
  await phase(run, 'flipping');
  const flipped = await flipGeneration(deps.pointers, type.name, run.buildId, deps.clock, async (current) => {
    await run.keeper.confirm();
    await run.recorder.update({ ...(current.previous === undefined ? {} : { retires: current.previous }) });
  });
  state.activeAfter = generation;
  deps.log.info('flipped', { type: type.name, buildId: run.buildId, active: generation, previous: flipped.before.active });
  const now = deps.clock();
  if (flipped.before.previous !== undefined) {
    await deps.retirements.add({ type: type.name, generation: flipped.before.previous, records: true, retiredAt: now, reason: `replaced by generation ${generation}` });
    state.retired.push(flipped.before.previous);
  }
  await deps.retirements.add({ type: type.name, generation, records: false, retiredAt: now, reason: 'catch-up log of the flipped generation' });
  return report(run, 'succeeded', []);
}

/** A failed build: the active generation keeps serving; the building one is cleared and handed to the clean-up. */
export async function discard(run: Run, reasons: string[]): Promise<BuildReport> {
  const { deps, type, state } = run;
  if (state.generation !== undefined) {
    try {
      await phase(run, 'discarding');
      const cleared = await discardBuilding(deps.pointers, type.name, run.buildId, deps.clock);
      if (cleared !== undefined) {
        await deps.retirements.add({ type: type.name, generation: cleared, records: true, retiredAt: deps.clock(), reason: `failed build ${run.buildId}` });
        state.retired.push(cleared);
      }
    } catch (error) {
      deps.log.error('could not discard the failed generation; the next build will', { type: type.name, buildId: run.buildId, error: describeError(error) });
    }
  }
  state.activeAfter = state.activeBefore;
  return report(run, 'failed', reasons);
}
