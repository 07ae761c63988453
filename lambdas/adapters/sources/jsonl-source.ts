/**
 * A JSON-lines file (one document per line) as a `Source`, for local runs and fixtures.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { describeError, SourceError } from '../../core/errors.ts';
import type { JsonlSourceConfig } from '../../core/config/schema.ts';
import type { ScanOptions, Source, SourceDoc } from '../../core/ports.ts';
import { identify } from './documents.ts';
import { checkSegment, segmentOf } from './segments.ts';

/** What a JSON-lines source takes from outside. */
export interface JsonlSourceOptions {
  /**
   * The id of a document.
   * @default String(doc.id)
   */
  idOf?: ((doc: SourceDoc) => string) | undefined;
}

/** Where a line sits in the file. */
interface LineRef {
  offset: number;
  length: number;
}

/** The id → line index of one version of the file. */
interface FileIndex {
  mtimeMs: number;
  size: number;
  lines: Map<string, LineRef>;
}

const NEWLINE = 0x0a;
const DEFAULT_PAGE_SIZE = 100;

/**
 * Reads documents from a JSON-lines file. The file is streamed, never loaded whole: lookups use
 * an index of ids to byte offsets (built on first use and rebuilt when the file changes), and a
 * scan streams the file, keeping the documents of one page only. When an id appears on several
 * lines the last one wins, so appending an edited document to the file updates it. Blank lines
 * are ignored; scan segments are a stable hash of the id (see `segmentOf`).
 */
export class JsonlSource implements Source {
  private readonly idOf: (doc: SourceDoc) => string;
  private index: Promise<FileIndex> | undefined;

  constructor(
    private readonly config: JsonlSourceConfig,
    options: JsonlSourceOptions = {},
  ) {
    this.idOf = options.idOf ?? ((doc) => String(doc['id']));
  }

  async get(id: string): Promise<SourceDoc | undefined> {
    return (await this.getMany([id])).get(id);
  }

  async getMany(ids: readonly string[]): Promise<Map<string, SourceDoc>> {
    const { lines } = await this.currentIndex();
    const found = new Map<string, SourceDoc>();
    const refs = [...new Set(ids)].flatMap((id) => {
      const ref = lines.get(id);
      return ref ? [[id, ref] as const] : [];
    });
    if (refs.length === 0) return found;
    const file = await this.io(() => open(this.config.path, 'r'));
    try {
      for (const [id, ref] of refs) {
        const buffer = Buffer.alloc(ref.length);
        await file.read(buffer, 0, ref.length, ref.offset);
        found.set(id, this.parse(buffer, ref.offset));
      }
    } finally {
      await file.close();
    }
    return found;
  }

  async *scan(options: ScanOptions): AsyncIterable<SourceDoc[]> {
    checkSegment(options);
    const { lines } = await this.currentIndex();
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    let page: SourceDoc[] = [];
    for await (const { bytes, offset } of this.lines(options.signal)) {
      const doc = this.parse(bytes, offset);
      const id = identify(this.idOf, doc, `file ${this.config.path}`);
      // Only the line the index holds for the id: earlier lines of the same id are outdated.
      if (lines.get(id)?.offset !== offset || segmentOf(id, options.totalSegments) !== options.segment) continue;
      page.push(doc);
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  async estimateCount(): Promise<number | undefined> {
    return (await this.currentIndex()).lines.size;
  }

  /** The index of the file as it is now, rebuilt when its size or modification time changed. */
  private async currentIndex(): Promise<FileIndex> {
    const stats = await this.io(() => stat(this.config.path));
    const cached = this.index && (await this.index.catch(() => undefined));
    if (cached && cached.mtimeMs === stats.mtimeMs && cached.size === stats.size) return cached;
    this.index = this.buildIndex(stats.mtimeMs, stats.size);
    return this.index;
  }

  private async buildIndex(mtimeMs: number, size: number): Promise<FileIndex> {
    const lines = new Map<string, LineRef>();
    for await (const { bytes, offset } of this.lines()) {
      lines.set(identify(this.idOf, this.parse(bytes, offset), `file ${this.config.path}`), { offset, length: bytes.length });
    }
    return { mtimeMs, size, lines };
  }

  /** The non-blank lines of the file with their byte offsets, streamed. */
  private async *lines(signal?: AbortSignal): AsyncGenerator<{ bytes: Buffer; offset: number }> {
    let carry: Buffer = Buffer.alloc(0);
    let carryOffset = 0;
    const stream = createReadStream(this.config.path, signal ? { signal } : {});
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const data: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
        let start = 0;
        for (let end = data.indexOf(NEWLINE); end !== -1; end = data.indexOf(NEWLINE, start)) {
          const [from, to] = trimmed(data, start, end);
          if (to > from) yield { bytes: data.subarray(from, to), offset: carryOffset + from };
          start = end + 1;
        }
        carry = data.subarray(start);
        carryOffset += start;
      }
    } catch (error) {
      signal?.throwIfAborted();
      throw this.ioError(error);
    }
    const [from, to] = trimmed(carry, 0, carry.length);
    if (to > from) yield { bytes: carry.subarray(from, to), offset: carryOffset + from };
  }

  private parse(bytes: Buffer, offset: number): SourceDoc {
    let doc: unknown;
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new SourceError(`${this.config.path}: the line at byte ${offset} is not JSON`, { cause: error, retryable: false, context: { path: this.config.path, offset } });
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw new SourceError(`${this.config.path}: the line at byte ${offset} is not a JSON object`, { retryable: false, context: { path: this.config.path, offset } });
    }
    return doc as SourceDoc;
  }

  private async io<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw this.ioError(error);
    }
  }

  private ioError(error: unknown): SourceError {
    if (error instanceof SourceError) return error;
    const code = (error as { code?: unknown } | null)?.code;
    return new SourceError(`cannot read ${this.config.path}: ${describeError(error)}`, {
      cause: error,
      retryable: code !== 'ENOENT' && code !== 'EACCES' && code !== 'EISDIR',
      context: { path: this.config.path },
    });
  }
}

/** The bounds of `data[start, end)` without surrounding blanks (and a CRLF file's `\r`). */
function trimmed(data: Buffer, start: number, end: number): [number, number] {
  while (start < end && isBlank(data[start] as number)) start++;
  while (end > start && isBlank(data[end - 1] as number)) end--;
  return [start, end];
}

function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d;
}
