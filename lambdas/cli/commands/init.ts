/**
 * `freshindex init [dir]`: scaffolds a project that uses the installed freshindex (see
 * lambdas/cli/init/templates.ts for what it writes). It never overwrites a file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { contextOf, type CliIo } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { scaffoldFiles } from '../init/templates.ts';

interface InitOptions {
  name?: string;
  freshindex?: string;
}

export function initCommand(program: Command, io: CliIo): void {
  program
    .command('init')
    .description('Scaffold a project: package.json, freshindex.config.ts over a small JSON-lines file, a CDK app, a starter test, a README')
    .argument('[dir]', 'the folder to write (created if missing; must not hold the files it writes)', '.')
    .option('--name <name>', 'the package name (default: the folder name)')
    .option('--freshindex <spec>', 'the freshindex dependency to write (default ^<this version>; a tarball path works too)')
    .addHelpText('after', ['', 'Then: cd <dir> && npm install && npm start', 'Exit codes: 0 written, 1 a file exists already (nothing is written), 2 usage.'].join('\n'))
    .action(async (dir: string, options: InitOptions, command: Command) => {
      const context = contextOf(command, io);
      const target = resolve(io.cwd, dir);
      const { manifest, root } = ownPackage();
      const name = options.name ?? packageName(basename(target));
      const cdkContext = (JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
      const spec = options.freshindex ? dependencySpec(options.freshindex, io.cwd) : `^${manifest.version}`;
      const files = scaffoldFiles({ name, freshindexSpec: spec, manifest, cdkContext });
      const present = Object.keys(files).filter((path) => existsSync(join(target, path)));
      if (present.length > 0) throw new CliError(`${target} already holds ${present.join(', ')}: nothing written (pick an empty folder)`, EXIT.failure);
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(target, path)), { recursive: true });
        await writeFile(join(target, path), text, { flag: 'wx' });
      }
      const shown = relative(io.cwd, target).startsWith('..') ? target : relative(io.cwd, target) || '.';
      context.print({ dir: target, files: Object.keys(files) }, () =>
        [`freshindex init: wrote ${Object.keys(files).length} files to ${shown}`, '', 'Next:', ...(shown === '.' ? [] : [`  cd ${shown}`]), '  npm install', '  npm start', ''].join('\n'),
      );
    });
}

interface OwnManifest {
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** freshindex's own package.json (above lambdas/ from the sources, above dist/ installed). */
function ownPackage(): { manifest: OwnManifest; root: string } {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (!existsSync(path)) continue;
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as OwnManifest & { name?: string };
    if (manifest.name === 'freshindex') return { manifest, root: dir };
  }
  throw new CliError("freshindex's own package.json is missing", EXIT.failure);
}

/** A local tarball or folder becomes an absolute `file:` spec (the project lives elsewhere); a version range stays. */
function dependencySpec(spec: string, cwd: string): string {
  if (/^(\.{0,2}\/|file:)/.test(spec) || spec.endsWith('.tgz')) return `file:${resolve(cwd, spec.replace(/^file:/, ''))}`;
  return spec;
}

/** A valid npm package name from a folder name. */
function packageName(folder: string): string {
  const name = folder.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '');
  return name || 'freshindex-project';
}
