/**
 * Issue #14's own apply queues (`delivery.queue: 'own'`): their dead letters are listed, shown,
 * counted and redriven through the ops API and the CLI as `apply:<type>`, like the shared
 * queues', on the emulators (fauxqs here, moto in `integration-moto`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { runCli, type CliIo } from '../../../lambdas/cli/program.ts';
import type { ApiServer } from '../../../lambdas/local/api-server.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { changeBody, config, deadLetterWorld, depthOf, receiveAll, startDeadLetterApi, type DeadLetterWorld } from './support.ts';

let aws: AwsTestEnv;
let world: DeadLetterWorld;
let server: ApiServer;

/** `movie` and `show` on the shared apply queue, `clip` on its own. */
const ownConfig = {
  types: [
    ...config.types,
    { ...config.types[0]!, name: 'clip', source: { ...config.types[0]!.source, itemUrl: 'http://127.0.0.1:9/clip/{id}' }, delivery: { queue: 'own' as const } },
  ],
};

beforeAll(async () => {
  aws = await startAws();
  world = await deadLetterWorld(aws, { ownTypes: ['clip'] });
  server = await startDeadLetterApi(aws, world, undefined, ownConfig);
});

afterAll(async () => {
  await server.close();
  await aws.stop();
});

beforeEach(async () => {
  for (const { queueUrl, deadLetterQueueUrl } of Object.values(world.queues)) {
    for (const url of [queueUrl, deadLetterQueueUrl]) await aws.sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
  }
});

