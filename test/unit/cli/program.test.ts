import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, runCli, type CliIo } from '../../../lambdas/cli/program.ts';

function io(env: NodeJS.ProcessEnv = {}): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    env: { FRESHINDEX_STATE_FILE: join(tmpdir(), 'freshindex-unit-no-state.json'), ...env },
    cwd: tmpdir(),
    stdout: () => out,
    stderr: () => err,
  };
}

function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((child) => {
    const path = [...prefix, child.name()];
    return [path, ...commandPaths(child, path)];
  });
}

describe('the freshindex command line', () => {
  const paths = commandPaths(buildProgram(io()));

  it.each(paths.map((path) => [path.join(' '), path]))('prints help for `%s` and exits 0', async (_name, path) => {
    const capture = io();

    const code = await runCli([...(path as string[]), '--help'], capture);

    expect(code).toBe(0);
    expect(capture.stdout()).toMatch(/^Usage: freshindex /);
  });

  it('offers every command the issue names', () => {
    expect(paths.map((path) => path.join(' '))).toEqual(
      expect.arrayContaining(['dev', 'publish', 'status', 'get', 'reindex', 'similar', 'rebuild', 'rollback', 'audit', 'quarantine list', 'quarantine release']),
    );
  });

  it('exits 2 for an unknown command', async () => {
    const capture = io();

    const code = await runCli(['bogus'], capture);

    expect(code).toBe(2);
    expect(capture.stderr()).toBe("freshindex: unknown command 'bogus'\n");
  });

  it('reports a mistyped command in one line with the freshindex: prefix and a suggestion', async () => {
    const capture = io();

    const code = await runCli(['stauts'], capture);

    expect(code).toBe(2);
    expect(capture.stderr()).toBe("freshindex: unknown command 'stauts' (Did you mean status?)\n");
  });

  it('reports an unknown option in one line with the freshindex: prefix', async () => {
    const capture = io();

    const code = await runCli(['status', '--nope'], capture);

    expect(code).toBe(2);
    expect(capture.stderr()).toBe("freshindex: unknown option '--nope'\n");
  });

  it('exits 2 for an unknown option', async () => {
    const code = await runCli(['status', '--nope'], io());

    expect(code).toBe(2);
  });

  it('exits 4 in one line when no local runtime is running', async () => {
    const capture = io();

    const code = await runCli(['status'], capture);

    expect(code).toBe(4);
    expect(capture.stderr()).toMatch(/^freshindex: no local runtime is running \(no .+\): start it with `npm start`[^\n]*\n$/);
  });

  it('exits 4 when the state file names a process that is gone', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'freshindex-unit-'));
    const stateFile = join(directory, 'dev.json');
    await writeFile(
      stateFile,
      JSON.stringify({
        version: 1,
        pid: 2 ** 22 + 12_345,
        startedAt: new Date().toISOString(),
        configPath: '/x/freshindex.config.ts',
        types: ['movie'],
        apiUrl: 'http://127.0.0.1:1',
        controlUrl: 'http://127.0.0.1:2',
        endpoints: { sqs: 'http://127.0.0.1:3', sns: 'http://127.0.0.1:3', dynamodb: 'http://127.0.0.1:4' },
        region: 'us-east-1',
        changeTopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
        tables: { index: 'index', control: 'control' },
      }),
    );
    const capture = io({ FRESHINDEX_STATE_FILE: stateFile });

    const code = await runCli(['get', 'movie', 'x'], capture);

    expect(code).toBe(4);
    expect(capture.stderr()).toContain('is gone, but left');
  });

  it('exits 2 when --endpoint is not a URL', async () => {
    const capture = io();

    const code = await runCli(['--endpoint', 'not a url', 'status'], capture);

    expect(code).toBe(2);
    expect(capture.stderr()).toContain('is not a URL');
  });

  it('exits 2 when publish gets neither TYPE ID nor --file', async () => {
    const capture = io();

    const code = await runCli(['publish'], capture);

    expect(code).toBe(2);
    expect(capture.stderr()).toContain('give TYPE and ID');
  });

  it('exits 2 when the --file of publish is not JSON', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'freshindex-unit-')), 'events.json');
    await writeFile(file, '{ not json');
    const capture = io();

    const code = await runCli(['publish', '--file', file], capture);

    expect(code).toBe(2);
    expect(capture.stderr()).toMatch(/events\.json is not JSON/);
  });

  it('exits 2 when publishing to a deployed stack without a topic', async () => {
    const capture = io();

    const code = await runCli(['--endpoint', 'https://abc.execute-api.eu-west-1.amazonaws.com', 'publish', 'video', 'v1'], capture);

    expect(code).toBe(2);
    expect(capture.stderr()).toContain('needs --topic-arn');
  });
});
