import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadFreshindexConfig } from '../../lib/index.ts';
import { synthFreshindex, tempProject } from './support.ts';

describe("a config in the user's own project", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });

  it("synthesizes from any folder of the project, generating its files in the project's .freshindex folder", async () => {
    const project = await tempProject({ configPath: 'catalogs/books/freshindex.config.ts' });
    cleanups.push(project.remove);
    const config = await loadFreshindexConfig(project.configFile);

    const { computeTemplate } = await synthFreshindex({ config, buildImage: true });

    computeTemplate.resourceCountIs('AWS::Lambda::Function', 4);
    const entry = readFileSync(join(project.dir, '.freshindex', 'entries', 'apply.ts'), 'utf8');
    expect(entry).toContain(`import { config } from ${JSON.stringify(project.configFile)};`);
    expect(existsSync(join(project.dir, 'catalogs', 'books', '.freshindex'))).toBe(false);
  });

  it('resolves a relative JSON-lines path from the folder of the config file', async () => {
    const project = await tempProject({ configPath: 'catalogs/freshindex.config.ts' });
    cleanups.push(project.remove);

    const { config } = await loadFreshindexConfig(project.configFile);

    expect(config.types[0]?.source).toEqual({ type: 'jsonl', path: join(project.dir, 'catalogs', 'books.jsonl') });
  });

  it('refuses a config that lies in no project, and writes nothing', async () => {
    const project = await tempProject({ bare: true });
    cleanups.push(project.remove);
    const config = await loadFreshindexConfig(project.configFile);

    const synth = synthFreshindex({ config, buildImage: true });

    await expect(synth).rejects.toThrow(/is not inside a project \(no package\.json/);
    expect(existsSync(join(project.dir, '.freshindex'))).toBe(false);
  });
});
