import { describe, expect, it } from 'vitest';
import { auditType, type AuditDeps } from '../../../lambdas/core/audit/audit.ts';
import { MemoryAuditReports, savedReports } from '../../support/memory/index.ts';
import { contentHash } from '../../../lambdas/core/hash.ts';
import type { SourceDoc } from '../../../lambdas/core/ports.ts';
import { memoryWorld, videoConfig, type MemoryWorld } from './world.ts';

/** 10 documents in the source, all indexed correctly; then the plants. */
function plantedWorld(audit: Record<string, unknown> = {}) {
  const docs = Array.from({ length: 10 }, (_, i) => ({ id: `v${i}`, title: `t${i}`, version: 1 }));
  const world = memoryWorld(videoConfig({ audit }), docs);
  for (const doc of docs) {
    const record = { title: doc.title };
    world.index.put({ type: 'video', id: doc.id, generation: 1, version: 1, hash: contentHash(record), deleted: false, writtenAt: 0, record });
  }
  world.index.drop('video', 'v1'); // missing
  world.index.drop('video', 'v2');
  world.index.put({ type: 'video', id: 'x1', generation: 1, version: 1, hash: 'h', deleted: false, writtenAt: 0, record: { title: 'ghost' } }); // extra
  world.index.put({ type: 'video', id: 'v3', generation: 1, version: 1, hash: 'h', deleted: false, writtenAt: 0, record: { title: 'wrong' } }); // different
  const reports = new MemoryAuditReports();
  const deps: AuditDeps = { ...world.deps, pointers: world.index, reports };
  return { world, deps, reports };
}

function auditOf(deps: AuditDeps) {
  return auditType(deps, 'video', { segments: 2, pageSize: 3 });
}

describe('auditType', () => {
  it('reports exactly the planted missing, extra and different records', async () => {
    const { deps } = plantedWorld();

    const report = await auditOf(deps);

    expect(report).toMatchObject({ sourceCount: 10, missing: 2, extra: 1, different: 1 });
    expect({ missing: [...report.samples.missing].sort(), extra: report.samples.extra, different: report.samples.different }).toEqual({
      missing: ['v1', 'v2'],
      extra: ['x1'],
      different: ['v3'],
    });
  });

  it('repairs what it finds, so a second audit finds nothing', async () => {
    const { deps } = plantedWorld();
    await auditOf(deps);

    const second = await auditOf(deps);

    expect(second).toMatchObject({ missing: 0, extra: 0, different: 0, repaired: 0 });
  });

  it('keeps an extra record re-created while the audit confirmed it gone: the tombstone is dated from the index as it was before the source read', async () => {
    // Prepare: x1 is indexed but not in the source. Right as the confirming source read (the
    // second that asks for x1, after the index scan's) answers "gone", x1 is created at the source
    // at v2 and a live applier indexes it.
    const { deps, world } = plantedWorld();
    let asked = 0;
    world.source.getMany = async (ids) => {
      const answer = new Map(ids.flatMap((id) => (world.source.docs.has(id) ? [[id, world.source.docs.get(id) as SourceDoc] as const] : [])));
      if (ids.includes('x1') && ++asked === 2) {
        world.source.docs.set('x1', { id: 'x1', title: 'back', version: 2 });
        world.index.put({ type: 'video', id: 'x1', generation: 1, version: 2, hash: contentHash({ title: 'back' }), deleted: false, writtenAt: 1, record: { title: 'back' } });
      }
      return answer;
    };

    // Act
    const report = await auditOf(deps);

    // Assess: its repair was refused (the tombstone at v1 is older), and x1 stands at v2.
    expect(report).toMatchObject({ extra: 1, repairsRefused: 1 });
    expect(world.index.stored('video', 'x1')).toMatchObject({ deleted: false, version: 2 });
  });

  it('repairs no more than the type allows per run and says how many were left', async () => {
    const { deps } = plantedWorld({ maxRepairs: 1 });

    const report = await auditOf(deps);

    expect(report).toMatchObject({ repaired: 1, repairsDeferred: 3 });
  });

  it('alerts when the differences pass the threshold', async () => {
    const { deps, world } = plantedWorld({ alertThreshold: 3 });

    await auditOf(deps);

    expect(world.notifier.alerts).toMatchObject([{ kind: 'audit-drift', type: 'video' }]);
  });

  it('does not alert at or under the threshold', async () => {
    const { deps, world } = plantedWorld({ alertThreshold: 4 });

    await auditOf(deps);

    expect(world.notifier.alerts).toEqual([]);
  });

  it('stores and publishes its report', async () => {
    const { deps, world, reports } = plantedWorld();

    const report = await auditOf(deps);

    expect(savedReports(reports, 'video')).toEqual([report]);
    expect(world.notifier.reports).toMatchObject([{ kind: 'audit', type: 'video' }]);
  });

  it('does not report a difference that a change fixed while the scan ran', async () => {
    const { deps, world } = plantedWorld();
    fixDuringScan(world, 'v3');

    const report = await auditOf(deps);

    expect(report.different).toBe(0);
  });

  it('counts documents the transform rejects apart from differences', async () => {
    const docs = [{ id: 'ok', title: 'fine', version: 1 }, { id: 'bad', title: 'x', version: 'never' }];
    const world = memoryWorld(videoConfig(), docs);
    world.index.put({ type: 'video', id: 'ok', generation: 1, version: 1, hash: 'h', deleted: false, writtenAt: 0, record: { title: 'fine' } });

    const report = await auditType({ ...world.deps, pointers: world.index, reports: new MemoryAuditReports() }, 'video');

    expect(report).toMatchObject({ transformErrors: 1, missing: 0, samples: { transformErrors: ['bad'] } });
  });
});

/** Rewrites `id` correctly in the index right after the audit's first read of it (a change landing mid-audit). */
function fixDuringScan(world: MemoryWorld, id: string) {
  const getRecords = world.index.getRecords.bind(world.index);
  let fixed = false;
  world.index.getRecords = async (type, generation, ids) => {
    const found = await getRecords(type, generation, ids);
    if (!fixed && ids.includes(id)) {
      fixed = true;
      const record = { title: (await world.source.get(id))?.['title'] };
      world.index.put({ type: 'video', id, generation: 1, version: 1, hash: contentHash(record), deleted: false, writtenAt: 0, record });
    }
    return found;
  };
}
