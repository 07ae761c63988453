/** The source of truth of one type, in memory, for unit tests. */
import type { ScanOptions, Source, SourceDoc } from '../../../lambdas/core/ports.ts';
import { segmentOf } from '../../../lambdas/adapters/sources/segments.ts';
import { tick } from './tick.ts';

/**
 * A source of truth held in a map. `hidden` ids are left out of scans (a source returning too few
 * documents). `paging` says how a scan pages:
 * - `stable` (default): the ids of the segment are taken when the scan starts, each document read
 *   when its page is served, like a keyset cursor: every document that exists throughout is returned;
 * - `offset`: every page is "the next `pageSize` ids of the segment, in order, from position
 *   `offset`", computed from the documents as they are *then*, like `?offset=` pagination: a delete
 *   behind the cursor shifts the later pages and the scan skips a document.
 */
export class MemorySource implements Source {
  readonly docs = new Map<string, SourceDoc>();

  constructor(docs: readonly SourceDoc[] = []) {
    for (const doc of docs) this.docs.set(String(doc['id']), doc);
  }
  hidden = new Set<string>();
  /** Called between reading a scan page and handing it over (tests slow the scan down or count pages). */
  beforePage: () => Promise<void> = tick;
  estimate: 'exact' | 'none' = 'exact';
  paging: 'stable' | 'offset' = 'stable';

  get stableScan(): boolean {
    return this.paging === 'stable';
  }

  async get(id: string): Promise<SourceDoc | undefined> {
    await tick();
    return this.docs.get(id);
  }

  async getMany(ids: readonly string[]): Promise<Map<string, SourceDoc>> {
    await tick();
    const found = new Map<string, SourceDoc>();
    for (const id of ids) {
      const doc = this.docs.get(id);
      if (doc) found.set(id, doc);
    }
    return found;
  }

  async *scan(options: ScanOptions): AsyncIterable<SourceDoc[]> {
    if (this.paging === 'offset') {
      yield* this.scanByOffset(options);
      return;
    }
    const ids = this.segmentIds(options);
    const size = options.pageSize ?? 100;
    for (let start = 0; start < ids.length; start += size) {
      await tick();
      // Read each document when its page is served: a long scan sees later edits of later pages.
      const page = ids.slice(start, start + size).flatMap((id) => {
        const doc = this.docs.get(id);
        return doc ? [doc] : [];
      });
      // Like a network answer, the page arrives a while after it was read: its documents may be outdated by then.
      await this.beforePage();
      if (page.length > 0) yield page;
    }
  }

  async estimateCount(): Promise<number | undefined> {
    return this.estimate === 'exact' ? this.docs.size : undefined;
  }

  private async *scanByOffset(options: ScanOptions): AsyncIterable<SourceDoc[]> {
    const size = options.pageSize ?? 100;
    for (let offset = 0; ; offset += size) {
      await tick();
      const ids = this.segmentIds(options).sort();
      const page = ids.slice(offset, offset + size).map((id) => this.docs.get(id) as SourceDoc);
      await this.beforePage();
      if (page.length > 0) yield page;
      if (offset + size >= ids.length) return;
    }
  }

  private segmentIds(options: ScanOptions): string[] {
    return [...this.docs.keys()].filter((id) => segmentOf(id, options.totalSegments) === options.segment && !this.hidden.has(id));
  }
}
