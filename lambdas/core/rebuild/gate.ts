import type { GateConfig, TypeConfig } from '../config/schema.ts';
import { describeError } from '../errors.ts';
import type { RecordStore, Source, SourceDoc } from '../ports.ts';
import type { Generation, StoredRecord } from '../records.ts';
import { toUpsert } from '../transform.ts';
import type { Sleep } from './lease.ts';
import type { GenerationCounter } from './ports.ts';
import type { CountCheck, ErrorRateCheck, GateResult, SampleCheck } from './report.ts';

export interface GateArgs {
  type: TypeConfig;
  source: Source;
  records: RecordStore;
  counter: GenerationCounter;
  generation: Generation;
  /** Documents the build handled and how many the transform rejected. */
  scanned: number;
  transformErrors: number;
  /** The ids to compare with the source. */
  sample: readonly string[];
  /** Ids the reconciliation read again because the scan missed them (a sample): compared with the source too. */
  restored?: readonly string[] | undefined;
  /** Resources that differ are compared again this many times, `delayMs` apart (a change may be on its way). */
  recheck: { attempts: number; delayMs: number };
  sleep: Sleep;
  signal?: AbortSignal;
}

/**
 * The gate a generation must pass before it goes live: its live count is within tolerance of the
 * source's, the transform rejected few enough documents, and a random sample equals
 * transform(source) by content hash.
 */
export async function runGate(args: GateArgs): Promise<GateResult> {
  const gate = args.type.rebuild.gate;
  const [count, sample, restored] = await Promise.all([
    checkCount(args, gate),
    checkSample(args, args.sample),
    args.restored === undefined ? undefined : checkSample(args, args.restored),
  ]);
  const errorRate = checkErrorRate(args, gate);
  const reasons: string[] = [];
  if (!count.passed) {
    reasons.push(
      `count ${count.actual} differs from the ${count.expectedFrom === 'scan' ? 'scanned' : "source's"} ${count.expected} by ${percent(count.relativeDifference)} (tolerance ${percent(count.tolerance)})`,
    );
  }
  if (!errorRate.passed) {
    reasons.push(`the transform rejected ${errorRate.errors} of ${errorRate.scanned} documents (${percent(errorRate.rate)}, at most ${percent(errorRate.maxRate)} allowed)`);
  }
  if (!sample.passed) {
    reasons.push(`${sample.mismatches.length} of ${sample.size} sampled resources differ from transform(source) (${firstMismatches(sample)})`);
  }
  if (restored && !restored.passed) {
    reasons.push(`${restored.mismatches.length} of ${restored.size} resources the scan missed still differ from transform(source) after the reconciliation (${firstMismatches(restored)})`);
  }
  return { passed: reasons.length === 0, reasons, count, errorRate, sample, ...(restored ? { restored } : {}) };
}

function firstMismatches(check: SampleCheck): string {
  return check.mismatches.slice(0, 3).map((m) => `${m.id}: ${m.reason}`).join('; ');
}

async function checkCount(args: GateArgs, gate: GateConfig): Promise<CountCheck> {
  const [actual, estimate] = await Promise.all([
    args.counter.countLive(args.type.name, args.generation),
    args.source.estimateCount ? args.source.estimateCount().catch(() => undefined) : Promise.resolve(undefined),
  ]);
  const expected = estimate ?? args.scanned - args.transformErrors;
  const relativeDifference = Math.abs(actual - expected) / Math.max(expected, 1);
  return {
    passed: relativeDifference <= gate.countTolerance,
    expected,
    expectedFrom: estimate === undefined ? 'scan' : 'source-estimate',
    actual,
    relativeDifference: round(relativeDifference),
    tolerance: gate.countTolerance,
  };
}

function checkErrorRate(args: GateArgs, gate: GateConfig): ErrorRateCheck {
  const rate = args.scanned === 0 ? 0 : args.transformErrors / args.scanned;
  return { passed: rate <= gate.maxErrorRate, errors: args.transformErrors, scanned: args.scanned, rate: round(rate), maxRate: gate.maxErrorRate };
}

type Verdict = { kind: 'equal' } | { kind: 'behind'; reason: string } | { kind: 'mismatch'; reason: string };

async function checkSample(args: GateArgs, ids: readonly string[]): Promise<SampleCheck> {
  let verdicts = await compare(args, ids);
  for (let attempt = 0; attempt < args.recheck.attempts; attempt++) {
    const pending = [...verdicts].filter(([, verdict]) => verdict.kind !== 'equal').map(([id]) => id);
    if (pending.length === 0) break;
    await args.sleep(args.recheck.delayMs, args.signal);
    verdicts = new Map([...verdicts, ...(await compare(args, pending))]);
  }
  const all = [...verdicts];
  const mismatches = all.flatMap(([id, verdict]) => (verdict.kind === 'mismatch' ? [{ id, reason: verdict.reason }] : []));
  return {
    passed: mismatches.length === 0,
    size: all.length,
    equal: all.filter(([, verdict]) => verdict.kind === 'equal').length,
    inFlight: all.filter(([, verdict]) => verdict.kind === 'behind').length,
    mismatches,
  };
}

async function compare(args: GateArgs, ids: readonly string[]): Promise<Map<string, Verdict>> {
  if (ids.length === 0) return new Map();
  const [docs, stored] = await Promise.all([args.source.getMany(ids), args.records.getRecords(args.type.name, args.generation, ids)]);
  return new Map(ids.map((id) => [id, verdict(args.type, id, docs.get(id), stored.get(id))]));
}

/** Compares one stored record with transform(source document). */
export function verdict(type: TypeConfig, id: string, doc: SourceDoc | undefined, stored: StoredRecord | undefined): Verdict {
  if (doc === undefined) {
    return stored === undefined || stored.deleted ? { kind: 'equal' } : { kind: 'mismatch', reason: 'deleted in the source but live in the new generation' };
  }
  let expected;
  try {
    expected = toUpsert(type, id, doc);
  } catch (error) {
    return { kind: 'mismatch', reason: describeError(error) };
  }
  if (stored === undefined) return { kind: 'mismatch', reason: 'missing from the new generation' };
  if (stored.version < expected.version) return { kind: 'behind', reason: `version ${stored.version} < source ${expected.version}` };
  if (stored.version > expected.version) return { kind: 'mismatch', reason: `version ${stored.version} is ahead of the source's ${expected.version}` };
  if (stored.deleted) return { kind: 'mismatch', reason: `tombstoned at version ${stored.version} though the source has it` };
  return stored.hash === expected.hash ? { kind: 'equal' } : { kind: 'mismatch', reason: `content differs at version ${stored.version}` };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(2)}%`;
}
