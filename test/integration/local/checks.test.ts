/**
 * Issue #10, the verify path on `npm start`: the verify queue the template creates has no
 * subscription to the change topic, and a change is still checked after its type's settle delay,
 * because the apply function schedules its check. Through the real local runtime: the demo CMS's
 * edit → SNS → apply queue → apply handler → verify queue → verify handler, which repairs a
 * record tampered with after the edit was applied.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeStacks } from '../../../bin/freshindex.ts';
import { recordKey } from '../../../lambdas/adapters/dynamodb/keys.ts';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from '../../../lambdas/local/emulators.ts';
import { startDevRuntime, type DevRuntime } from '../../../lambdas/local/dev/runtime.ts';
import { DEMO_CONFIG, eventually, REPO_ROOT } from '../cli/support.ts';

interface Indexed {
  index: { version: number; record: Record<string, unknown> } | null;
}

describe('checks on the local runtime', () => {
  let runtime: DevRuntime;
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'freshindex-checks-'));
    runtime = await startDevRuntime({ configPath: DEMO_CONFIG, synthesize: synthesizeStacks, portBase: 0, stateFile: join(directory, 'dev.json'), logLevel: 'SILENT', cwd: REPO_ROOT, log: () => {} });
    await Promise.all(runtime.initialJobs.map((id) => runtime.jobs.wait(id)));
  }, 120_000);
  afterAll(async () => {
    await runtime?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('checks an edit after its settle delay and repairs the record it finds tampered with', async () => {
    const { apiUrl, cmsUrl, endpoints } = runtime.state;
    const record = async (id: string) => ((await (await fetch(`${apiUrl}/v1/types/movie/records/${encodeURIComponent(id)}`)).json()) as Indexed).index;
    const page = (await (await fetch(`${cmsUrl}/movies?limit=1`)).json()) as { items: Array<{ id: string }> };
    const id = page.items[0]?.id as string;
    const edit = await fetch(`${cmsUrl}/movies/${encodeURIComponent(id)}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'IMDB Rating': 9.7 }) });
    const version = ((await edit.json()) as { updatedAt: number }).updatedAt;
    await eventually(async () => (await record(id))?.version === version);
    const applied = (await record(id))?.record;

    // Within the movie's 5 s settle delay: a writer other than freshindex changes the record, same version.
    const { generations } = (await (await fetch(`${apiUrl}/v1/types/movie`)).json()) as { generations: { active: number } };
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: endpoints.dynamodb, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS }));
    await doc.send(
      new PutCommand({
        TableName: runtime.plan.tables.index,
        Item: { ...recordKey('movie', generations.active, id), type: 'movie', id, generation: generations.active, version, hash: 'tampered', deleted: false, writtenAt: Date.now(), record: JSON.stringify({ title: 'tampered' }) },
      }),
    );
    expect((await record(id))?.record).toEqual({ title: 'tampered' });

    await eventually(async () => JSON.stringify((await record(id))?.record) === JSON.stringify(applied), 30_000);
    const subscriptions = Object.values(runtime.local.resources).flatMap((resource) => (resource.kind === 'subscription' ? [resource.endpoint] : []));
    const verifyQueue = Object.values(runtime.local.resources).find((resource) => resource.kind === 'queue' && /VerifyQueue[0-9A-F]{8}$/.test(resource.logicalId));
    expect(verifyQueue).toBeDefined();
    expect(subscriptions).not.toContain(verifyQueue?.kind === 'queue' ? verifyQueue.arn : '');
  }, 90_000);
});
