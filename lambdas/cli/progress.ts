/**
 * Follows a build through the ops API (`GET /v1/types/{type}`, its `lastBuild` record) until it
 * ends, drawing a progress bar (items, rate, ETA) on a terminal and one line per phase elsewhere.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type cliProgress from 'cli-progress';
import type { CliIo } from './context.ts';
import { CliError, EXIT } from './exit-codes.ts';
import type { HttpClient } from './http.ts';

/** The parts of a build record the CLI reads. */
export interface BuildView {
  buildId: string;
  holder: string;
  status: 'running' | 'succeeded' | 'failed' | 'abandoned';
  phase: string;
  generation?: number;
  progress: { done: number; total?: number; perSecond: number; etaSeconds?: number };
  report?: { outcome: string; reasons: string[]; generation?: number; activeBefore?: number; activeAfter?: number; durationMs: number; counts: { loaded: number; generation?: number; replayed: number } };
}

export interface FollowOptions {
  api: HttpClient;
  type: string;
  /** The build's job: its record names `batch:<jobId>` as holder. */
  jobId: string;
  io: CliIo;
  /** Draw nothing (--json). */
  quiet: boolean;
  timeoutMs: number;
  pollMs?: number;
  /** Locally: the job's state, to notice a job that died before or during its build. */
  jobEnded?: () => Promise<{ ended: boolean; detail?: string }>;
}

/** Polls until the build of `jobId` ends; resolves with its final record. */
export async function followBuild(options: FollowOptions): Promise<BuildView> {
  const { api, type, jobId, io } = options;
  const deadline = Date.now() + options.timeoutMs;
  const bar = !options.quiet && io.progressStream?.isTTY ? await createBar(io.progressStream) : undefined;
  let lastPhase = '';
  let endedPolls = 0;
  try {
    for (;;) {
      const status = (await api.request('GET', `/v1/types/${encodeURIComponent(type)}`)).body as { lastBuild: BuildView | null };
      const build = status.lastBuild && status.lastBuild.holder === `batch:${jobId}` ? status.lastBuild : undefined;
      if (build) {
        if (build.status !== 'running') return build;
        const { done, total } = build.progress;
        if (bar) {
          bar.setTotal(total ?? Math.max(done, 1));
          bar.update(done, { phase: build.phase, progress: build.progress });
        } else if (!options.quiet && build.phase !== lastPhase) {
          io.err(`rebuild ${type}: ${build.phase} (${describeProgress(build.progress)})\n`);
        }
        lastPhase = build.phase;
      }
      if (options.jobEnded) {
        const job = await options.jobEnded();
        // A job that ended leaves its record final within a poll or two; otherwise it died.
        if (job.ended && ++endedPolls > 3) {
          throw new CliError(`the rebuild job ${jobId} ended without finishing its build${job.detail ? `: ${job.detail}` : ''}`, EXIT.failure);
        }
      }
      if (Date.now() > deadline) throw new CliError(`the rebuild of ${type} did not finish within ${Math.round(options.timeoutMs / 1000)} s (job ${jobId}); follow it with \`freshindex status ${type}\``, EXIT.failure);
      await sleep(options.pollMs ?? 500);
    }
  } finally {
    bar?.stop();
  }
}

/**
 * A build's progress in words: `1200/3200 items (38%), 250/s, ETA 8 s` once the source's total is
 * known, `0 items so far, 0/s` before (never a made-up total).
 */
export function describeProgress(progress: BuildView['progress']): string {
  const rate = `${progress.perSecond.toFixed(0)}/s`;
  if (progress.total === undefined || progress.total <= 0) return `${progress.done} items so far, ${rate}`;
  const percent = Math.min(100, Math.round((progress.done / progress.total) * 100));
  const eta = progress.etaSeconds === undefined ? '' : `, ETA ${progress.etaSeconds} s`;
  return `${progress.done}/${progress.total} items (${percent}%), ${rate}${eta}`;
}

/** One frame of the bar: the bar itself only once there is a total to measure against. */
function barFrame(bars: typeof cliProgress, options: cliProgress.Options, params: cliProgress.Params, payload: { phase: string; progress: BuildView['progress'] }): string {
  const text = describeProgress(payload.progress);
  if (payload.progress.total === undefined) return `${payload.phase} | ${text}`;
  return `${payload.phase} [${bars.Format.BarFormat(params.progress, options)}] ${text}`;
}

/** The bar, its library loaded only when a terminal shows one (`--help` and scripts never load it). */
async function createBar(stream: NodeJS.WriteStream): Promise<cliProgress.SingleBar> {
  const { default: bars } = await import('cli-progress');
  const format = (options: cliProgress.Options, params: cliProgress.Params, payload: { phase: string; progress: BuildView['progress'] }) => barFrame(bars, options, params, payload);
  const bar = new bars.SingleBar({ format, stream, hideCursor: true, clearOnComplete: false }, bars.Presets.shades_classic);
  bar.start(1, 0, { phase: 'starting', progress: { done: 0, perSecond: 0 } });
  return bar;
}
