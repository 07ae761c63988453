#!/usr/bin/env node
/**
 * The `freshindex` CLI (docs/cli.md). `npm start` runs `freshindex dev`.
 *
 * This entry point also holds the one piece of the CLI that needs the CDK: synthesizing the
 * freshindex app for `freshindex dev`, so that the local resources come from the very template
 * `cdk deploy` would deploy (lambdas/ never imports the CDK).
 *
 * Installed, it runs compiled (dist/bin/freshindex.js); in the repository, `npm run freshindex`
 * runs the sources with tsx. `--help` loads commander and the command modules only.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { StackTemplate } from '../lambdas/local/cloud-assembly.ts';
import { runCli } from '../lambdas/cli/program.ts';

/**
 * Synthesizes the freshindex CDK app (the data and compute stacks, as bin/app.ts builds them) for
 * a config, without bundling and with a registry image instead of building the job image: local
 * runs need neither. Resolves with the stacks in deployment order.
 */
export async function synthesizeStacks(configPath: string): Promise<StackTemplate[]> {
  const [{ App }, ecs, lib, { readCloudAssembly }] = await Promise.all([
    import('aws-cdk-lib'),
    import('aws-cdk-lib/aws-ecs'),
    import('../lib/index.ts'),
    import('../lambdas/local/cloud-assembly.ts'),
  ]);
  const cdkJson = JSON.parse(readFileSync(cdkJsonFor(configPath), 'utf8')) as { context?: Record<string, unknown> };
  const outdir = await mkdtemp(join(tmpdir(), 'freshindex-synth-'));
  try {
    const config = await lib.loadFreshindexConfig(configPath);
    const app = new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
    const data = new lib.FreshindexDataStack(app, 'FreshindexData', { config });
    new lib.FreshindexComputeStack(app, 'FreshindexCompute', {
      config,
      data: data.resources,
      jobs: { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:24-bookworm-slim') },
    });
    app.synth();
    return await readCloudAssembly(outdir);
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/**
 * The cdk.json whose context (feature flags) the local synth uses: the user's project's, as
 * `cdk deploy` there would, else freshindex's own.
 */
function cdkJsonFor(configPath: string): string {
  for (let dir = dirname(configPath); dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'cdk.json'))) return join(dir, 'cdk.json');
    if (existsSync(join(dir, 'package.json'))) break;
  }
  const own = ['../cdk.json', '../../cdk.json'].map((path) => new URL(path, import.meta.url)).find((url) => existsSync(url));
  if (!own) throw new Error('freshindex: its own cdk.json is missing from the package');
  return fileURLToPath(own);
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.env['POWERTOOLS_METRICS_DISABLED'] ??= 'true';
  const code = await runCli(process.argv.slice(2), undefined, { synthesize: synthesizeStacks });
  process.exit(code);
}
