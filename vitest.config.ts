import { spawnSync } from 'node:child_process';
import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/support/sequencer.ts';

/**
 * Projects:
 * - unit: no network;
 * - infra: CDK assertions and cdk-nag on the synthesized stacks;
 * - integration: real AWS SDK against embedded fauxqs + dynalite (and a real redis-server);
 * - package: the built and packed package, installed into fresh projects (no loader, no Docker);
 * - browser: the console in Debian's chromium (playwright-core) against one local runtime;
 *   screenshots land in test-artifacts/browser/ (CHROMIUM_PATH overrides /usr/bin/chromium);
 * - integration-moto: the same integration suite against moto_server, a second, independent
 *   emulator. It runs whenever moto_server is installed or MOTO_ENDPOINT is given; CI sets
 *   FRESHINDEX_REQUIRE_MOTO=1 so its absence fails the run instead of passing quietly.
 */
const motoAvailable = Boolean(process.env['MOTO_ENDPOINT']) || spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;
if (!motoAvailable) {
  if (process.env['FRESHINDEX_REQUIRE_MOTO'] === '1') throw new Error('moto_server is required (FRESHINDEX_REQUIRE_MOTO=1) but not installed: pip install "moto[server]"');
  console.warn('[freshindex] moto_server not found: the integration suite runs on the embedded emulators only (pip install "moto[server]" to add the moto run)');
}

/** Metrics (EMF on stdout) and logs stay quiet in tests; tests that assert them turn them on. */
const quiet = { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT' };

const integration = { include: ['test/integration/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    env: quiet,
    // Vitest's default is one worker per core less one: a single worker on CI's 2 cores. Most files
    // wait on emulators, child processes and timers rather than on the CPU, so two share the cores well.
    maxWorkers: 2,
    // Longest files first, across projects (durations from the last run, test/support/durations.txt).
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 120_000 } },
      { test: { name: 'integration', ...integration } },
      // `npm start` as a user runs it: a child process, driven through the demo CMS and the CLI, stopped with Ctrl-C.
      // (Projects with fileParallelism: false run after all the others, alone on one worker: a project of one file needs none.)
      { test: { name: 'smoke', include: ['test/smoke/**/*.test.ts'], testTimeout: 150_000, hookTimeout: 150_000 } },
      // The console as an operator uses it: a real headless chromium against one local runtime.
      { test: { name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 } },
      // The package as a user installs it: build, pack once, install into fresh projects (test/package).
      { test: { name: 'package', include: ['test/package/**/*.test.ts'], testTimeout: 240_000, hookTimeout: 240_000 } },
      ...(motoAvailable
        ? [
            {
              // Each file resets the moto server it uses: test/support/moto.ts starts one per worker, so
              // its files run alongside the others; one given server (MOTO_ENDPOINT) runs them one at a time.
              test: {
                name: 'integration-moto',
                ...integration,
                // moto answers several times slower than the embedded emulators, and its files share the two
                // cores with the other projects': a crash or interleaving run near a minute alone can pass 60 s.
                testTimeout: 180_000,
                hookTimeout: 180_000,
                exclude: [
                  // The CLI suite drives a whole local runtime on its own embedded emulators: once is enough.
                  'test/integration/cli/commands.test.ts',
                  // moto applies concurrent UpdateItem ADDs without isolation (see the file).
                  'test/integration/verify/checks-concurrency.test.ts',
                  // The fault bursts inject their faults at the SDK client: the emulator behind it adds nothing but minutes.
                  'test/integration/faults/apply-burst.test.ts',
                  // Its records and log live in Redis; only the build's lease touches the emulator.
                  'test/integration/rebuild/interleaving-redis.test.ts',
                  // It starts moto_server itself (CloudWatch, which the embedded emulators lack): once is enough.
                  'test/integration/console/cloudwatch-metrics.test.ts',
                  // It drives a whole local runtime on its own embedded emulators: once is enough.
                  'test/integration/capture/dev-restart.test.ts',
                  // It drives a whole local runtime on its own embedded emulators: once is enough.
                  'test/integration/local/checks.test.ts',
                ],
                globalSetup: ['test/support/moto.ts'],
                // The second emulator runs the long rebuild suites at their smallest size: one fault run per
                // layer and one interleaving seed (the integration project runs them in full).
                env: { ...quiet, FRESHINDEX_FAULT_REBUILD_RUNS: '1', FRESHINDEX_INTERLEAVING_SEEDS: '11' },
                fileParallelism: !process.env['MOTO_ENDPOINT'],
              },
            },
          ]
        : []),
    ],
  },
});
