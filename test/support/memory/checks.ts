/**
 * The checker's and the audit's stores in memory, for unit tests: quarantine, difference
 * counters, audit reports. They pass the contracts the DynamoDB and Redis stores pass.
 */
import type { AuditReportStore } from '../../../lambdas/core/audit/ports.ts';
import type { AuditReport } from '../../../lambdas/core/audit/report.ts';
import type { QuarantineEntry, QuarantineStore } from '../../../lambdas/core/ports.ts';
import {
  MAX_DIFFERENCE_SUMMARY,
  RECENT_DIFFERENCES,
  type CheckCounters,
  type DifferenceCounters,
  type DifferenceSeen,
} from '../../../lambdas/core/verify/ports.ts';
import { tick } from './tick.ts';

export class MemoryQuarantine implements QuarantineStore {
  readonly entries = new Map<string, QuarantineEntry>();

  async list(type: string): Promise<QuarantineEntry[]> {
    await tick();
    return [...this.entries.values()].filter((entry) => entry.type === type).map((entry) => ({ ...entry }));
  }

  async get(type: string, id: string): Promise<QuarantineEntry | undefined> {
    await tick();
    const entry = this.entries.get(`${type}#${id}`);
    return entry ? { ...entry } : undefined;
  }

  async add(entry: QuarantineEntry): Promise<boolean> {
    await tick();
    if (this.entries.has(`${entry.type}#${entry.id}`)) return false;
    this.entries.set(`${entry.type}#${entry.id}`, { ...entry });
    return true;
  }

  async recordCleanCheck(type: string, id: string): Promise<number | undefined> {
    await tick();
    const entry = this.entries.get(`${type}#${id}`);
    if (!entry) return undefined;
    entry.cleanChecks++;
    return entry.cleanChecks;
  }

  async release(type: string, id: string): Promise<boolean> {
    await tick();
    return this.entries.delete(`${type}#${id}`);
  }
}

export class MemoryDifferenceCounters implements DifferenceCounters {
  readonly state = new Map<string, CheckCounters>();

  async get(type: string, id: string): Promise<CheckCounters | undefined> {
    await tick();
    const found = this.state.get(`${type}#${id}`);
    return found ? structuredClone(found) : undefined;
  }

  async recordDifference(type: string, id: string, seen: DifferenceSeen, nextCheckAt: number): Promise<CheckCounters> {
    await tick();
    const current = this.state.get(`${type}#${id}`) ?? { differences: 0, cleanChecks: 0, recent: [] };
    const entry = { at: seen.at, summary: seen.summary.slice(0, MAX_DIFFERENCE_SUMMARY) };
    const next = { differences: current.differences + 1, cleanChecks: 0, recent: [...current.recent, entry].slice(-RECENT_DIFFERENCES), nextCheckAt };
    this.state.set(`${type}#${id}`, next);
    return structuredClone(next);
  }

  async recordClean(type: string, id: string, nextCheckAt?: number): Promise<CheckCounters> {
    await tick();
    const current = this.state.get(`${type}#${id}`) ?? { differences: 0, cleanChecks: 0, recent: [] };
    const next: CheckCounters = { ...current, differences: 0, cleanChecks: current.cleanChecks + 1 };
    if (nextCheckAt === undefined) delete next.nextCheckAt;
    else next.nextCheckAt = nextCheckAt;
    this.state.set(`${type}#${id}`, next);
    return structuredClone(next);
  }

  async clear(type: string, id: string): Promise<void> {
    await tick();
    this.state.delete(`${type}#${id}`);
  }
}

/** Audit reports: the latest saved per type, and every run by its finish time (a run saved again replaces itself). */
export class MemoryAuditReports implements AuditReportStore {
  readonly latestByType = new Map<string, AuditReport>();
  readonly runs = new Map<string, AuditReport>();

  async save(report: AuditReport): Promise<void> {
    await tick();
    this.latestByType.set(report.type, structuredClone(report));
    this.runs.set(`${report.type}#${report.finishedAt}`, structuredClone(report));
  }

  async latest(type: string): Promise<AuditReport | undefined> {
    await tick();
    const report = this.latestByType.get(type);
    return report ? structuredClone(report) : undefined;
  }

  async history(type: string, limit: number): Promise<AuditReport[]> {
    await tick();
    return [...this.runs.values()]
      .filter((report) => report.type === type)
      .sort((a, b) => b.finishedAt.localeCompare(a.finishedAt))
      .slice(0, limit)
      .map((report) => structuredClone(report));
  }
}

/** Every saved report of a type, oldest first, read directly. */
export function savedReports(reports: MemoryAuditReports, type: string): AuditReport[] {
  return [...reports.runs.values()].filter((report) => report.type === type).sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
}
