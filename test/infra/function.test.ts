import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { FreshindexFunction } from '../../lib/index.ts';
import { generatedDir, writeHandlerEntry } from '../../lib/entries.ts';
import { FIXTURE_CONFIG } from './support.ts';

const FIXTURE_RUNTIME = fileURLToPath(new URL('./fixtures/runtime', import.meta.url));
/**
 * The fixture runtime's entries in a folder of their own: the project's shared `.freshindex/entries`
 * is rewritten by every other synth running beside this file, with the real runtime's handlers.
 */
const FIXTURE_ENTRIES = join(generatedDir(FIXTURE_CONFIG), 'entries-fixture-runtime');

describe('the generated handler entry', () => {
  it('imports the config file and hands it to the handler factory', () => {
    const entriesDir = mkdtempSync(join(tmpdir(), 'freshindex-entries-'));

    const entry = writeHandlerEntry({ handler: 'verify', configFile: '/project/freshindex.config.ts', runtimeRoot: FIXTURE_RUNTIME, entriesDir });

    expect(entry).toBe(join(entriesDir, 'verify.ts'));
    expect(readFileSync(entry, 'utf8')).toContain(
      [
        'import { config } from "/project/freshindex.config.ts";',
        `import { createVerifyHandler } from ${JSON.stringify(join(FIXTURE_RUNTIME, 'lambdas/handlers/verify.ts'))};`,
        '',
        'export const handler = createVerifyHandler(config);',
      ].join('\n'),
    );
  });
});

describe('the house function', () => {
  it('bundles locally with esbuild into one ESM file carrying the createRequire banner and the config', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'freshindex-bundle-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bundled');
    new FreshindexFunction(stack, 'Api', {
      handler: 'api',
      configFile: FIXTURE_CONFIG,
      runtimeRoot: FIXTURE_RUNTIME,
      entriesDir: FIXTURE_ENTRIES,
      timeout: Duration.seconds(10),
    });

    app.synth();
    const assetDir = readdirSync(outdir).find((name) => name.startsWith('asset.'));
    const bundle = readFileSync(join(outdir, assetDir ?? 'missing', 'index.mjs'), 'utf8');

    expect(bundle.startsWith("import { createRequire as __freshindexCreateRequire } from 'node:module';")).toBe(true);
    expect(bundle).toContain('fixture-api-handler');
    expect(bundle).toContain('https://cms.example.com/videos/{id}');
    expect(bundle).toMatch(/export\s*\{[^}]*handler/);
  });
});

describe('a function shipping a native module', () => {
  it('installs usearch with its linux-arm64 binary next to the bundle instead of bundling it', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'freshindex-bundle-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Native');
    new FreshindexFunction(stack, 'Api', {
      handler: 'api',
      configFile: FIXTURE_CONFIG,
      runtimeRoot: FIXTURE_RUNTIME,
      entriesDir: FIXTURE_ENTRIES,
      timeout: Duration.seconds(10),
      nodeModules: ['usearch'],
    });

    app.synth();
    const assetDir = join(outdir, readdirSync(outdir).find((name) => name.startsWith('asset.')) ?? 'missing');

    expect(readdirSync(join(assetDir, 'node_modules/usearch/prebuilds/linux-arm64'))).toContain('usearch.node');
    expect(readFileSync(join(assetDir, 'index.mjs'), 'utf8')).not.toContain('usearch.node');
  });
});
