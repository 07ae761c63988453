/** What a build says when it ends: its report, built from the run's state, and the report's publication. */
import type { TypeConfig } from '../config/schema.ts';
import type { Alert } from '../ports.ts';
import { describeError } from '../errors.ts';
import type { CleanupResult } from './cleanup.ts';
import type { BuildReport } from './report.ts';
import type { BuildFacts, Run, RunDeps } from './run.ts';

/** The report of `run`, from what it found (`state`), ending now with `outcome` for `reasons`. */
export function report(run: Run, state: BuildFacts, outcome: BuildReport['outcome'], reasons: string[]): BuildReport {
  const finishedAt = run.deps.clock();
  const durationMs = finishedAt - run.startedAt;
  const scanned = state.load?.scanned ?? 0;
  const loadSeconds = (state.load?.durationMs ?? 0) / 1000;
  const result: BuildReport = {
    type: run.type.name,
    buildId: run.buildId,
    outcome,
    reasons,
    startedAt: run.startedAt,
    finishedAt,
    durationMs,
    counts: {
      scanned,
      loaded: state.load?.loaded ?? 0,
      transformErrors: (state.load?.transformErrors ?? 0) + (state.replay?.transformErrors ?? 0) + (state.reconciliation?.transformErrors ?? 0),
      tombstonesCarried: state.carried,
      replayed: state.replay?.replayed ?? 0,
      ...(state.reconciliation ? { restored: state.reconciliation.restored } : {}),
      ...(state.gate ? { generation: state.gate.count.actual } : {}),
    },
    throughput: {
      loadPerSecond: loadSeconds > 0 ? Math.round(scanned / loadSeconds) : 0,
      overallPerSecond: durationMs > 0 ? Math.round(scanned / (durationMs / 1000)) : 0,
    },
    errorSamples: [...(state.load?.errorSamples ?? []), ...(state.replay?.errorSamples ?? []), ...(state.reconciliation?.errorSamples ?? [])].slice(0, 10),
    retired: state.retired,
    retries: run.retrier.retries,
  };
  if (state.generation !== undefined) result.generation = state.generation;
  if (state.activeBefore !== undefined) result.activeBefore = state.activeBefore;
  if (state.activeAfter !== undefined) result.activeAfter = state.activeAfter;
  if (state.gate) result.gate = state.gate;
  if (state.reconciliation) {
    const { checked, missing, restored, gone, restoredSample, durationMs } = state.reconciliation;
    result.reconciliation = { checked, missing, restored, gone, restoredIds: restoredSample.slice(0, 10), durationMs };
  }
  if (state.recovered) result.recovered = state.recovered;
  if (state.warmThroughput) result.warmThroughput = state.warmThroughput;
  return result;
}

/** Raises an alert when the build did not succeed. A failure here is logged: the report is stored already. */
export async function alertIfFailed(deps: RunDeps, type: TypeConfig, report: BuildReport): Promise<void> {
  if (report.outcome === 'succeeded') return;
  try {
    await deps.notifier.alert(alertOf(deps, type, report));
  } catch (error) {
    deps.log.error('could not raise the build alert', { type: type.name, buildId: report.buildId, error: describeError(error) });
  }
}

/** What the clean-up after a build did, as the published report says it. */
export type CleanupSummary = Pick<CleanupResult, 'generations' | 'deleted' | 'failed' | 'interrupted'> & { deletesPerSecond: number };

/**
 * Publishes the report with what the clean-up after the build did. A failure here is logged: the
 * report is stored already.
 */
export async function publish(deps: RunDeps, type: TypeConfig, report: BuildReport, cleanup: CleanupResult): Promise<void> {
  const { generations, deleted, failed, interrupted, rate } = cleanup;
  const summary: CleanupSummary = { generations, deleted, failed, interrupted, deletesPerSecond: rate.deletesPerSecond };
  try {
    await deps.notifier.report('build', type.name, { ...report, cleanup: summary });
  } catch (error) {
    deps.log.error('could not publish the build report', { type: type.name, buildId: report.buildId, error: describeError(error) });
  }
}

const SUMMARY: Record<Exclude<BuildReport['outcome'], 'succeeded'>, string> = { failed: 'failed', interrupted: 'was interrupted', abandoned: 'was abandoned' };

/** A failed or abandoned build is critical; one stopped on purpose (SIGTERM, Ctrl-C) a warning. */
function alertOf(deps: RunDeps, type: TypeConfig, report: BuildReport): Alert {
  const outcome = report.outcome as keyof typeof SUMMARY;
  return {
    kind: outcome === 'interrupted' ? 'build-interrupted' : 'build-failed',
    severity: outcome === 'interrupted' ? 'warning' : 'critical',
    type: type.name,
    summary: `rebuild of "${type.name}" ${SUMMARY[outcome]}: ${report.reasons[0] ?? 'unknown reason'}`,
    action: `Generation ${report.activeAfter ?? '(none)'} keeps serving. Read the build report (build ${report.buildId}), fix the cause, then rebuild "${type.name}" again.`,
    details: { buildId: report.buildId, reasons: report.reasons, gate: report.gate, errorSamples: report.errorSamples },
    at: deps.clock(),
  };
}
