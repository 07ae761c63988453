import type { ResolvedType } from '../apply.ts';
import { documentId } from '../config/load.ts';
import { TransformError, UnknownTypeError } from '../errors.ts';
import type { Pointer } from '../pointer.ts';
import { ensurePointer } from '../pointer-cache.ts';
import type { CatchUpLog, Clock, Notifier, PointerStore, RecordStore, SourceDoc } from '../ports.ts';
import type { StoredRecord } from '../records.ts';
import { toUpsert } from '../transform.ts';
import { compare, expectedFrom, repair, type DifferenceKind, type Expected } from '../verify/compare.ts';
import type { AuditReportStore } from './ports.ts';
import { auditAlert, differencesOf, SAMPLE_LIMIT, type AuditReport } from './report.ts';

/** What an audit runs on. */
export interface AuditDeps {
  types: ReadonlyMap<string, ResolvedType>;
  pointers: PointerStore;
  records: RecordStore;
  catchUp: CatchUpLog;
  notifier: Notifier;
  reports: AuditReportStore;
  clock: Clock;
}

export interface AuditOptions {
  /** Parallel scan segments of each side. @default the type's `rebuild.concurrency`, else 4 */
  segments?: number;
  /** Page size hint of both scans. @default 100 */
  pageSize?: number;
  signal?: AbortSignal;
}

/**
 * Audits one type: compares its whole source with its active generation, reports what is missing
 * from the index, extra in it and different, repairs up to the type's `audit.maxRepairs`, alerts
 * past `audit.alertThreshold`, stores the report and publishes it.
 *
 * Memory stays bounded by the pages in flight, whatever the size of the type: the source is
 * streamed once and each page is looked up in the index (missing, different); the index is
 * streamed once and each page is looked up in the source (extra). Every candidate is confirmed by
 * fresh reads of both sides before it counts, so a change made while the scan ran is not
 * reported as drift. See docs/consistency.md.
 */
export async function auditType(deps: AuditDeps, typeName: string, options: AuditOptions = {}): Promise<AuditReport> {
  const resolved = deps.types.get(typeName);
  if (!resolved) throw new UnknownTypeError(typeName);
  const { config, source } = resolved;
  const started = deps.clock();
  const pointer = await ensurePointer(deps.pointers, typeName, started);
  const tally = new Tally(config.audit.maxRepairs);
  const segments = options.segments ?? config.rebuild.concurrency ?? 4;
  const scan = (segment: number) => ({ segment, totalSegments: segments, pageSize: options.pageSize ?? 100, ...(options.signal ? { signal: options.signal } : {}) });
  const confirmer = new Confirmer(deps, resolved, pointer, tally);

  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      for await (const docs of source.scan(scan(segment))) {
        tally.sourceCount += docs.length;
        const expected = new Map<string, Expected>();
        for (const doc of docs) {
          const entry = expectedOfDoc(resolved, doc, tally);
          if (entry) expected.set(entry.id, entry.expected);
        }
        const stored = await deps.records.getRecords(typeName, pointer.active, [...expected.keys()]);
        const candidates = [...expected].filter(([id, want]) => compare(want, stored.get(id)) !== undefined).map(([id]) => id);
        await confirmer.confirm(candidates, ['missing', 'content']);
      }
    }),
  );
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      for await (const records of deps.records.scanGeneration(typeName, pointer.active, scan(segment))) {
        const live = records.filter((record) => !record.deleted).map((record) => record.id);
        tally.indexCount += live.length;
        if (live.length === 0) continue;
        const found = await source.getMany(live);
        await confirmer.confirm(live.filter((id) => !found.has(id)), ['extra']);
      }
    }),
  );

  const finished = deps.clock();
  const report: AuditReport = {
    type: typeName,
    generation: pointer.active,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - started,
    ...tally.counts(),
    alerted: false,
  };
  if (differencesOf(report) > config.audit.alertThreshold) {
    report.alerted = true;
    await deps.notifier.alert(auditAlert(report, config.audit.alertThreshold, config.audit.maxRepairs, finished));
  }
  await deps.reports.save(report);
  await deps.notifier.report('audit', typeName, report as unknown as Record<string, unknown>);
  return report;
}

