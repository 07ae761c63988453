import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFreshindexConfig } from '../../lib/index.ts';
import { PACKAGE_ROOT } from '../../lib/entries.ts';
import { buildFreshindex } from './support.ts';

interface DockerImageSource {
  directory: string;
  dockerFile?: string;
  platform?: string;
}

describe('the job image', () => {
  it('is built at deploy time from the Dockerfile for linux/arm64, from a context without node_modules, tests or git', async () => {
    const config = await loadFreshindexConfig(join(PACKAGE_ROOT, 'freshindex.config.ts'));
    const { app } = await buildFreshindex({ config, buildImage: true });

    const assembly = app.synth();
    const manifest = JSON.parse(readFileSync(join(assembly.directory, 'Compute.assets.json'), 'utf8')) as {
      dockerImages: Record<string, { source: DockerImageSource }>;
    };
    const images = Object.values(manifest.dockerImages).map((image) => image.source);
    const context = join(assembly.directory, images[0]?.directory ?? 'missing');

    expect(images).toEqual([expect.objectContaining({ dockerFile: 'Dockerfile', platform: 'linux/arm64' })]);
    expect(['Dockerfile', 'package.json', 'package-lock.json', 'lambdas', '.freshindex/job/entry.ts'].filter((path) => !existsSync(join(context, path)))).toEqual([]);
    expect(['node_modules', 'test', '.git', 'cdk.out', '.freshindex/entries'].filter((path) => existsSync(join(context, path)))).toEqual([]);
  });

  it('runs an entry that imports the config and the job runner by paths inside the build context', async () => {
    const config = await loadFreshindexConfig(join(PACKAGE_ROOT, 'freshindex.config.ts'));
    await buildFreshindex({ config, buildImage: true });

    const entry = readFileSync(join(PACKAGE_ROOT, '.freshindex/job/entry.ts'), 'utf8');

    expect(entry).toContain('import { config } from "../../freshindex.config.ts";');
    expect(entry).toContain('import { runJob } from "../../lambdas/jobs/main.ts";');
    expect(entry).toContain('await runJob(config, process.argv.slice(2), process.env, { signal: stop.signal });');
  });

  it('refuses a config file the image build would leave out of its context', async () => {
    const build = buildFreshindex({ buildImage: true });

    await expect(build).rejects.toThrow(/lies in a folder the image build excludes/);
  });
});
