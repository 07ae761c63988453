/**
 * The contract of the catch-up log, on DynamoDB, Redis and in memory (support/backends.ts).
 */
import { describe, expect, it } from 'vitest';
import type { CatchUpLog } from '../../../lambdas/core/ports.ts';
import { eachBackend, useBackend } from './support/backends.ts';

async function readAll(log: CatchUpLog, type: string, generation: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of log.read(type, generation)) ids.push(...page);
  return ids.sort();
}

describe.each(eachBackend)('catch-up log contract: %s', (_name, start) => {
  const env = useBackend(start);

  it('returns every logged id once, however often it was logged', async () => {
    await env.ports.catchUp.record('video', 3, ['a', 'b', 'a']);
    await env.ports.catchUp.record('video', 3, ['b', 'c']);

    expect(await readAll(env.ports.catchUp, 'video', 3)).toEqual(['a', 'b', 'c']);
  });

  it('reads a large log completely', async () => {
    const ids = Array.from({ length: 1_200 }, (_, i) => `id-${i}`);
    await env.ports.catchUp.record('video', 3, ids);

    expect(await readAll(env.ports.catchUp, 'video', 3)).toEqual([...ids].sort());
  });

  it('reads nothing from a generation that logged nothing', async () => {
    expect(await readAll(env.ports.catchUp, 'video', 9)).toEqual([]);
  });

  it('keeps the logs of generations and types apart', async () => {
    await env.ports.catchUp.record('video', 3, ['v3']);
    await env.ports.catchUp.record('video', 4, ['v4']);
    await env.ports.catchUp.record('article', 3, ['a3']);

    expect([await readAll(env.ports.catchUp, 'video', 4), await readAll(env.ports.catchUp, 'article', 3)]).toEqual([['v4'], ['a3']]);
  });

  it("forgets a generation's log when cleared, leaving the others", async () => {
    await env.ports.catchUp.record('video', 3, ['a']);
    await env.ports.catchUp.record('video', 4, ['b']);

    await env.ports.catchUp.clear('video', 3);

    expect([await readAll(env.ports.catchUp, 'video', 3), await readAll(env.ports.catchUp, 'video', 4)]).toEqual([[], ['b']]);
  });

  it('forgets only the ids it is given, of that generation alone', async () => {
    await env.ports.catchUp.record('video', 3, ['a', 'b', 'c']);
    await env.ports.catchUp.record('video', 4, ['a']);

    await env.ports.catchUp.forget('video', 3, ['a', 'c', 'never-logged']);

    expect([await readAll(env.ports.catchUp, 'video', 3), await readAll(env.ports.catchUp, 'video', 4)]).toEqual([['b'], ['a']]);
  });

  it('logs ids with awkward characters as they are', async () => {
    const ids = ['a:b', '{tag}', 'x*y?', 'é/ü#1'];
    await env.ports.catchUp.record('video', 3, ids);

    expect(await readAll(env.ports.catchUp, 'video', 3)).toEqual([...ids].sort());
  });
});
