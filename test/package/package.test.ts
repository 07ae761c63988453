/**
 * freshindex as a user gets it (issue 11): the repository is built and packed once, the tarball
 * is installed into fresh projects with npm (from the npm cache CI filled), and used there with
 * plain `node`, the installed `freshindex` bin and the CDK CLI. No TypeScript loader of this
 * repository, no Docker, no AWS credentials.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoIndexStore } from '../../lambdas/adapters/dynamodb/index-store.ts';
import { createTables } from '../support/tables.ts';
import { contentHash } from '../../lambdas/core/hash.ts';
import { initialPointer } from '../../lambdas/core/pointer.ts';
import { readDevState } from '../../lambdas/local/dev/state.ts';
import { startAws, type AwsTestEnv } from '../support/aws.ts';

const REPO = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const exec = promisify(execFile);
/** The child processes get the Node that runs the tests (24) first on PATH, and no loader flags. */
const ENV = { ...process.env, PATH: `${resolve(process.execPath, '..')}:${process.env['PATH'] ?? ''}`, NODE_OPTIONS: '' };
const run = (command: string, args: readonly string[], cwd: string) => exec(command, [...args], { cwd, env: ENV, maxBuffer: 32 * 1024 * 1024 });
const npmInstall = (cwd: string, ...specs: string[]) => run('npm', ['install', ...specs, '--prefer-offline', '--no-audit', '--no-fund'], cwd);

let work: string;
let tarball: string;
let packedFiles: string[];
let stray: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'freshindex-package-'));
  stray = join(REPO, `stray-untracked-${process.pid}`);
  await mkdir(stray, { recursive: true });
  await writeFile(join(stray, 'notes.txt'), 'an untracked folder in the checkout\n');
  try {
    await run('npm', ['run', 'build'], REPO);
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO);
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(work, packed!.filename);
    packedFiles = packed!.files.map((file) => file.path);
  } finally {
    await rm(stray, { recursive: true, force: true });
  }
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the compiled package and tracked files only: no tests, benches or untracked files', async () => {
    const { stdout } = await run('git', ['ls-files'], REPO);
    const tracked = new Set(stdout.split('\n'));

    const unexpected = packedFiles.filter((path) => !path.startsWith('dist/') && !tracked.has(path));

    expect(unexpected).toEqual([]);
    expect(packedFiles.filter((path) => /^(test|bench|examples|stray-untracked-[^/]+)\//.test(path))).toEqual([]);
    expect(packedFiles).toEqual(expect.arrayContaining(['dist/lambdas/reader/index.js', 'dist/lambdas/reader/index.d.ts', 'dist/bin/freshindex.js', 'dist/lib/index.js']));
  });
});

describe('a plain JavaScript project that installs the tarball', () => {
  let aws: AwsTestEnv;
  let project: string;
  const tables = { indexTable: 'app-index', controlTable: 'app-control' };

  beforeAll(async () => {
    project = join(work, 'recommender');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'recommender', private: true, type: 'module' }));
    [aws] = await Promise.all([startAws({}), npmInstall(project, tarball)]);
  });

  afterAll(async () => {
    await aws?.stop();
  });

  it('reads the index with freshindex/reader and publishes with freshindex/publisher under plain node', async () => {
    await createTables(aws.dynamodb, tables);
    const store = new DynamoIndexStore({ client: aws.doc, ...tables, tombstoneTtlSeconds: 3600 });
    await store.swapPointer(undefined, initialPointer('product', Date.now()));
    await store.write('product', 1, [{ kind: 'upsert', id: 'p-1', version: 1, hash: contentHash({ title: 'Shoes' }), record: { title: 'Shoes' } }]);
    const topicArn = (await aws.sns.send(new CreateTopicCommand({ Name: 'changes' }))).TopicArn!;
    const queueUrl = (await aws.sqs.send(new CreateQueueCommand({ QueueName: 'changes' }))).QueueUrl!;
    const queueArn = (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!['QueueArn']!;
    await aws.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'true' } }));
    const client = (service: 'dynamodb' | 'sns') => JSON.stringify(aws.clientConfig(service));
    await writeFile(
      join(project, 'use.mjs'),
      [
        "import { createReader } from 'freshindex/reader';",
        "import { ChangePublisher } from 'freshindex/publisher';",
        "import { SNSClient } from '@aws-sdk/client-sns';",
        `const reader = createReader({ dynamodb: ${client('dynamodb')}, indexTable: '${tables.indexTable}', controlTable: '${tables.controlTable}' });`,
        "console.log(JSON.stringify(await reader.get('product', 'p-1')));",
        `await new ChangePublisher({ sns: new SNSClient(${client('sns')}), topicArn: '${topicArn}' }).publish({ type: 'product', id: 'p-2', op: 'upsert', version: 1, occurredAt: new Date().toISOString() });`,
      ].join('\n'),
    );

    const { stdout } = await run(process.execPath, ['use.mjs'], project);

    expect(JSON.parse(stdout)).toMatchObject({ id: 'p-1', from: 'index', record: { title: 'Shoes' }, version: 1 });
    const received = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5 }));
    expect(JSON.parse(received.Messages?.[0]?.Body ?? '{}')).toMatchObject({ type: 'product', id: 'p-2', op: 'upsert' });
  });

  it('runs the installed bin: npx freshindex --help, without the CDK or the emulators installed', async () => {
    const { stdout } = await run('npx', ['--no-install', 'freshindex', '--help'], project);

    expect(stdout).toMatch(/^Usage: freshindex/);
    expect(stdout).toContain('init [options] [dir]');
    expect(existsSync(join(project, 'node_modules', 'aws-cdk-lib'))).toBe(false);
  });
});

