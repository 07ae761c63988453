/**
 * The order vitest starts the test files in: longest first, whatever their project, so the two
 * workers end together instead of one of them running a two-minute file alone at the end.
 * A file's duration is the one of this machine's last run (vitest's cache) when there is one,
 * else the one recorded in durations.txt (a fresh clone, CI); a file in neither starts first,
 * as vitest's own sequencer does with files it does not know.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** `project:file` → milliseconds, from durations.txt (lines of seconds, project, file; `#` comments). */
export function recordedDurations(text: string): Map<string, number> {
  const durations = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [seconds, project, file] = line.trim().split(/\s+/);
    if (!seconds || seconds.startsWith('#') || !project || !file) continue;
    durations.set(`${project}:${file}`, Number(seconds) * 1000);
  }
  return durations;
}

const RECORDED = recordedDurations(readFileSync(new URL('./durations.txt', import.meta.url), 'utf8'));

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const duration = (spec: TestSpecification): number => {
      const key = `${spec.project.name}:${relative(this.ctx.config.root, spec.moduleId)}`;
      return this.ctx.cache.getFileTestResults(key)?.duration ?? RECORDED.get(key) ?? Number.POSITIVE_INFINITY;
    };
    return [...files].sort((a, b) => a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder || duration(b) - duration(a));
  }
}
