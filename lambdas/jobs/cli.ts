#!/usr/bin/env -S npx tsx
/**
 * The job as a program: loads the config module named by FRESHINDEX_CONFIG (default
 * ./freshindex.config.ts, exporting `config`) and runs `runJob` with the command line and the
 * environment. SIGTERM (AWS Batch stopping the job) and SIGINT stop the build cleanly.
 *
 *   FRESHINDEX_INDEX_TABLE=... FRESHINDEX_CONTROL_TABLE=... npx tsx lambdas/jobs/cli.ts rebuild --type video
 */
import { loadConfigFile, resolveConfigFile } from '../adapters/config-file/index.ts';
import { describeError } from '../core/errors.ts';
import { EXIT, runJob } from './main.ts';

let config: unknown;
try {
  config = (await loadConfigFile(resolveConfigFile())).config;
} catch (error) {
  process.stderr.write(`freshindex job: ${describeError(error)}\n`);
  process.exit(EXIT.usage);
}

const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => stop.abort(new Error(`received ${signal}`)));
}
const code = await runJob(config as Parameters<typeof runJob>[0], process.argv.slice(2), process.env, { signal: stop.signal });
process.exit(code);