describe('a project scaffolded by freshindex init', () => {
  let project: string;

  beforeAll(async () => {
    project = join(work, 'catalog');
    // The bin installed by the plain project above writes the scaffold.
    await run(join(work, 'recommender', 'node_modules', '.bin', 'freshindex'), ['init', project, '--freshindex', tarball], work);
    await npmInstall(project);
  });

  it("runs the starter test of the user's transform with npm test", async () => {
    const { stdout } = await run('npm', ['test'], project);

    expect(stdout).toMatch(/pass 1\b/);
    expect(stdout).toMatch(/fail 0\b/);
  });

  it('synthesizes its CDK app with the config in that project, bundling without Docker', async () => {
    await run('npx', ['--no-install', 'cdk', 'synth', '--quiet'], project);

    const assets = JSON.parse(readFileSync(join(project, 'cdk.out', 'FreshindexCompute.assets.json'), 'utf8')) as { dockerImages: Record<string, unknown> };
    expect(Object.keys(assets.dockerImages)).toHaveLength(1);
    expect(existsSync(join(project, '.freshindex', 'job', 'image', 'job.mjs'))).toBe(true);
    expect(existsSync(join(project, '.freshindex', 'entries', 'apply.ts'))).toBe(true);
  });

  it('runs npm start until ready, applies a change published with the CLI, shows it with get, and stops on Ctrl-C', async () => {
    const stateFile = join(project, '.freshindex', 'test-dev.json');
    const child = spawn('npm', ['start', '--', '--port-base', '0', '--state', stateFile, '--log-level', 'WARN'], { cwd: project, env: ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | NodeJS.Signals | null>((done) => child.once('exit', (code, signal) => done(code ?? signal)));
    const cli = (...args: string[]) => run('npx', ['--no-install', 'freshindex', '--state', stateFile, ...args], project);
    try {
      await until(() => output.includes('freshindex dev: ready'), 120_000, () => output, child);
      await until(async () => JSON.parse((await cli('status', 'product', '--json')).stdout).lastBuild?.status === 'succeeded', 60_000, () => output, child);

      await cli('publish', 'product', 'p-1', '--version', '2', '--doc', JSON.stringify({ id: 'p-1', title: 'Trail shoes', price: 79, version: 2 }));

      await until(async () => JSON.parse((await cli('get', 'product', 'p-1', '--json')).stdout).index?.version === 2, 30_000, () => output, child);
      const shown = (await cli('get', 'product', 'p-1')).stdout;
      expect(shown).toContain('"title": "Trail shoes"');
      expect((await readDevState(stateFile))?.types).toEqual(['product']);
    } finally {
      // Only while it runs: a start that died early must fail with its own output, not with ESRCH.
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGINT');
    }
    // npm re-raises the SIGINT on itself once its script has exited, as in a terminal.
    expect([0, 'SIGINT']).toContain(await exited);
    expect(output).toContain('freshindex dev: stopped');
  });
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, output: () => string, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`npm start exited (${child.exitCode ?? child.signalCode}); output:\n${output().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms; output:\n${output().slice(-3000)}`);
    await new Promise((done) => setTimeout(done, 500));
  }
}
