/**
 * The rebuild's control records and the build reservations in memory, for unit tests; they pass
 * the contracts of test/integration/store/build-control.contract.test.ts and
 * reservation-store.contract.test.ts.
 */
import { ConflictError } from '../../../lambdas/core/errors.ts';
import type { Generation } from '../../../lambdas/core/records.ts';
import type { BuildRecord, BuildRecordStore, Lease, LeaseStore, Retirement, RetirementStore } from '../../../lambdas/core/rebuild/index.ts';
import { tick } from './tick.ts';

/** The control records of the rebuild: leases, build records, retirement notes. */
export class MemoryControl implements LeaseStore, BuildRecordStore, RetirementStore {
  readonly leases = new Map<string, Lease>();
  readonly builds = new Map<string, BuildRecord>();
  readonly latestBuild = new Map<string, BuildRecord>();
  readonly notes = new Map<string, Retirement>();
  readonly swept = new Map<string, Generation>();

  async acquire(lease: Lease, now: number): Promise<void> {
    await tick();
    const current = this.leases.get(lease.type);
    // Held until its expiry has passed, as on DynamoDB (`leaseExpiresAt < :now` frees it).
    if (current && current.expiresAt >= now && current.buildId !== lease.buildId) throw new ConflictError(`the build lease of "${lease.type}" is held`, { type: lease.type });
    this.leases.set(lease.type, { ...lease });
  }

  async renew(lease: Lease, expiresAt: number): Promise<Lease> {
    await tick();
    const current = this.leases.get(lease.type);
    if (current?.buildId !== lease.buildId) throw new ConflictError(`build ${lease.buildId} no longer holds the lease of "${lease.type}"`, { type: lease.type });
    this.leases.set(lease.type, { ...current, expiresAt });
    return { ...lease, expiresAt };
  }

  async release(lease: Lease): Promise<void> {
    await tick();
    if (this.leases.get(lease.type)?.buildId === lease.buildId) this.leases.delete(lease.type);
  }

  async read(type: string): Promise<Lease | undefined> {
    await tick();
    const lease = this.leases.get(type);
    return lease ? { ...lease } : undefined;
  }

  async save(record: BuildRecord, options: { latest?: boolean } = {}): Promise<void> {
    await tick();
    this.builds.set(`${record.type}#${record.buildId}`, structuredClone(record));
    if (options.latest !== false) this.latestBuild.set(record.type, structuredClone(record));
  }

  async get(type: string, buildId: string): Promise<BuildRecord | undefined> {
    await tick();
    const record = this.builds.get(`${type}#${buildId}`);
    return record ? structuredClone(record) : undefined;
  }

  async latest(type: string): Promise<BuildRecord | undefined> {
    await tick();
    const record = this.latestBuild.get(type);
    return record ? structuredClone(record) : undefined;
  }

  async list(type: string, limit: number): Promise<BuildRecord[]> {
    await tick();
    return [...this.builds.values()]
      .filter((record) => record.type === type)
      .sort((a, b) => b.buildId.localeCompare(a.buildId))
      .slice(0, limit)
      .map((record) => structuredClone(record));
  }

  async add(retirement: Retirement): Promise<void> {
    await tick();
    this.notes.set(`${retirement.type}#${retirement.generation}#${retirement.records}`, { ...retirement });
  }

  async remove(type: string, generation: Generation, records: boolean): Promise<void> {
    await tick();
    this.notes.delete(`${type}#${generation}#${records}`);
  }

  async sweptBelow(type: string): Promise<Generation> {
    await tick();
    return this.swept.get(type) ?? 1;
  }

  async markSwept(type: string, below: Generation): Promise<void> {
    await tick();
    this.swept.set(type, below);
  }

  async pending(type: string): Promise<Retirement[]> {
    await tick();
    // In generation order, a generation's records note before its catch-up log's, as DynamoDB's sort keys order them.
    return [...this.notes.values()]
      .filter((note) => note.type === type)
      .sort((a, b) => a.generation - b.generation || Number(b.records) - Number(a.records))
      .map((note) => ({ ...note }));
  }
}
