import type { TypeConfig } from '../config/schema.ts';

/** The longest a quarantined resource waits between two re-checks. */
export const MAX_QUARANTINE_RECHECK_MS = 3_600_000;

/**
 * How long until the next re-check of a resource. Until it is quarantined: the type's settle
 * delay. Quarantined: the settle delay after a clean check (so a fixed resource is released
 * quickly), doubling with every further difference up to an hour (so a resource that keeps
 * drifting costs a few checks a day, not one a minute).
 */
export function recheckDelayMs(
  config: Pick<TypeConfig, 'settleDelaySeconds' | 'quarantineThreshold'>,
  state: { quarantined: boolean; differences: number },
): number {
  const settleMs = config.settleDelaySeconds * 1000;
  if (!state.quarantined || state.differences === 0) return settleMs;
  const doublings = Math.min(20, Math.max(0, state.differences - config.quarantineThreshold + 1));
  return Math.min(MAX_QUARANTINE_RECHECK_MS, Math.max(settleMs, 1000) * 2 ** doublings);
}
