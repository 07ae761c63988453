/**
 * Per-type gauges of the monitor: how many resources are quarantined, and whether the type's last
 * rebuild started longer ago than its schedule allows (the next scheduled run after it, plus a
 * grace period).
 */
import type { TypeConfig } from '../config/index.ts';
import type { QuarantineStore } from '../ports.ts';
import type { BuildRecordStore } from '../rebuild/ports.ts';
import { nextRunAfter } from '../schedule.ts';

/** One type's health, as the monitor publishes it. */
export interface TypeHealth {
  type: string;
  quarantined: number;
  /** True when the rebuild due after the last one has not started within the grace period. */
  rebuildOverdue: boolean;
  lastRebuildStartedAt: string | null;
  /** When a new rebuild should have started by (the next scheduled run after the last, plus grace). */
  rebuildDueBy: string | null;
}

export interface TypeHealthDeps {
  builds: Pick<BuildRecordStore, 'latest'>;
  quarantine: Pick<QuarantineStore, 'list'>;
}

/**
 * Whether a rebuild is overdue: `now` is past the schedule's next run after `lastStartedAt`
 * plus `graceMs`. A type never rebuilt is not overdue (nothing tells since when it should be).
 */
export function rebuildDueBy(schedule: string, lastStartedAt: number | undefined, graceMs: number, timezone?: string): number | null {
  if (lastStartedAt === undefined) return null;
  const next = nextRunAfter(schedule, lastStartedAt, timezone);
  return next === null ? null : next + graceMs;
}

/** The health of one type at `now`. */
export async function typeHealth(deps: TypeHealthDeps, type: TypeConfig, now: number, options: { rebuildGraceMs: number; timezone?: string }): Promise<TypeHealth> {
  const [latest, quarantined] = await Promise.all([deps.builds.latest(type.name), deps.quarantine.list(type.name)]);
  const dueBy = rebuildDueBy(type.rebuild.schedule, latest?.startedAt, options.rebuildGraceMs, options.timezone);
  return {
    type: type.name,
    quarantined: quarantined.length,
    rebuildOverdue: dueBy !== null && now > dueBy,
    lastRebuildStartedAt: latest ? new Date(latest.startedAt).toISOString() : null,
    rebuildDueBy: dueBy === null ? null : new Date(dueBy).toISOString(),
  };
}