function expectedOfDoc(resolved: ResolvedType, doc: SourceDoc, tally: Tally): { id: string; expected: Expected } | undefined {
  let id = '(no id)';
  try {
    id = documentId(resolved.config, doc);
    return { id, expected: { kind: 'present', write: toUpsert(resolved.config, id, doc) } };
  } catch (error) {
    if (!(error instanceof TransformError) && !(error instanceof TypeError)) throw error;
    tally.transformError(id);
    return undefined;
  }
}

/** Re-reads candidates on both sides, counts the differences that hold, and repairs within budget. */
class Confirmer {
  constructor(
    private readonly deps: AuditDeps,
    private readonly resolved: ResolvedType,
    private readonly pointer: Pointer,
    private readonly tally: Tally,
  ) {}

  async confirm(ids: readonly string[], kinds: readonly DifferenceKind[]): Promise<void> {
    if (ids.length === 0) return;
    const type = this.resolved.config.name;
    // The index before the source, as the checker reads (core/verify/check.ts): an extra record's
    // tombstone is dated from this read and must be older than a re-create indexed after it.
    const stored = await this.deps.records.getRecords(type, this.pointer.active, ids);
    const docs = await this.resolved.source.getMany(ids);
    await Promise.all(ids.map((id) => this.#one(id, docs.get(id), stored.get(id), kinds)));
  }

  async #one(id: string, doc: SourceDoc | undefined, stored: StoredRecord | undefined, kinds: readonly DifferenceKind[]): Promise<void> {
    let expected: Expected;
    try {
      expected = expectedFrom(this.resolved.config, id, doc);
    } catch (error) {
      if (error instanceof TransformError) return;
      throw error;
    }
    const difference = compare(expected, stored);
    // A difference of another kind appeared while the scan ran: the other pass, or the checker of that change, owns it.
    if (!difference || !kinds.includes(difference.kind)) return;
    this.tally.difference(difference.kind, id);
    if (!this.tally.takeRepair()) return;
    const result = await repair(this.deps, this.resolved.config.name, this.pointer, id, expected, stored, this.resolved.embed);
    this.tally.repairDone(result === 'stale' ? 'refused' : 'repaired');
  }
}

/** The counts of one audit. Only the samples hold ids, and they are bounded. */
class Tally {
  sourceCount = 0;
  indexCount = 0;
  readonly #found: Record<DifferenceKind, number> = { missing: 0, extra: 0, content: 0 };
  readonly #samples = { missing: [] as string[], extra: [] as string[], different: [] as string[], transformErrors: [] as string[] };
  #transformErrors = 0;
  #repairsLeft: number;
  #repaired = 0;
  #refused = 0;
  #deferred = 0;

  constructor(maxRepairs: number) {
    this.#repairsLeft = maxRepairs;
  }

  difference(kind: DifferenceKind, id: string): void {
    this.#found[kind]++;
    sample(this.#samples[kind === 'content' ? 'different' : kind], id);
  }

  transformError(id: string): void {
    this.#transformErrors++;
    sample(this.#samples.transformErrors, id);
  }

  /** Takes one repair from the budget; `false` (and counted as deferred) once it is spent. */
  takeRepair(): boolean {
    if (this.#repairsLeft <= 0) {
      this.#deferred++;
      return false;
    }
    this.#repairsLeft--;
    return true;
  }

  repairDone(result: 'repaired' | 'refused'): void {
    if (result === 'repaired') this.#repaired++;
    else this.#refused++;
  }

  counts() {
    return {
      sourceCount: this.sourceCount,
      indexCount: this.indexCount,
      missing: this.#found.missing,
      extra: this.#found.extra,
      different: this.#found.content,
      transformErrors: this.#transformErrors,
      repaired: this.#repaired,
      repairsDeferred: this.#deferred,
      repairsRefused: this.#refused,
      samples: this.#samples,
    };
  }
}

function sample(list: string[], id: string): void {
  if (list.length < SAMPLE_LIMIT) list.push(id);
}
