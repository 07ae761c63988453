/** The results of a split load's children in memory; passes test/integration/store/child-results.contract.test.ts. */
import type { ChildResultStore, LoadResult } from '../../../lambdas/core/rebuild/index.ts';
import { tick } from './tick.ts';

/** Child results by type and build. */
export class MemoryChildResults implements ChildResultStore {
  readonly #builds = new Map<string, Map<number, LoadResult>>();

  async save(type: string, buildId: string, child: number, result: LoadResult): Promise<void> {
    await tick();
    const key = JSON.stringify([type, buildId]);
    const results = this.#builds.get(key) ?? new Map<number, LoadResult>();
    results.set(child, structuredClone(result));
    this.#builds.set(key, results);
  }

  async list(type: string, buildId: string): Promise<Map<number, LoadResult>> {
    await tick();
    return new Map([...(this.#builds.get(JSON.stringify([type, buildId])) ?? new Map<number, LoadResult>())].map(([child, result]) => [child, structuredClone(result)]));
  }
}
