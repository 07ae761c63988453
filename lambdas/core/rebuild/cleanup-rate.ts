/**
 * How fast the clean-up deletes: a rate the index table can take next to its live traffic,
 * derived from its capacity mode unless an operator set one (FRESHINDEX_CLEANUP_DELETES_PER_SECOND).
 * One delete of a record under 1 KB costs one write unit.
 */
import { describeError } from '../errors.ts';
import type { CapacityProbe, RebuildLog } from './ports.ts';

/** A clean-up rate and, for the report and `status`, where it came from. */
export interface CleanupRate {
  deletesPerSecond: number;
  from: string;
}

/**
 * The floor on an on-demand table: what one partition takes (1,000 write units/s), and a quarter
 * of what a new on-demand table serves at once (4,000), so no on-demand table throttles it.
 */
export const ON_DEMAND_FLOOR = 1_000;
/** A store without capacity modes (Redis): deletes are in-memory work, a small share of one node's throughput. */
export const NO_CAPACITY_MODE_RATE = 5_000;

/**
 * - configured: that rate;
 * - provisioned: half the table's write capacity (the other half stays for the appliers);
 * - on-demand: the rate the load just wrote at (the table sustained it, and on-demand tables take
 *   twice their previous peak at once), at least `ON_DEMAND_FLOOR`, at most half the table's
 *   maximum when one is set;
 * - a store without capacity modes: `NO_CAPACITY_MODE_RATE`; a table whose capacity cannot be
 *   read: `ON_DEMAND_FLOOR`.
 */
export async function cleanupRate(configured: number | undefined, probe: CapacityProbe | undefined, loadPerSecond: number, log: RebuildLog): Promise<CleanupRate> {
  if (configured !== undefined) return { deletesPerSecond: configured, from: 'configured' };
  if (!probe) return { deletesPerSecond: NO_CAPACITY_MODE_RATE, from: 'a store without capacity modes' };
  let capacity;
  try {
    capacity = await probe.writeCapacity();
  } catch (error) {
    log.warn('cannot read the index table capacity; the clean-up deletes at the on-demand floor', { error: describeError(error) });
  }
  if (!capacity) return { deletesPerSecond: ON_DEMAND_FLOOR, from: 'capacity unknown: the on-demand floor' };
  if (capacity.mode === 'provisioned') {
    return { deletesPerSecond: Math.max(1, Math.floor(capacity.writesPerSecond / 2)), from: `half of the table's ${capacity.writesPerSecond} provisioned write units` };
  }
  const rate = Math.max(ON_DEMAND_FLOOR, Math.round(loadPerSecond));
  if (capacity.maxWritesPerSecond !== undefined && rate > capacity.maxWritesPerSecond / 2) {
    return { deletesPerSecond: Math.max(1, Math.floor(capacity.maxWritesPerSecond / 2)), from: `on-demand: half of the table's maximum of ${capacity.maxWritesPerSecond} write units` };
  }
  return { deletesPerSecond: rate, from: rate === ON_DEMAND_FLOOR ? 'on-demand: the floor' : `on-demand: the load's rate` };
}
