/**
 * The ops API on in-memory ports (no network): the checker's memory world plus recording
 * launcher, status reader and log.
 */
import type { FastifyInstance } from 'fastify';
import { buildOpsApp } from '../../../lambdas/api/app.ts';
import type { ApiLog, BuildLauncher, BuildRequest, OpsDeps, StatusReader } from '../../../lambdas/api/ports.ts';
import type { AuditReport } from '../../../lambdas/core/audit/report.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import type { Lease } from '../../../lambdas/core/rebuild/ports.ts';
import type { BuildRecord } from '../../../lambdas/core/rebuild/report.ts';
import { contentHash } from '../../../lambdas/core/hash.ts';
import { MetricRing } from '../../../lambdas/adapters/compose/index.ts';
import { MemoryReservations } from '../../support/memory/index.ts';
import { memoryWorld, videoConfig, type MemoryWorld } from '../verify/world.ts';

export class RecordingLauncher implements BuildLauncher {
  readonly submitted: BuildRequest[] = [];
  async submit(request: BuildRequest) {
    this.submitted.push(request);
    return { jobId: `job-${this.submitted.length}`, jobName: `freshindex-rebuild-${request.type}` };
  }
}

export class MemoryStatus implements StatusReader {
  builds: BuildRecord[] = [];
  audit: AuditReport | undefined;
  async latestBuild() {
    return this.builds[0];
  }
  async recentBuilds(_type: string, limit: number) {
    return this.builds.slice(0, limit);
  }
  async latestAudit() {
    return this.audit;
  }
}

export class RecordingLog implements ApiLog {
  readonly errors: Array<{ message: string; attributes?: Record<string, unknown> }> = [];
  info() {}
  error(message: string, attributes?: Record<string, unknown>) {
    this.errors.push({ message, ...(attributes ? { attributes } : {}) });
  }
}

export interface ApiWorld extends MemoryWorld {
  app: FastifyInstance;
  ops: OpsDeps;
  launcher: RecordingLauncher;
  status: MemoryStatus;
  log: RecordingLog;
  leases: Map<string, Lease>;
  reservations: MemoryReservations;
  /** The metrics route's ring: record into it to chart. */
  metrics: MetricRing;
}

/** An app over a `video` type (transform: `{ title }`, version: `doc.version`) with `docs` in its source. */
export async function apiWorld(docs: SourceDoc[] = [], configOverrides: Record<string, unknown> = {}): Promise<ApiWorld> {
  const world = memoryWorld(videoConfig(configOverrides), docs);
  const launcher = new RecordingLauncher();
  const status = new MemoryStatus();
  const log = new RecordingLog();
  const leases = new Map<string, Lease>();
  const reservations = new MemoryReservations();
  const metrics = new MetricRing(world.clock);
  const ops: OpsDeps = {
    types: world.deps.types,
    records: world.index,
    pointerStore: world.index,
    pointers: world.deps.pointers,
    catchUp: world.catchUp,
    quarantine: world.quarantine,
    counters: world.counters,
    status,
    launcher,
    leases: { read: async (type) => leases.get(type) },
    reservations,
    metrics,
    clock: world.clock,
    log,
  };
  const app = buildOpsApp(ops);
  await app.ready();
  return { ...world, app, ops, launcher, status, log, leases, reservations, metrics };
}

/** Puts `record` in the index as generation `generation`'s record of video/`id`. */
export function indexed(world: MemoryWorld, id: string, record: Record<string, unknown>, version = 1, generation = 1): void {
  world.index.put({ type: 'video', id, generation, version, hash: contentHash(record), deleted: false, writtenAt: world.clock.now, record });
}
