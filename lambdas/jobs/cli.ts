#!/usr/bin/env -S npx tsx
/**
 * The job as a program: loads the config module named by FRESHINDEX_CONFIG (default
 * ./freshindex.config.ts, exporting `config`) and runs `runJob` with the command line and the
 * environment. SIGTERM (AWS Batch stopping the job) and SIGINT stop the build cleanly.
 *
 *   FRESHINDEX_INDEX_TABLE=... FRESHINDEX_CONTROL_TABLE=... npx tsx lambdas/jobs/cli.ts rebuild --type video
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXIT, runJob } from './main.ts';

const configPath = resolve(process.cwd(), process.env['FRESHINDEX_CONFIG'] ?? './freshindex.config.ts');
let config: unknown;
try {
  config = ((await import(pathToFileURL(configPath).href)) as { config?: unknown }).config;
} catch (error) {
  process.stderr.write(`freshindex job: cannot load the config ${configPath}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(EXIT.usage);
}
if (config === undefined) {
  process.stderr.write(`freshindex job: ${configPath} exports no \`config\`\n`);
  process.exit(EXIT.usage);
}

const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => stop.abort(new Error(`received ${signal}`)));
}
const code = await runJob(config as Parameters<typeof runJob>[0], process.argv.slice(2), process.env, { signal: stop.signal });
process.exit(code);
