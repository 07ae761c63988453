/// <reference lib="dom" />
/**
 * The two charts of a type over the last 15 minutes (uPlot): changes applied per second, and the
 * freshness lag p50/p99. Each has a text summary of its last periods for screen readers and
 * for the tests to read.
 */
import uPlot from 'uplot';
import { byId, count } from './dom.ts';

/** The metrics route's answer. */
export interface Series {
  source: 'local' | 'cloudwatch';
  periodSeconds: number;
  points: Array<{ at: string; appliedPerSecond: number; lagP50Ms: number | null; lagP99Ms: number | null }>;
}

const WIDTH = 520;
const HEIGHT = 180;

/** The charts of the page, made on the first data. */
export class Charts {
  #applied: uPlot | undefined;
  #lag: uPlot | undefined;

  /** Shows `series`. */
  update(series: Series): void {
    const times = series.points.map((point) => Date.parse(point.at) / 1000);
    const applied = series.points.map((point) => point.appliedPerSecond);
    const p50 = series.points.map((point) => point.lagP50Ms);
    const p99 = series.points.map((point) => point.lagP99Ms);
    this.#applied ??= chart('chart-applied', [{ label: 'applied/s', stroke: '#0b5fff', fill: 'rgba(11,95,255,0.12)', width: 2, points: { show: true, size: 5 } }], 'changes/s');
    this.#lag ??= chart('chart-lag', [{ label: 'p50 ms', stroke: '#1a7f37', width: 2, points: { show: true, size: 5 } }, { label: 'p99 ms', stroke: '#b35900', width: 2, dash: [6, 4], points: { show: true, size: 5 } }], 'ms');
    this.#applied.setData([times, applied]);
    this.#lag.setData([times, p50, p99]);
    const total = series.points.reduce((sum, point) => sum + point.appliedPerSecond * series.periodSeconds, 0);
    const last = [...series.points].reverse().find((point) => point.lagP50Ms !== null);
    byId('chart-applied-summary').textContent =
      `${count(Math.round(total))} ${Math.round(total) === 1 ? 'change' : 'changes'} applied in the last 15 minutes; last ${series.periodSeconds} s: ${(series.points.at(-1)?.appliedPerSecond ?? 0).toFixed(1)} per second (${series.source === 'local' ? 'local runtime' : 'CloudWatch'}).`;
    byId('chart-lag-summary').textContent = last
      ? `Latest lag: p50 ${count(Math.round(last.lagP50Ms ?? 0))} ms, p99 ${count(Math.round(last.lagP99Ms ?? 0))} ms.`
      : 'No change applied in the last 15 minutes.';
  }
}

function chart(id: string, series: uPlot.Series[], unit: string): uPlot {
  const target = byId(id);
  return new uPlot(
    {
      width: Math.min(WIDTH, target.clientWidth || WIDTH),
      height: HEIGHT,
      series: [{}, ...series],
      axes: [{}, { label: unit, size: 60 }],
      scales: { y: { range: (_plot, min, max) => [0, Math.max(1, max ?? min ?? 1)] } },
      legend: { live: false },
    },
    [[], ...series.map(() => [])],
    target,
  );
}
