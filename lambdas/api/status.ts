/**
 * The status of a type as operators see it: its generations, how many records each holds, its
 * latest build (and progress) and audit, and how many resources are quarantined.
 */
import { UnknownTypeError } from '../core/errors.ts';
import type { ResolvedType } from '../core/apply.ts';
import type { Generation } from '../core/records.ts';
import type { AuditReport } from '../core/audit/report.ts';
import type { BuildRecord, CleanupProgress } from '../core/rebuild/report.ts';
import { scanCounter } from '../core/rebuild/count.ts';
import { deadLetterQueueNames, type DeadLetterQueueName } from '../core/dead-letters.ts';
import { describeError } from '../core/errors.ts';
import type { OpsDeps } from './ports.ts';

/** A generation's live record count and who counted it. */
export interface RecordCount {
  count: number;
  countedBy: 'build' | 'audit' | 'scan';
  countedAt?: string;
}

export interface TypeStatus {
  type: string;
  indexed: boolean;
  generations: {
    active: Generation | null;
    previous: Generation | null;
    building: { generation: Generation; buildId: string; startedAt: string } | null;
    pointerRevision?: number;
    pointerUpdatedAt?: string;
  };
  records: { active: RecordCount | null; previous: RecordCount | null };
  lastBuild: BuildRecord | null;
  buildProgress: BuildRecord['progress'] | null;
  lastAudit: AuditReport | null;
  quarantined: number;
  /** The clean-up after the latest build that ran one: retired generations being deleted, at what rate. */
  cleanup: CleanupStatus | null;
}

/** `CleanupProgress` with its instants as ISO dates, and the build that runs it. */
export type CleanupStatus = Omit<CleanupProgress, 'startedAt' | 'updatedAt' | 'finishedAt'> & { buildId: string; startedAt: string; updatedAt: string; finishedAt?: string };

/** How many recent builds are searched for the counts of the active and previous generations. */
const BUILDS_SEARCHED = 5;
/** Parallel segments of an exact count. */
const COUNT_SEGMENTS = 4;

/** The type's config and source; throws `UnknownTypeError` (404) for a type the config does not declare. */
export function resolveType(deps: Pick<OpsDeps, 'types'>, type: string): ResolvedType {
  const resolved = deps.types.get(type);
  if (!resolved) throw new UnknownTypeError(type);
  return resolved;
}

/**
 * The status of one type. Record counts come from the latest build or audit that counted each
 * generation; with `exact`, the live generations are scanned and counted now (slow on big types).
 */
export async function typeStatus(deps: OpsDeps, type: string, options: { exact?: boolean } = {}): Promise<TypeStatus> {
  resolveType(deps, type);
  const [pointer, latestBuild, recentBuilds, lastAudit, quarantined] = await Promise.all([
    deps.pointerStore.readPointer(type),
    deps.status.latestBuild(type),
    deps.status.recentBuilds(type, BUILDS_SEARCHED),
    deps.status.latestAudit(type),
    deps.quarantine.list(type),
  ]);
  const lastBuild = latestBuild ?? null;
  const builds = latestBuild ? [latestBuild, ...recentBuilds] : recentBuilds;
  const countOf = async (generation: Generation | undefined): Promise<RecordCount | null> => {
    if (generation === undefined) return null;
    if (options.exact) {
      return { count: await (deps.counter ?? scanCounter(deps.records, COUNT_SEGMENTS)).countLive(type, generation), countedBy: 'scan', countedAt: iso(deps.clock()) };
    }
    return reportedCount(generation, builds, lastAudit);
  };
  const [active, previous] = await Promise.all([countOf(pointer?.active), countOf(pointer?.previous)]);
  return {
    type,
    indexed: pointer !== undefined,
    generations: {
      active: pointer?.active ?? null,
      previous: pointer?.previous ?? null,
      building: pointer?.building
        ? { generation: pointer.building.generation, buildId: pointer.building.buildId, startedAt: iso(pointer.building.startedAt) }
        : null,
      ...(pointer ? { pointerRevision: pointer.revision, pointerUpdatedAt: iso(pointer.updatedAt) } : {}),
    },
    records: { active, previous },
    lastBuild,
    buildProgress: lastBuild?.status === 'running' ? lastBuild.progress : null,
    lastAudit: lastAudit ?? null,
    quarantined: quarantined.length,
    cleanup: cleanupOf(builds),
  };
}

/** The clean-up of the most recent build that started one. */
function cleanupOf(builds: readonly BuildRecord[]): CleanupStatus | null {
  const build = builds.find((candidate) => candidate.cleanup !== undefined);
  if (!build?.cleanup) return null;
  const { startedAt, updatedAt, finishedAt, ...rest } = build.cleanup;
  return { ...rest, buildId: build.buildId, startedAt: iso(startedAt), updatedAt: iso(updatedAt), ...(finishedAt === undefined ? {} : { finishedAt: iso(finishedAt) }) };
}

/** The most recent count of a generation among the builds that produced it and the latest audit. */
function reportedCount(generation: Generation, builds: readonly BuildRecord[], audit: AuditReport | undefined): RecordCount | null {
  const candidates: Array<RecordCount & { at: number }> = [];
  for (const build of builds) {
    const counted = build.report?.counts.generation;
    if (build.report?.generation === generation && counted !== undefined) {
      candidates.push({ count: counted, countedBy: 'build', countedAt: iso(build.report.finishedAt), at: build.report.finishedAt });
    }
  }
  if (audit && audit.generation === generation) {
    const at = Date.parse(audit.finishedAt);
    candidates.push({ count: audit.indexCount, countedBy: 'audit', countedAt: audit.finishedAt, at });
  }
  candidates.sort((a, b) => b.at - a.at);
  const newest = candidates[0];
  if (!newest) return null;
  const { at: _at, ...count } = newest;
  return count;
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** The depth of one dead-letter queue as status shows it. */
export interface DeadLetterDepthStatus {
  queue: DeadLetterQueueName;
  /** False when this deployment does not name the queue (no counts then). */
  configured: boolean;
  visible?: number;
  inFlight?: number;
  /** Set when the depth could not be read (the status itself still answers). */
  error?: string;
}

/**
 * The depth of the apply and verify dead-letter queues and of each own apply queue's
 * (`apply:<type>`, the types with `delivery.queue: 'own'`); a queue that cannot be read says so
 * instead of failing the status.
 */
export async function deadLetterDepths(deps: Pick<OpsDeps, 'deadLetters' | 'log' | 'types'>): Promise<DeadLetterDepthStatus[]> {
  return Promise.all(
    deadLetterQueueNames([...deps.types.values()].map((type) => type.config)).map(async (queue): Promise<DeadLetterDepthStatus> => {
      const inbox = deps.deadLetters?.[queue];
      if (!inbox) return { queue, configured: false };
      try {
        return { queue, configured: true, ...(await inbox.depth()) };
      } catch (error) {
        deps.log.error('dead-letter queue depth unreadable', { queue, error: describeError(error) });
        return { queue, configured: true, error: 'the depth could not be read (logged)' };
      }
    }),
  );
}
