/**
 * `npm run bench`: every benchmark of the project, one after the other. Benchmarks are never run
 * as tests. A benchmark whose file is not there yet is reported as "not available".
 *
 * Usage: npm run bench [-- NAME …]   (default: all; names in BENCHMARKS below)
 */
import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

/** A benchmark: its name, its file (next to this one) and the function the file exports. */
interface BenchEntry {
  name: string;
  file: string;
  exportName: string;
  /** Part of another benchmark (named here), so a run of all leaves it out. */
  partOf?: string;
}

const BENCHMARKS: readonly BenchEntry[] = [
  { name: 'apply', file: 'apply.ts', exportName: 'benchApply' },
  { name: 'rebuild', file: 'rebuild.ts', exportName: 'benchRebuild' },
  { name: 'rebuild-children', file: 'rebuild-children.ts', exportName: 'benchRebuildChildren', partOf: 'rebuild' },
  { name: 'rebuild-model', file: 'rebuild-model.ts', exportName: 'benchRebuildModel' },
  { name: 'verify', file: 'verify.ts', exportName: 'benchVerify' },
  { name: 'reader', file: 'reader.ts', exportName: 'benchReader' },
  { name: 'soak', file: 'soak.ts', exportName: 'benchSoak' },
  { name: 'faults', file: 'faults.ts', exportName: 'benchFaults' },
  { name: 'freshness', file: 'freshness.ts', exportName: 'benchFreshness' },
  { name: 'memory', file: 'memory.ts', exportName: 'benchMemory' },
  { name: 'cli-start', file: 'cli-start.ts', exportName: 'benchCliStart' },
  { name: 'capture', file: 'capture.ts', exportName: 'benchCapture' },
  { name: 'vectors', file: 'vectors.ts', exportName: 'benchVectors' },
  { name: 'embed', file: 'embed.ts', exportName: 'benchEmbed' },
  { name: 'feast', file: 'feast.ts', exportName: 'benchFeast' },
];

// Powertools metrics print one EMF line per invocation to stdout: they would bury the report.
process.env['POWERTOOLS_METRICS_DISABLED'] ??= 'true';
process.env['POWERTOOLS_LOG_LEVEL'] ??= 'SILENT';

async function main(argv: readonly string[]): Promise<number> {
  const unknown = argv.filter((name) => !BENCHMARKS.some((bench) => bench.name === name));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((bench) => bench.name).join(', ')}`);
    return 2;
  }
  const selected = argv.length > 0 ? BENCHMARKS.filter((bench) => argv.includes(bench.name)) : BENCHMARKS.filter((bench) => bench.partOf === undefined);
  const here = dirname(fileURLToPath(import.meta.url));
  const outcomes: string[] = [];
  let failed = false;
  for (const bench of selected) {
    const path = join(here, bench.file);
    console.log(`\n######## benchmark: ${bench.name} (bench/${bench.file}) ########`);
    if (!existsSync(path)) {
      console.log('not available (file not written yet)');
      outcomes.push(`${bench.name}: not available`);
      continue;
    }
    const started = Date.now();
    try {
      const module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
      const run = module[bench.exportName];
      if (typeof run !== 'function') {
        console.log(`not available (bench/${bench.file} exports no ${bench.exportName}())`);
        outcomes.push(`${bench.name}: not available`);
        continue;
      }
      await (run as () => Promise<unknown>)();
      outcomes.push(`${bench.name}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    } catch (error) {
      failed = true;
      console.error(`benchmark ${bench.name} failed:`, error);
      outcomes.push(`${bench.name}: FAILED`);
    }
  }
  console.log(`\n######## ${outcomes.join('; ')} ########`);
  return failed ? 1 : 0;
}

// Exit explicitly: a benchmark that leaves a handle open must not hang the run.
process.exit(await main(process.argv.slice(2)));
