/**
 * Issue 12: dead letters an operator can list, show, redrive and purge, through the ops API and
 * the CLI (`--endpoint` at the API on localhost), end to end on the emulators (fauxqs here, moto
 * in `integration-moto`), where redrive copies: neither has StartMessageMoveTask.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { runCli, type CliIo } from '../../../lambdas/cli/program.ts';
import type { ApiServer } from '../../../lambdas/local/api-server.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';
import { changeBody, deadLetterWorld, depthOf, receiveAll, startDeadLetterApi, type DeadLetterWorld } from './support.ts';

let aws: AwsTestEnv;
let world: DeadLetterWorld;
let server: ApiServer;

beforeAll(async () => {
  aws = await startAws();
  world = await deadLetterWorld(aws);
  server = await startDeadLetterApi(aws, world);
});

afterAll(async () => {
  await server.close();
  await aws.stop();
});

beforeEach(async () => {
  for (const url of [world.apply.queueUrl, world.apply.deadLetterQueueUrl, world.verify.queueUrl, world.verify.deadLetterQueueUrl]) {
    await aws.sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
  }
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(`${server.url}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

async function cli(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { out: (text) => void (stdout += text), err: (text) => void (stderr += text), env: {}, cwd: process.cwd() };
  const code = await runCli(['--endpoint', server.url, ...argv], io);
  return { code, stdout, stderr };
}

describe('dead letters through the ops API', () => {
  it('lists each queue\'s letters with reason, type, id, receive count and first seen, and puts them back', async () => {
    const before = Date.now();
    await world.deadLetter('apply', 'movie', 'm-1', 'invalid change event: version is not a number');
    await world.deadLetter('verify', 'show', 's-1');
    const moved = await world.movedBySqs('apply', 'show', 's-2');

    const apply = await call('GET', '/v1/dead-letters/apply');
    const verify = await call('GET', '/v1/dead-letters/verify');

    expect(apply.status).toBe(200);
    expect(apply.json).toMatchObject({ queue: 'apply', count: 2, complete: true });
    expect(apply.json['items']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'invalid change event: version is not a number', type: 'movie', id: 'm-1', receiveCount: 5, bodyReplaced: false }),
        expect.objectContaining({ messageId: moved, type: 'show', bodyReplaced: false }),
      ]),
    );
    expect(Date.parse(apply.json['items'][0].firstSeen)).toBeGreaterThanOrEqual(before - 1_000);
    expect(verify.json['items']).toEqual([expect.objectContaining({ type: 'show', id: 's-1' })]);
    expect(await depthOf(aws, world.apply.deadLetterQueueUrl)).toBe(2);
    expect(await receiveAll(aws, world.apply.deadLetterQueueUrl)).toHaveLength(2);
  });

  it('lists only the letters of the type asked', async () => {
    await world.deadLetter('apply', 'movie', 'm-1');
    await world.deadLetter('apply', 'show', 's-1');
    await world.deadLetter('apply', 'movie', 'm-2');

    const list = await call('GET', '/v1/dead-letters/apply?type=movie&limit=10');

    expect(list.json['items'].map((item: { id: string }) => item.id).sort()).toEqual(['m-1', 'm-2']);
  });

  it('shows one letter with its body, by its message id or the id it had on the apply queue, and 404 for another', async () => {
    await world.deadLetter('apply', 'movie', 'm-1');
    const [listed] = (await call('GET', '/v1/dead-letters/apply')).json['items'];

    const byId = await call('GET', `/v1/dead-letters/apply/${listed.messageId}`);
    const byOriginal = await call('GET', `/v1/dead-letters/apply/${listed.originalMessageId}`);
    const unknown = await call('GET', '/v1/dead-letters/apply/no-such-letter');

    expect(byId.json).toMatchObject({ queue: 'apply', messageId: listed.messageId, type: 'movie', id: 'm-1', body: changeBody('movie', 'm-1') });
    expect(byOriginal.json['messageId']).toBe(listed.messageId);
    expect(unknown.status).toBe(404);
  });

  it('redrives the letters of one type to the apply queue and leaves the other types\' letters', async () => {
    await world.deadLetter('apply', 'movie', 'm-1');
    await world.deadLetter('apply', 'show', 's-1');
    await world.movedBySqs('apply', 'movie', 'm-2');

    const result = await call('POST', '/v1/dead-letters/apply/redrive', { type: 'movie' });

    expect(result.json).toMatchObject({ queue: 'apply', type: 'movie', method: 'copy', redriven: 2, skippedOtherTypes: 1, complete: true });
    const redriven = await receiveAll(aws, world.apply.queueUrl);
    expect(redriven.map((message) => message.Body).sort()).toEqual([changeBody('movie', 'm-1'), changeBody('movie', 'm-2')]);
    expect(redriven.map((message) => Object.keys(message.MessageAttributes ?? {}))).toEqual([['type'], ['type']]);
    const left = (await call('GET', '/v1/dead-letters/apply')).json['items'];
    expect(left).toEqual([expect.objectContaining({ type: 'show', id: 's-1' })]);
  });

  it('redrives every letter of the verify queue back to the verify queue', async () => {
    await world.deadLetter('verify', 'movie', 'm-1');
    await world.deadLetter('verify', 'show', 's-1');

    const result = await call('POST', '/v1/dead-letters/verify/redrive', {});

    expect(result.json).toMatchObject({ method: 'copy', redriven: 2, complete: true });
    expect(await receiveAll(aws, world.verify.queueUrl)).toHaveLength(2);
    expect(await depthOf(aws, world.verify.deadLetterQueueUrl)).toBe(0);
  });

  it('refuses a purge without its confirmation and keeps every letter', async () => {
    await world.deadLetter('apply', 'movie', 'm-1');

    const refused = await call('DELETE', '/v1/dead-letters/apply');

    expect(refused.status).toBe(400);
    expect(refused.json['detail']).toMatch(/confirm=purge/);
    expect(await depthOf(aws, world.apply.deadLetterQueueUrl)).toBe(1);
  });

  it('purges with its confirmation', async () => {
    await world.deadLetter('apply', 'movie', 'm-1');

    const purged = await call('DELETE', '/v1/dead-letters/apply?confirm=purge');

    expect(purged.json).toEqual({ queue: 'apply', purged: true });
    expect(await depthOf(aws, world.apply.deadLetterQueueUrl)).toBe(0);
  });

  it('shows the depth of each dead-letter queue in the status of every type', async () => {
    await world.deadLetter('apply', 'movie', 'm-1');
    await world.deadLetter('apply', 'movie', 'm-2');

    const status = await call('GET', '/v1/types');

    expect(status.json['deadLetters']).toEqual([
      { queue: 'apply', configured: true, visible: 2, inFlight: 0 },
      { queue: 'verify', configured: true, visible: 0, inFlight: 0 },
    ]);
  });
});

describe('freshindex dlq', () => {
  it('lists the letters of both queues, and of one type', async () => {
    await world.deadLetter('apply', 'movie', 'm-1', 'invalid change event: no id');
    await world.deadLetter('verify', 'show', 's-1');

    const all = await cli(['dlq', 'list']);
    const movies = await cli(['--json', 'dlq', 'list', 'movie', '--queue', 'apply']);

    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/apply: 1 dead letter;.*\n .*movie\/m-1 .*received 5 times: invalid change event: no id/);
    expect(all.stdout).toMatch(/verify: 1 dead letter;.*\n .*show\/s-1/);
    expect(JSON.parse(movies.stdout).queues).toEqual([expect.objectContaining({ queue: 'apply', count: 1 })]);
  });

  it('shows one letter with its body, and exits 3 for an id no letter has', async () => {
    await world.deadLetter('verify', 'show', 's-1');
    const [letter] = JSON.parse((await cli(['--json', 'dlq', 'list', '--queue', 'verify'])).stdout).queues[0].items;

    const shown = await cli(['dlq', 'show', letter.messageId]);
    const missing = await cli(['dlq', 'show', 'no-such-letter']);

    expect(shown.stdout).toContain('verify dead letter');
    expect(shown.stdout).toContain('"id": "s-1"');
    expect(missing.code).toBe(3);
  });

  it('redrives one type and leaves the other types\' letters', async () => {
    await world.deadLetter('apply', 'movie', 'm-1');
    await world.deadLetter('apply', 'show', 's-1');

    const run = await cli(['dlq', 'redrive', '--type', 'show', '--queue', 'apply']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/apply: 1 redriven; left here: 1 of other types/);
    expect((await receiveAll(aws, world.apply.queueUrl)).map((message) => message.Body)).toEqual([changeBody('show', 's-1')]);
    expect(await depthOf(aws, world.apply.deadLetterQueueUrl)).toBe(1);
  });

  it('refuses to purge without --yes when it cannot ask, and purges with it', async () => {
    await world.deadLetter('apply', 'movie', 'm-1');

    const refused = await cli(['dlq', 'purge', '--queue', 'apply']);
    const kept = await depthOf(aws, world.apply.deadLetterQueueUrl);
    const purged = await cli(['dlq', 'purge', '--queue', 'apply', '--yes']);

    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect(kept).toBe(1);
    expect(purged.code).toBe(0);
    expect(await depthOf(aws, world.apply.deadLetterQueueUrl)).toBe(0);
  });

  it('shows the depth of each dead-letter queue in status', async () => {
    await world.deadLetter('verify', 'movie', 'm-1');

    const status = await cli(['status']);

    expect(status.stdout).toMatch(/dead letters: apply 0, verify 1 — see `freshindex dlq list`/);
  });
});
