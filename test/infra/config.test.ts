import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadFreshindexConfig, resolveConfigFile } from '../../lib/index.ts';
import { FIXTURE_CONFIG } from './support.ts';

const INVALID_CONFIG = fileURLToPath(new URL('./fixtures/invalid/freshindex.config.ts', import.meta.url));

describe('loading the config at synth time', () => {
  it('imports the config file and fills in the defaults', async () => {
    const loaded = await loadFreshindexConfig(FIXTURE_CONFIG);

    expect(loaded.path).toBe(FIXTURE_CONFIG);
    expect(loaded.config.types.map((type) => [type.name, type.settleDelaySeconds, type.rebuild.schedule])).toEqual([
      ['video', 45, 'cron(0 3 * * ? *)'],
      ['product', 120, 'cron(30 2 * * ? *)'],
    ]);
  });

  it('names every problem of an invalid config in one error', async () => {
    const load = loadFreshindexConfig(INVALID_CONFIG);

    await expect(load).rejects.toThrow(/types\[0\]\(Bad Name\)\.name[\s\S]*types\[0\]\(Bad Name\)\.settleDelaySeconds/);
  });

  it('says where it looked when the config file is missing', async () => {
    const load = loadFreshindexConfig('/nowhere/freshindex.config.ts');

    await expect(load).rejects.toThrow(/not found: \/nowhere\/freshindex\.config\.ts/);
  });

  it('takes the path from the cdk context first, then FRESHINDEX_CONFIG, then the default', () => {
    const env = { FRESHINDEX_CONFIG: 'from-env.ts' };

    expect(resolveConfigFile('from-context.ts', env, '/project')).toBe('/project/from-context.ts');
    expect(resolveConfigFile(undefined, env, '/project')).toBe('/project/from-env.ts');
    expect(resolveConfigFile(undefined, {}, '/project')).toBe('/project/freshindex.config.ts');
  });
});
