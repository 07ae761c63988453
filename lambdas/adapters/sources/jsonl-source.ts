/**
 * A JSON-lines file (one document per line) as a `Source`, for local runs and fixtures.
 */
import type { Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
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
  /** Device, inode, size and modification time of the version it indexes. */
  version: string;
  size: number;
  lines: Map<string, LineRef>;
}

/** One version of the file, held open: reads through `handle` see that version even if the path is replaced. */
interface Snapshot {
  handle: FileHandle;
  stats: Stats;
  index: FileIndex;
}

const NEWLINE = 0x0a;
const DEFAULT_PAGE_SIZE = 100;

/**
 * Reads documents from a JSON-lines file. The file is streamed, never loaded whole: lookups use
 * an index of ids to byte offsets (built on first use and rebuilt when the file changes), and a
 * scan streams the file, keeping the documents of one page only. When an id appears on several
 * lines the last one wins, so appending an edited document to the file updates it. Blank lines
 * are ignored; scan segments are a stable hash of the id (see `segmentOf`).
 *
 * A scan reads the file as it was when the scan started (one open handle, up to the size it had
 * then), so it is stable: a file renamed over it or lines appended meanwhile change nothing for
 * that scan. A file rewritten in place while a scan reads it fails the scan with a retryable
 * `SourceError`; the scan never skips a document silently.
 */
export class JsonlSource implements Source {
  /** A scan reads one version of the file: every document of that version, whatever changes meanwhile. */
  readonly stableScan = true;
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
    return this.withSnapshot(async ({ handle, index }) => {
      const found = new Map<string, SourceDoc>();
      for (const id of new Set(ids)) {
        const ref = index.lines.get(id);
        if (ref === undefined) continue;
        const buffer = Buffer.alloc(ref.length);
        await this.io(() => handle.read(buffer, 0, ref.length, ref.offset));
        found.set(id, this.parse(buffer, ref.offset));
      }
      return found;
    });
  }

  async *scan(options: ScanOptions): AsyncIterable<SourceDoc[]> {
    checkSegment(options);
    const snapshot = await this.snapshot();
    try {
      yield* this.scanSnapshot(snapshot, options);
    } finally {
      await snapshot.handle.close();
    }
  }

  async estimateCount(): Promise<number | undefined> {
    return this.withSnapshot(async ({ index }) => index.lines.size);
  }

  /** The documents of one segment of `snapshot`, checked to be all of them. */
  private async *scanSnapshot({ handle, stats, index }: Snapshot, options: ScanOptions): AsyncGenerator<SourceDoc[]> {
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    const inSegment = (id: string) => segmentOf(id, options.totalSegments) === options.segment;
    let page: SourceDoc[] = [];
    let returned = 0;
    for await (const { bytes, offset } of this.lines(handle, index.size, options.signal)) {
      const doc = await this.parseOrChanged(handle, stats, bytes, offset);
      const id = identify(this.idOf, doc, `file ${this.config.path}`);
      const indexed = index.lines.get(id)?.offset;
      // A line after the one the index holds for its id, or of an id it does not know: not the version indexed.
      if (indexed === undefined || offset > indexed) throw this.changedError();
      // Earlier lines of the same id are outdated: only the one the index holds counts.
      if (offset < indexed || !inSegment(id)) continue;
      returned++;
      page.push(doc);
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
    if (returned !== [...index.lines.keys()].filter(inSegment).length) throw this.changedError();
    if (page.length > 0) yield page;
  }

  /** Runs `read` on a snapshot of the file, closing it after. */
  private async withSnapshot<T>(read: (snapshot: Snapshot) => Promise<T>): Promise<T> {
    const snapshot = await this.snapshot();
    try {
      return await read(snapshot);
    } finally {
      await snapshot.handle.close();
    }
  }

  /** Opens the file and indexes the version it holds (the cached index when it is that version). */
  private async snapshot(): Promise<Snapshot> {
    const handle = await this.io(() => open(this.config.path, 'r'));
    try {
      const stats = await this.io(() => handle.stat());
      const version = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;
      const cached = this.index && (await this.index.catch(() => undefined));
      if (cached?.version === version) return { handle, stats, index: cached };
      this.index = this.buildIndex(handle, version, stats.size);
      return { handle, stats, index: await this.index };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  private async buildIndex(handle: FileHandle, version: string, size: number): Promise<FileIndex> {
    const lines = new Map<string, LineRef>();
    for await (const { bytes, offset } of this.lines(handle, size)) {
      lines.set(identify(this.idOf, this.parse(bytes, offset), `file ${this.config.path}`), { offset, length: bytes.length });
    }
    return { version, size, lines };
  }

  /** A line parsed; a line that does not parse because the file was rewritten meanwhile is reported as that. */
  private async parseOrChanged(handle: FileHandle, stats: Stats, bytes: Buffer, offset: number): Promise<SourceDoc> {
    try {
      return this.parse(bytes, offset);
    } catch (error) {
      const now = await handle.stat().catch(() => undefined);
      if (now && (now.mtimeMs !== stats.mtimeMs || now.size !== stats.size)) throw this.changedError();
      throw error;
    }
  }

  private changedError(): SourceError {
    return new SourceError(`${this.config.path} changed while the scan read it (rewritten in place?); write a new file and rename it over the old one instead`, {
      retryable: true,
      context: { path: this.config.path },
    });
  }

  /** The non-blank lines of the first `size` bytes of the file with their byte offsets, streamed. */
  private async *lines(handle: FileHandle, size: number, signal?: AbortSignal): AsyncGenerator<{ bytes: Buffer; offset: number }> {
    if (size === 0) return;
    let carry: Buffer = Buffer.alloc(0);
    let carryOffset = 0;
    const stream = handle.createReadStream({ start: 0, end: size - 1, autoClose: false, ...(signal ? { signal } : {}) });
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
