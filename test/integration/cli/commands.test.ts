/**
 * Every CLI command against one local runtime (the demo movie catalog, indexed by its initial
 * build): the success path, the error paths and their exit codes.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_CREDENTIALS } from '../../../lambdas/local/emulators.ts';
import { cli, eventually, startTestRuntime, type TestRuntime } from './support.ts';

const ONE_LINE = /^freshindex: [^\n]+\n$/;

describe('the freshindex CLI against a local runtime', () => {
  let test: TestRuntime;
  let movieId: string;
  const run = (...argv: string[]) => cli(argv, test.stateFile);
  const activeGeneration = async () => (JSON.parse((await run('--json', 'status', 'movie')).stdout) as { generations: { active: number } }).generations.active;

  beforeAll(async () => {
    test = await startTestRuntime();
    const page = (await (await fetch(`${test.runtime.state.cmsUrl}/movies?limit=1`)).json()) as { items: Array<{ id: string }> };
    movieId = page.items[0]?.id as string;
  }, 180_000);
  afterAll(async () => {
    await test?.stop();
  }, 60_000);

  describe('status', () => {
    it('shows every type with its active generation and record count', async () => {
      const result = await run('status');

      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^movie\n\s+generations: active \d+/);
      expect(result.stdout).toMatch(/3201 active/);
    });

    it('prints one JSON document with --json', async () => {
      const result = await run('--json', 'status');

      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ types: [{ type: 'movie', indexed: true }] });
    });

    it('exits 3 with one line for an unknown type', async () => {
      const result = await run('status', 'nope');

      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(ONE_LINE);
      expect(result.stderr).toContain('unknown resource type "nope"');
    });
  });

  describe('get', () => {
    it('shows a record that matches its source', async () => {
      const result = await run('get', 'movie', movieId);

      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`movie/${movieId} in generation`);
      expect(result.stdout).toContain('matches:  yes');
    });

    it('exits 3 for an id neither the index nor the source knows', async () => {
      const result = await run('get', 'movie', 'no-such-movie-1900');

      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(ONE_LINE);
    });

    it('exits 3 for an unknown type', async () => {
      const result = await run('get', 'nope', movieId);

      expect(result.code).toBe(3);
    });

    it('exits 2 when the id is missing', async () => {
      const result = await run('get', 'movie');

      expect(result.code).toBe(2);
      expect(result.stderr).toContain("missing required argument 'id'");
    });
  });

  describe('reindex', () => {
    it('re-reads a resource from the source', async () => {
      const result = await run('--json', 'reindex', 'movie', movieId);

      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ type: 'movie', id: movieId, op: 'upsert' });
    });

    it('exits 3 for an id neither the source nor the index knows, and writes nothing', async () => {
      const reindex = await run('reindex', 'movie', 'no-such-id');
      const get = await run('get', 'movie', 'no-such-id');

      expect([reindex.code, get.code]).toEqual([3, 3]);
      expect(reindex.stderr).toBe('freshindex: resource movie/no-such-id not found (HTTP 404)\n');
    });

    it('exits 3 for an unknown type', async () => {
      const result = await run('reindex', 'nope', movieId);

      expect(result.code).toBe(3);
    });
  });

  describe('publish', () => {
    it('sends a change event that the apply handler writes to the index', async () => {
      const version = Date.now();
      const doc = { id: 'cli-published-2030', revision: 1, updatedAt: version, Title: 'Published by the CLI', 'Release Date': 'Jan 01 2030' };

      const result = await run('publish', 'movie', 'cli-published-2030', '--version', String(version), '--doc', JSON.stringify(doc));

      expect(result.code).toBe(0);
      await eventually(async () => {
        const get = await run('--json', 'get', 'movie', 'cli-published-2030');
        return get.code === 0 && (JSON.parse(get.stdout) as { index: unknown }).index !== null;
      });
    });

    it('publishes every event of a JSON file', async () => {
      const file = join(tmpdir(), `freshindex-events-${process.pid}.json`);
      await writeFile(file, JSON.stringify([{ type: 'movie', id: movieId, op: 'upsert' }, { type: 'movie', id: movieId, op: 'upsert' }]));

      const result = await run('--json', 'publish', '--file', file);

      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ published: 2 });
    });

    it('exits 3 for a type the running config does not declare', async () => {
      const result = await run('publish', 'nope', 'x');

      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(ONE_LINE);
    });

    it('exits 2 for an event that breaks the contract', async () => {
      const result = await run('publish', 'movie', 'x', '--op', 'delete', '--doc', '{}');

      expect(result.code).toBe(2);
      expect(result.stderr).toContain('a delete carries no doc');
    });
  });

  describe('rebuild and rollback', () => {
    it('refuses a second rebuild requested while the first one starts', async () => {
      const first = await run('--json', 'rebuild', 'movie', '--no-wait');
      const second = await run('rebuild', 'movie', '--no-wait');
      const job = await test.runtime.jobs.wait((JSON.parse(first.stdout) as { jobId: string }).jobId);

      expect([first.code, second.code, job?.status]).toEqual([0, 1, 'succeeded']);
      expect(second.stderr).toMatch(/^freshindex: a rebuild of "movie" was requested at \S+ \(job local-\d+-\w+\) and has not started yet; [^\n]+ \(HTTP 409\)\n$/);
    }, 120_000);

    // Runs after the test above: its request is accepted only because that job settled its reservation.
    it('rebuilds a type into a new generation and flips to it', async () => {
      const before = await activeGeneration();

      const result = await run('rebuild', 'movie');

      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^movie: generation \d+ is live/);
      expect(await activeGeneration()).toBeGreaterThan(before);
    }, 120_000);

    it('rolls back to the previous generation', async () => {
      const status = JSON.parse((await run('--json', 'status', 'movie')).stdout) as { generations: { active: number; previous: number } };

      const result = await run('--json', 'rollback', 'movie');

      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ from: status.generations.active, to: status.generations.previous });
    });

    it('exits 3 when rebuilding an unknown type', async () => {
      const result = await run('rebuild', 'nope');

      expect(result.code).toBe(3);
    });

    it('exits 3 when rolling back an unknown type', async () => {
      const result = await run('rollback', 'nope');

      expect(result.code).toBe(3);
    });
  });

  describe('audit', () => {
    it('runs the audit job and prints its report', async () => {
      const result = await run('audit', 'movie');

      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^movie: audited generation \d+: source \d+, index \d+/);
    }, 120_000);

    it('exits 3 for an unknown type', async () => {
      const result = await run('audit', 'nope');

      expect(result.code).toBe(3);
    });
  });

  describe('quarantine', () => {
    it('lists the quarantined resources of a type', async () => {
      const result = await run('--json', 'quarantine', 'list', 'movie');

      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ type: 'movie', count: expect.any(Number) });
    });

    it('exits 3 when releasing a resource that is not quarantined', async () => {
      const result = await run('quarantine', 'release', 'movie', movieId);

      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(ONE_LINE);
    });

    it('exits 3 when listing an unknown type', async () => {
      const result = await run('quarantine', 'list', 'nope');

      expect(result.code).toBe(3);
    });
  });

  describe('dlq', () => {
    it('lists, shows, redrives and purges what the apply function dead-lettered', async () => {
      const applyQueue = test.runtime.plan.functions.find((planned) => planned.role === 'apply')?.mapping?.queueUrl as string;
      const sqs = new SQSClient({ endpoint: test.runtime.state.endpoints.sqs, region: test.runtime.state.region, credentials: EMULATOR_CREDENTIALS });
      await sqs.send(new SendMessageCommand({ QueueUrl: applyQueue, MessageBody: '{"type":"movie","id":"broken-json"' }));
      sqs.destroy();
      const letters = async () => (JSON.parse((await run('--json', 'dlq', 'list', '--queue', 'apply')).stdout) as { queues: Array<{ items: Array<{ messageId: string; reason?: string }> }> }).queues[0]?.items ?? [];
      await eventually(async () => (await letters()).length > 0);

      const [letter] = await letters();
      const shown = await run('dlq', 'show', letter?.messageId as string);
      const redriven = await run('dlq', 'redrive', '--queue', 'apply');
      await eventually(async () => (await letters()).length > 0);
      const purged = await run('dlq', 'purge', '--queue', 'apply', '--yes');

      expect(letter?.reason).toBeDefined();
      expect(shown.stdout).toContain('{"type":"movie","id":"broken-json"');
      expect(redriven.stdout).toMatch(/apply: 1 redriven/);
      expect(purged.code).toBe(0);
      expect(await letters()).toEqual([]);
    });
  });

  describe('dev', () => {
    it('exits 1 naming the port when another runtime holds it', async () => {
      const busy = Number(new URL(test.runtime.state.apiUrl).port);

      const result = await run('dev', '--port-base', String(busy));

      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`port ${busy} \\(sqs\\) is already in use`));
    });
  });

  describe('a runtime that is gone', () => {
    it('exits 4 when no state file names a runtime', async () => {
      const result = await cli(['status'], join(tmpdir(), 'no-such-freshindex-state.json'));

      expect(result.code).toBe(4);
      expect(result.stderr).toMatch(ONE_LINE);
      expect(result.stderr).toContain('no local runtime is running');
    });
  });
});
