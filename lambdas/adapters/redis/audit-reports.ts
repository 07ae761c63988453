import type { AuditReportStore } from '../../core/audit/ports.ts';
import type { AuditReport } from '../../core/audit/report.ts';
import { parseStored } from './errors.ts';
import { ExpiringHistory } from './history.ts';
import type { ControlKeys } from './keys.ts';
import type { ScriptedRedis } from './scripts.ts';

/** How long past reports are kept, as on DynamoDB. */
const HISTORY_TTL_SECONDS = 90 * 24 * 3600;

/**
 * Audit reports on Redis: the latest at `al:{type}` (kept), each run at `a:{type}:finishedAt`
 * (JSON, expiring 90 days after it finished), and their finish times in the ZSET `ai:{type}`,
 * which ISO-8601 timestamps order by time.
 */
export class RedisAuditReportStore implements AuditReportStore {
  readonly #history: ExpiringHistory;

  constructor(client: ScriptedRedis, keys: ControlKeys) {
    this.#history = new ExpiringHistory(client, { item: (type, at) => keys.audit(type, at), index: (type) => keys.audits(type), latest: (type) => keys.latestAudit(type) }, 'audit report');
  }

  async save(report: AuditReport): Promise<void> {
    const expireAt = Math.floor(Date.parse(report.finishedAt) / 1000) + HISTORY_TTL_SECONDS;
    await this.#history.save(report.type, report.finishedAt, JSON.stringify(report), expireAt, { write: true, expires: false });
  }

  async latest(type: string): Promise<AuditReport | undefined> {
    const raw = await this.#history.latest(type);
    return raw === undefined ? undefined : parseStored<AuditReport>(raw, 'audit report', { type });
  }

  async history(type: string, limit: number): Promise<AuditReport[]> {
    return (await this.#history.newest(type, limit)).map((raw) => parseStored<AuditReport>(raw, 'audit report', { type }));
  }
}
