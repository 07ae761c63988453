/**
 * The console in a real headless chromium against one local runtime (the demo movie catalog):
 * a rebuild started from the page shows its progress and the generation flip, a CMS edit shows
 * in the applied-rate chart and the record inspector, and a quarantined resource is released.
 * The tests run in order on one runtime. Screenshots: test-artifacts/browser/.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHash } from '../../lambdas/core/hash.ts';
import { EMULATOR_CREDENTIALS } from '../../lambdas/local/emulators.ts';
import { screenshot, startConsoleWorld, type ConsoleWorld } from './support.ts';

/** Polls `check` (every 100 ms) until it returns a value. */
async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

const field = (page: Page, name: string) => page.locator(`#generations [data-field="${name}"]`).innerText();

describe('the console against a local runtime', () => {
  let world: ConsoleWorld;
  let page: Page;

  beforeAll(async () => {
    world = await startConsoleWorld();
    page = world.page;
    // Quarter-second polls: the demo's build reports its load once and ends within a second or two after.
    await page.goto(`${world.consoleUrl}?refresh=0.25`);
    await page.locator('#connection.live').waitFor();
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  it('starts a rebuild behind a confirmation, refuses a second one with the problem document, and shows the progress and the generation flip', async () => {
    // Prepare: no index yet.
    expect(await field(page, 'active')).toBe('none yet');

    // Act: rebuild, confirmed in the dialog.
    await page.locator('#rebuild').click();
    await page.locator('#confirm').getByRole('button', { name: 'Rebuild' }).click();
    await expect.poll(() => page.locator('#announce').innerText(), { timeout: 10_000 }).toMatch(/^Rebuild of movie submitted \(job /);

    // Assess: a second rebuild is refused and the dialog shows why.
    await page.locator('#rebuild').click();
    await page.locator('#confirm').getByRole('button', { name: 'Rebuild' }).click();
    await expect.poll(() => page.locator('#confirm .problem').innerText(), { timeout: 10_000 }).toMatch(/HTTP 409/);
    await screenshot(page, 'rebuild-refused');
    await page.locator('#confirm').getByRole('button', { name: 'Cancel' }).click();

    // Assess: the progress bar advances while it builds, then the building generation goes live.
    const seen: number[] = [];
    let building = '';
    await until(async () => {
      if (await page.locator('#build').isVisible()) {
        seen.push(await page.locator('#build-progress').evaluate((bar) => (bar as HTMLProgressElement).value));
        if (seen.length === 1 || seen.at(-1) !== seen.at(-2)) await screenshot(page, `build-progress-${seen.length}`);
      }
      const now = await field(page, 'building');
      if (now.startsWith('generation')) building = now;
      return building && (await field(page, 'active')) === building ? true : undefined;
    }, 90_000, 'the build generation going live');
    expect(Math.max(...seen)).toBeGreaterThan(seen[0] ?? 0);
    expect(await field(page, 'building')).toBe('no build running');
    // The pointer flips first; the job records its outcome after its checks of the flip, a poll or two later.
    await expect.poll(() => page.locator('#last-build').innerText(), { timeout: 30_000 }).toMatch(/Outcome\s+succeeded/);
    await screenshot(page, 'build-flipped');
  });

  it('shows a CMS edit in the applied-rate chart and in the record inspector', async () => {
    // Prepare: a movie of the catalog, open in the inspector (typed, submitted with Enter).
    const catalog = (await (await fetch(`${world.cmsUrl}/movies?limit=1`)).json()) as { items: Array<{ id: string }> };
    const id = catalog.items[0]?.id as string;
    await page.locator('#inspect-id').fill(id);
    await page.locator('#inspect-id').press('Enter');
    await expect.poll(() => page.locator('#inspect-verdict').innerText(), { timeout: 10_000 }).toBe('✓ The index matches the source.');

    // Act: an operator edits it in the CMS.
    await fetch(`${world.cmsUrl}/movies/${encodeURIComponent(id)}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'IMDB Rating': 9.9 }) });

    // Assess: the inspector shows the new record on both sides, the chart counts the change.
    await expect.poll(() => page.locator('#inspect-index [data-key="imdbRating"]').innerText(), { timeout: 30_000 }).toBe('imdbRating: 9.9');
    expect(await page.locator('#inspect-expected [data-key="imdbRating"]').innerText()).toBe('imdbRating: 9.9');
    await expect.poll(() => page.locator('#chart-applied-summary').innerText(), { timeout: 10_000 }).toMatch(/^[1-9][\d,]* changes? applied in the last 15 minutes/);
    expect(await page.locator('#chart-applied canvas').count()).toBeGreaterThan(0);
    await screenshot(page, 'edit-applied');

    // Act: reindex it from the inspector. Assess: the API's answer is announced.
    await page.locator('#reindex').click();
    await page.locator('#confirm').getByRole('button', { name: 'Reindex' }).click();
    await expect.poll(() => page.locator('#announce').innerText(), { timeout: 10_000 }).toMatch(new RegExp(`^movie/${id} reindexed: unchanged`));
  });

  it('marks the fields where the index record differs from transform(source)', async () => {
    // Prepare: a record of the active generation drifted from its source (its title).
    const catalog = (await (await fetch(`${world.cmsUrl}/movies?limit=3`)).json()) as { items: Array<{ id: string }> };
    const id = catalog.items[2]?.id as string;
    const shown = (await (await fetch(`${world.dev.state.apiUrl}/v1/types/movie/records/${encodeURIComponent(id)}`)).json()) as { generation: number; index: { version: number; record: Record<string, unknown> } };
    const drifted = { ...shown.index.record, title: 'A drifted title' };
    await world.ports.records.bulkPut('movie', shown.generation, [{ type: 'movie', id, generation: shown.generation, version: shown.index.version, hash: contentHash(drifted), deleted: false, writtenAt: Date.now(), record: drifted }]);

    // Act: inspect it.
    await page.locator('#inspect-id').fill(id);
    await page.getByRole('button', { name: 'Inspect' }).click();

    // Assess: the verdict says they differ and only the title is marked, on both sides.
    await expect.poll(() => page.locator('#inspect-verdict').innerText(), { timeout: 10_000 }).toMatch(/^≠ /);
    expect(await page.locator('#inspect-index li.differs').allInnerTexts()).toEqual(['≠ title: "A drifted title"']);
    expect(await page.locator('#inspect-expected li.differs').count()).toBe(1);
    await screenshot(page, 'inspector-difference');
  });

  it('lists a quarantined resource with its last difference and releases it behind a confirmation', async () => {
    // Prepare: the checker quarantined a movie.
    const catalog = (await (await fetch(`${world.cmsUrl}/movies?limit=2`)).json()) as { items: Array<{ id: string }> };
    const id = catalog.items[1]?.id as string;
    await world.ports.quarantine.add({ type: 'movie', id, since: Date.now(), differences: 3, lastDifference: 'content differs from transform(source)', cleanChecks: 0 });
    const row = page.locator(`#quarantine-body tr[data-id="${id}"]`);
    await expect.poll(() => row.innerText(), { timeout: 10_000 }).toContain('content differs from transform(source)');
    await screenshot(page, 'quarantined');

    // Act: release it, confirmed.
    await row.getByRole('button', { name: `Release ${id}` }).click();
    await page.locator('#confirm').getByRole('button', { name: 'Release' }).click();

    // Assess: gone from the page and from the store.
    await expect.poll(() => page.locator('#quarantine-empty').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await world.ports.quarantine.get('movie', id)).toBeUndefined();
    expect(await page.locator('#announce').innerText()).toBe(`movie/${id} released from quarantine.`);
  });

  it('lists a dead letter with its reason and redrives it behind a confirmation', async () => {
    // Prepare: a change event the apply function cannot read lands in its dead-letter queue.
    const { dev } = world;
    const applyQueue = dev.plan.functions.find((planned) => planned.role === 'apply')?.mapping?.queueUrl as string;
    const sqs = new SQSClient({ endpoint: dev.state.endpoints.sqs, region: dev.state.region, credentials: EMULATOR_CREDENTIALS });
    await sqs.send(new SendMessageCommand({ QueueUrl: applyQueue, MessageBody: JSON.stringify({ type: 'movie', id: 'dead-on-arrival', op: 'upsert', version: 'not a version' }) }));
    sqs.destroy();
    const row = page.locator('#dead-letters-body [data-queue="apply"] tbody tr');
    await expect.poll(() => row.first().innerText(), { timeout: 30_000 }).toContain('movie/dead-on-arrival');
    expect(await row.first().locator('td.difference').innerText()).toMatch(/^invalid change event: version/);
    await screenshot(page, 'dead-letter');

    // Act: redrive, confirmed.
    await page.getByRole('button', { name: 'Redrive the apply dead letters…' }).click();
    await page.locator('#confirm').getByRole('button', { name: 'Redrive' }).click();

    // Assess: the API's answer is announced.
    await expect.poll(() => page.locator('#announce').innerText(), { timeout: 10_000 }).toBe('1 apply dead letter redriven.');
  });
});
