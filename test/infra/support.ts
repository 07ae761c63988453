/**
 * Synthesizes the freshindex stacks for the infra tests, without bundling (context
 * `aws:cdk:bundling-stacks: []`) and, unless asked, without the job image built from the config.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FreshindexComputeStack, FreshindexDataStack, loadFreshindexConfig, type FreshindexComputeProps, type FreshindexConfigFile, type FreshindexDataProps } from '../../lib/index.ts';

/** Two types: an HTTP source with a secret (settle 45 s), a DynamoDB source (settle 120 s, own schedules). */
export const FIXTURE_CONFIG = fileURLToPath(new URL('./fixtures/freshindex.config.ts', import.meta.url));

/** The same two types with `store: { type: 'redis' }`. */
export const REDIS_FIXTURE_CONFIG = fileURLToPath(new URL('./fixtures/redis.config.ts', import.meta.url));

/** Fan-out and per-type queues: a shared type, a catalog type on its own batching queue, a click type on its own queue. */
export const FANOUT_FIXTURE_CONFIG = fileURLToPath(new URL('./fixtures/fanout.config.ts', import.meta.url));

/** The feature flags of cdk.json, so the tests synthesize what `cdk synth` does. */
const CDK_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

/** A registry image: the tests that do not look at the image skip staging the Docker context. */
export const REGISTRY_IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:24-bookworm-slim');

export interface SynthOptions {
  config?: FreshindexConfigFile;
  data?: Partial<FreshindexDataProps>;
  /** Compute props, or a function of the data stack making them (to create what they reference in it). */
  compute?: Partial<FreshindexComputeProps> | ((data: FreshindexDataStack) => Partial<FreshindexComputeProps>);
  /** Build the job image from the config (the default) instead of `REGISTRY_IMAGE`. */
  buildImage?: boolean;
  /** Bundle the compute stack's code at synth (esbuild), as `cdk synth` and `cdk deploy` do. */
  bundle?: boolean;
}

export interface Synthesized {
  app: App;
  data: FreshindexDataStack;
  compute: FreshindexComputeStack;
  dataTemplate: Template;
  computeTemplate: Template;
}

/** A fresh app holding the data stack and the compute stack, not synthesized yet. */
export async function buildFreshindex(options: SynthOptions = {}): Promise<Omit<Synthesized, 'dataTemplate' | 'computeTemplate'>> {
  const config = options.config ?? (await loadFreshindexConfig(FIXTURE_CONFIG));
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': options.bundle ? ['Compute'] : [] } });
  const data = new FreshindexDataStack(app, 'Data', { config, ...options.data });
  const computeProps = typeof options.compute === 'function' ? options.compute(data) : options.compute;
  const jobs = options.buildImage ? computeProps?.jobs : { image: REGISTRY_IMAGE, ...computeProps?.jobs };
  const compute = new FreshindexComputeStack(app, 'Compute', { config, data: data.resources, ...computeProps, jobs });
  return { app, data, compute };
}

/** A fresh app holding the data stack and the compute stack, both synthesized. */
export async function synthFreshindex(options: SynthOptions = {}): Promise<Synthesized> {
  const built = await buildFreshindex(options);
  return { ...built, dataTemplate: Template.fromStack(built.data), computeTemplate: Template.fromStack(built.compute) };
}

/** The IAM statements of every policy attached to the role whose logical id `roleRef` resolves to. */
export function statementsOfRole(template: Template, roleLogicalId: string): Array<Record<string, unknown>> {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) => JSON.stringify(policy['Properties']['Roles']).includes(`"${roleLogicalId}"`))
    .flatMap((policy) => policy['Properties']['PolicyDocument']['Statement'] as Array<Record<string, unknown>>);
}

/** The logical id of the one function whose environment has `variable`. */
export function roleOfFunctionWithEnv(template: Template, variable: string): string {
  const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter(
    (fn) => fn['Properties']['Environment']?.['Variables']?.[variable] !== undefined,
  );
  if (functions.length !== 1) throw new Error(`expected one function with ${variable}, found ${functions.length}`);
  return functions[0]!['Properties']['Role']['Fn::GetAtt'][0] as string;
}

/** The actions a list of statements allows, flattened and sorted. */
export function actionsOf(statements: Array<Record<string, unknown>>): string[] {
  return [...new Set(statements.flatMap((statement) => [statement['Action']].flat() as string[]))].sort();
}

/** The repository's config module, imported by absolute path from configs outside the repository. */
const CONFIG_MODULE = fileURLToPath(new URL('../../lambdas/core/config/index.ts', import.meta.url));

/**
 * A user's project in a fresh temporary folder: a package.json and a lock file (unless `bare`),
 * and a config at `configPath` with one JSON-lines type. Resolves with the folder and the config's path.
 */
export async function tempProject(options: { configPath?: string; bare?: boolean } = {}): Promise<{ dir: string; configFile: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'freshindex-project-'));
  if (!options.bare) {
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'catalogs', private: true, type: 'module' }));
    await writeFile(join(dir, 'package-lock.json'), JSON.stringify({ name: 'catalogs', lockfileVersion: 3, requires: true, packages: {} }));
  }
  const configFile = join(dir, options.configPath ?? 'freshindex.config.ts');
  await mkdir(dirname(configFile), { recursive: true });
  await writeFile(
    configFile,
    [
      `import { defineConfig } from ${JSON.stringify(CONFIG_MODULE)};`,
      "export const config = defineConfig({ types: [{ name: 'book', source: { type: 'jsonl', path: './books.jsonl' }, transform: (doc) => ({ title: String(doc['title']) }), version: (doc) => Number(doc['version']) }] });",
      '',
    ].join('\n'),
  );
  return { dir, configFile, remove: () => rm(dir, { recursive: true, force: true }) };
}
