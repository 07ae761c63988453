import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, Stack } from 'aws-cdk-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { loadFreshindexConfig } from '../../lib/index.ts';
import { JOB_BASE_IMAGE, jobImageFromConfig } from '../../lib/job-image.ts';
import { buildFreshindex, tempProject } from './support.ts';

const run = promisify(execFile);

interface DockerImageSource {
  directory: string;
  dockerFile?: string;
  platform?: string;
}

describe('the job image', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });

  it("bundles the user's config and the job runner at synth into a context that plain node runs", async () => {
    const project = await tempProject({ configPath: 'config/freshindex.config.ts' });
    cleanups.push(project.remove);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': ['**'] } });

    jobImageFromConfig(new Stack(app, 'Jobs'), { configFile: project.configFile });

    const context = join(project.dir, '.freshindex', 'job', 'image');
    expect(readdirSync(context).sort()).toEqual(['Dockerfile', 'job.mjs', 'job.mjs.map']);
    expect(readFileSync(join(context, 'Dockerfile'), 'utf8')).toContain(`FROM ${JOB_BASE_IMAGE}\n`);
    const help = await run(process.execPath, [join(context, 'job.mjs'), '--help'], { cwd: context });
    expect(help.stdout + help.stderr).toMatch(/rebuild/);
  });

  it('is built by cdk deploy for linux/arm64 from that context, which holds no project files', async () => {
    const project = await tempProject();
    cleanups.push(project.remove);
    const config = await loadFreshindexConfig(project.configFile);
    const { app } = await buildFreshindex({ config, buildImage: true });

    const assembly = app.synth();

    const manifest = JSON.parse(readFileSync(join(assembly.directory, 'Compute.assets.json'), 'utf8')) as {
      dockerImages: Record<string, { source: DockerImageSource }>;
    };
    const images = Object.values(manifest.dockerImages).map((image) => image.source);
    expect(images).toEqual([expect.objectContaining({ dockerFile: 'Dockerfile', platform: 'linux/arm64' })]);
    const staged = readdirSync(join(assembly.directory, images[0]?.directory ?? 'missing'));
    expect(staged).toContain('Dockerfile');
    expect(staged.filter((name) => ['node_modules', 'package.json', 'freshindex.config.ts', 'entry.ts'].includes(name))).toEqual([]);
    expect(existsSync(join(project.dir, '.freshindex', 'job', 'entry.ts'))).toBe(true);
  });
});