const own = () => world.queues['apply:clip']!;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(`${server.url}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

async function cli(argv: readonly string[], url = server.url): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { out: (text) => void (stdout += text), err: (text) => void (stderr += text), env: {}, cwd: process.cwd() };
  const code = await runCli(['--endpoint', url, ...argv], io);
  return { code, stdout, stderr };
}

describe('dead letters of an own apply queue through the ops API', () => {
  it('lists and shows the letters of apply:<type>, apart from the shared apply queue\'s', async () => {
    await world.deadLetter('apply:clip', 'clip', 'c-1', 'invalid change event: version is not a number');
    await world.deadLetter('apply', 'movie', 'm-1');

    const list = await call('GET', '/v1/dead-letters/apply:clip');
    const shown = await call('GET', `/v1/dead-letters/${encodeURIComponent('apply:clip')}/${list.json['items'][0]?.messageId}`);
    const shared = await call('GET', '/v1/dead-letters/apply');

    expect(list.json).toMatchObject({ queue: 'apply:clip', count: 1, complete: true });
    expect(list.json['items']).toEqual([expect.objectContaining({ type: 'clip', id: 'c-1', reason: 'invalid change event: version is not a number' })]);
    expect(shown.json).toMatchObject({ queue: 'apply:clip', type: 'clip', id: 'c-1', body: changeBody('clip', 'c-1') });
    expect(shared.json['items']).toEqual([expect.objectContaining({ type: 'movie', id: 'm-1' })]);
  });

  it('redrives them to the type\'s own apply queue, not the shared one', async () => {
    await world.deadLetter('apply:clip', 'clip', 'c-1');
    await world.movedBySqs('apply:clip', 'clip', 'c-2');

    const result = await call('POST', '/v1/dead-letters/apply:clip/redrive', {});

    expect(result.json).toMatchObject({ queue: 'apply:clip', method: 'copy', redriven: 2, complete: true });
    expect((await receiveAll(aws, own().queueUrl)).map((message) => message.Body).sort()).toEqual([changeBody('clip', 'c-1'), changeBody('clip', 'c-2')]);
    expect(await depthOf(aws, own().deadLetterQueueUrl)).toBe(0);
    expect(await depthOf(aws, world.apply.queueUrl)).toBe(0);
  });

  it('counts the own queue in the status of every type and in the depths', async () => {
    await world.deadLetter('apply:clip', 'clip', 'c-1');

    const status = await call('GET', '/v1/types');
    const depths = await call('GET', '/v1/dead-letters');

    const expected = [
      { queue: 'apply', configured: true, visible: 0, inFlight: 0 },
      { queue: 'verify', configured: true, visible: 0, inFlight: 0 },
      { queue: 'apply:clip', configured: true, visible: 1, inFlight: 0 },
    ];
    expect(status.json['deadLetters']).toEqual(expected);
    expect(depths.json['queues']).toEqual(expected);
  });

  it('answers 404 for the own queue of a type on the shared queue, and 400 for a name that is no queue', async () => {
    const shared = await call('GET', '/v1/dead-letters/apply:movie');
    const unknown = await call('GET', '/v1/dead-letters/apply:nosuch');
    const malformed = await call('GET', '/v1/dead-letters/clip');

    expect(shared.status).toBe(404);
    expect(shared.json['detail']).toMatch(/movie/);
    expect(unknown.status).toBe(404);
    expect(malformed.status).toBe(400);
  });
});

describe('freshindex dlq with an own apply queue', () => {
  it('lists every queue of the deployment by default, the own one included, and one with --queue apply:<type>', async () => {
    await world.deadLetter('apply:clip', 'clip', 'c-1', 'invalid change event: no id');
    await world.deadLetter('verify', 'show', 's-1');

    const all = await cli(['dlq', 'list']);
    const one = await cli(['--json', 'dlq', 'list', '--queue', 'apply:clip']);

    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/apply: no dead letters/);
    expect(all.stdout).toMatch(/verify: 1 dead letter;.*\n .*show\/s-1/);
    expect(all.stdout).toMatch(/apply:clip: 1 dead letter;.*\n .*clip\/c-1 .*: invalid change event: no id/);
    expect(JSON.parse(one.stdout).queues).toEqual([expect.objectContaining({ queue: 'apply:clip', count: 1 })]);
  });

  it('lists and redrives only the configured queues of a deployment whose API is not given the own queue', async () => {
    const { FRESHINDEX_DEAD_LETTERS_OWN_APPLY: _own, ...env } = world.env;
    const partial = await startDeadLetterApi(aws, { ...world, env }, undefined, ownConfig);
    await world.deadLetter('apply', 'movie', 'm-1');

    try {
      const list = await cli(['dlq', 'list'], partial.url);
      const redrive = await cli(['dlq', 'redrive'], partial.url);

      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/apply: 1 dead letter/);
      expect(list.stdout).not.toMatch(/apply:clip/);
      expect(redrive.code).toBe(0);
      expect(redrive.stdout).toMatch(/apply: 1 redriven/);
    } finally {
      await partial.close();
    }
  });

  it('shows a letter of the own queue found by its id alone', async () => {
    await world.deadLetter('apply:clip', 'clip', 'c-1');
    const [letter] = JSON.parse((await cli(['--json', 'dlq', 'list', '--queue', 'apply:clip'])).stdout).queues[0].items;

    const shown = await cli(['dlq', 'show', letter.messageId]);

    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('apply:clip dead letter');
  });

  it('redrives the own queue with every other queue, each to its own consumer queue', async () => {
    await world.deadLetter('apply:clip', 'clip', 'c-1');
    await world.deadLetter('apply', 'movie', 'm-1');

    const run = await cli(['dlq', 'redrive']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/apply:clip: 1 redriven/);
    expect((await receiveAll(aws, own().queueUrl)).map((message) => message.Body)).toEqual([changeBody('clip', 'c-1')]);
    expect((await receiveAll(aws, world.apply.queueUrl)).map((message) => message.Body)).toEqual([changeBody('movie', 'm-1')]);
  });

  it('refuses a --queue that names no queue', async () => {
    const run = await cli(['dlq', 'list', '--queue', 'clips!']);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/apply:<type>/);
  });

  it('counts the own queue in status', async () => {
    await world.deadLetter('apply:clip', 'clip', 'c-1');

    const status = await cli(['status']);

    expect(status.stdout).toMatch(/dead letters: apply 0, verify 0, apply:clip 1/);
  });
});
