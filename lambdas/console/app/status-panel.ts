/// <reference lib="dom" />
/**
 * The type's status panel: generations with their counts, a running build's phase and progress
 * bar (items, rate, ETA), the last build and audit reports, and the rebuild and rollback actions.
 */
import type { TypeStatus } from '../../api/status.ts';
import { api, typePath } from './api.ts';
import { confirmAction } from './confirm.ts';
import { byId, count, fill, h, seconds, when } from './dom.ts';

/** Renders `status` into the panel's elements (made once by the page skeleton). */
export function renderStatus(status: TypeStatus): void {
  const { generations, records } = status;
  fill(
    byId('generations'),
    ...row('Active', generations.active === null ? 'none yet' : `generation ${generations.active}`, records.active ? `${count(records.active.count)} records (counted by ${records.active.countedBy})` : ''),
    ...row('Previous', generations.previous === null ? 'none' : `generation ${generations.previous}`, records.previous ? `${count(records.previous.count)} records, kept for rollback` : generations.previous === null ? '' : 'kept for rollback'),
    ...row('Building', generations.building ? `generation ${generations.building.generation}` : 'no build running', generations.building ? `started ${when(generations.building.startedAt)}` : ''),
    ...row('Quarantined', count(status.quarantined), 'resources served from the source'),
  );
  renderProgress(status);
  byId('last-build').replaceChildren(...buildReport(status.lastBuild));
  byId('last-audit').replaceChildren(...auditReport(status.lastAudit));
}

function row(term: string, value: string, note: string): HTMLElement[] {
  return [h('dt', {}, term), h('dd', {}, h('span', { 'data-field': term.toLowerCase() }, value), note ? h('span', { class: 'note' }, ` ${note}`) : null)];
}

function renderProgress(status: TypeStatus): void {
  const box = byId('build');
  const build = status.lastBuild;
  const progress = status.buildProgress;
  if (!build || build.status !== 'running' || !progress) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const bar = byId<HTMLProgressElement>('build-progress');
  if (progress.total) {
    bar.max = progress.total;
    bar.value = Math.min(progress.done, progress.total);
  } else {
    bar.removeAttribute('value');
  }
  const share = progress.total ? ` of ${count(progress.total)} (${Math.floor((100 * progress.done) / progress.total)} %)` : '';
  byId('build-text').textContent =
    `Phase ${build.phase}: ${count(progress.done)}${share} documents, ${count(Math.round(progress.perSecond))}/s` + (progress.etaSeconds !== undefined ? `, about ${seconds(progress.etaSeconds)} left` : '');
}

function buildReport(build: TypeStatus['lastBuild']): Node[] {
  if (!build) return [h('p', {}, 'No build yet.')];
  const report = build.report;
  const lines: Array<[string, string]> = [
    ['Build', `${build.buildId} (${build.status}${build.status === 'running' ? `, ${build.phase}` : ''})`],
    ['Started', when(new Date(build.startedAt).toISOString())],
  ];
  if (report) {
    lines.push(['Outcome', `${report.outcome}${report.generation !== undefined ? `, generation ${report.generation}` : ''}, ${seconds(report.durationMs / 1000)}`]);
    lines.push(['Counts', `${count(report.counts.scanned)} scanned, ${count(report.counts.loaded)} loaded, ${count(report.counts.transformErrors)} rejected, ${count(report.counts.replayed)} replayed`]);
    if (report.reasons.length > 0) lines.push(['Reasons', report.reasons.join('; ')]);
  }
  return [h('dl', {}, ...lines.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]))];
}

function auditReport(audit: TypeStatus['lastAudit']): Node[] {
  if (!audit) return [h('p', {}, 'No audit yet.')];
  const differences = audit.missing + audit.extra + audit.different;
  const lines: Array<[string, string]> = [
    ['Audited', `generation ${audit.generation}, finished ${when(audit.finishedAt)}`],
    ['Counts', `${count(audit.sourceCount)} in the source, ${count(audit.indexCount)} in the index`],
    ['Differences', differences === 0 ? 'none' : `${count(audit.missing)} missing, ${count(audit.extra)} extra, ${count(audit.different)} different; ${count(audit.repaired)} repaired`],
  ];
  const samples = [...audit.samples.missing, ...audit.samples.extra, ...audit.samples.different].slice(0, 10);
  if (samples.length > 0) lines.push(['Samples', samples.join(', ')]);
  return [h('dl', {}, ...lines.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]))];
}

/** Wires the rebuild and rollback buttons to the selected type. */
export function wireTypeActions(selected: () => string, refresh: () => void): void {
  byId('rebuild').addEventListener('click', () => {
    const type = selected();
    confirmAction({
      title: `Rebuild ${type}?`,
      description: `Builds a new generation of ${type} from the source in the background and flips readers to it when its gate passes. The active generation keeps serving meanwhile.`,
      verb: 'Rebuild',
      run: () => api('POST', typePath(type, 'rebuild'), { reason: 'started from the console' }),
      done: (answer) => {
        refresh();
        return `Rebuild of ${type} submitted (job ${(answer as { jobId?: string }).jobId ?? '?'}).`;
      },
    });
  });
  byId('audit').addEventListener('click', () => {
    const type = selected();
    confirmAction({
      title: `Audit ${type}?`,
      description: `Compares the whole source of ${type} with its active generation in the background and repairs what differs (up to the type's audit.maxRepairs). The report shows under Reports when it is done.`,
      verb: 'Audit',
      run: () => api('POST', typePath(type, 'audit'), { reason: 'started from the console' }),
      done: (answer) => {
        refresh();
        return `Audit of ${type} submitted (job ${(answer as { jobId?: string }).jobId ?? '?'}).`;
      },
    });
  });
  byId('rollback').addEventListener('click', () => {
    const type = selected();
    confirmAction({
      title: `Roll ${type} back?`,
      description: `Readers switch back to the previous generation of ${type} (within their pointer cache lifetime); the active one becomes the previous.`,
      verb: 'Roll back',
      run: () => api('POST', typePath(type, 'rollback')),
      done: (answer) => {
        refresh();
        const { from, to } = answer as { from: number; to: number };
        return `${type} rolled back from generation ${from} to ${to}.`;
      },
    });
  });
}
