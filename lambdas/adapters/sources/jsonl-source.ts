/**
 * A JSON-lines file (one document per line) as a `Source`, for local runs and fixtures.
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeError, SourceError } from '../../core/errors.ts';
import type { JsonlSourceConfig } from '../../core/config/schema.ts';
import type { ScanOptions, Source, SourceDoc } from '../../core/ports.ts';
import { identify } from './documents.ts';
import { buildIndex, IndexReader, type IndexFooter } from './jsonl-index.ts';
import { linesOf } from './jsonl-lines.ts';
import { ScanSessions } from './jsonl-sessions.ts';
import { blocksOfSegment, checkSegment } from './segments.ts';

/** What a JSON-lines source takes from outside. */
export interface JsonlSourceOptions {
  /**
   * The id of a document.
   * @default String(doc.id)
   */
  idOf?: ((doc: SourceDoc) => string) | undefined;
  /**
   * Where the offset indexes of the file's versions are kept (one file each, reused by every
   * process that reads the same version).
   * @default join(os.tmpdir(), 'freshindex-jsonl')
   */
  indexDir?: string | undefined;
  /**
   * Bytes per scan block: segment `s` of `n` reads the blocks `s`, `s + n`, `s + 2n`...
   * @default 1 MiB
   */
  blockBytes?: number | undefined;
}

/** One version of the file, held open: reads through `handle` see that version even if the path is replaced. */
export interface Snapshot {
  handle: FileHandle;
  stats: Stats;
  indexPath: string;
  footer: IndexFooter;
}

const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_BLOCK_BYTES = 1024 * 1024;

/**
 * Reads documents from a JSON-lines file, in memory bounded by the page and block sizes
 * whatever the size of the file (docs/sources.md#json-lines-source):
 * - the first read of a version of the file builds its offset index on disk in one streaming
 *   pass (`jsonl-index.ts`); lookups binary-search it, and a scan skips the lines it marks as
 *   replaced by a later line of the same id (the last line of an id wins);
 * - a scan segment reads only its own blocks of the file, so the segments of a scan read the
 *   file once between them;
 * - the segments of one scan read one version of the file (`jsonl-sessions.ts`): lines appended
 *   meanwhile are seen by none of them (their change events reach the rebuild's catch-up log);
 * - a file rewritten in place while a scan reads it fails the scan with a retryable
 *   `SourceError` (every block read is checked against the checksum the index holds).
 */
export class JsonlSource implements Source {
  /** A scan reads one version of the file: every document of that version, whatever changes meanwhile. */
  readonly stableScan = true;
  private readonly idOf: (doc: SourceDoc) => string;
  private readonly indexDir: string;
  private readonly blockBytes: number;
  private latest: Promise<{ version: string; indexPath: string; footer: IndexFooter }> | undefined;
  private readonly sessions = new ScanSessions<Snapshot>(
    () => this.snapshot(),
    (snapshot) => snapshot.handle.close(),
  );

  constructor(
    private readonly config: JsonlSourceConfig,
    options: JsonlSourceOptions = {},
  ) {
    this.idOf = options.idOf ?? ((doc) => String(doc['id']));
    this.indexDir = options.indexDir ?? join(tmpdir(), 'freshindex-jsonl');
    this.blockBytes = options.blockBytes ?? DEFAULT_BLOCK_BYTES;
    if (!Number.isInteger(this.blockBytes) || this.blockBytes < 1) throw new RangeError(`blockBytes must be a positive integer, got ${this.blockBytes}`);
  }

  async get(id: string): Promise<SourceDoc | undefined> {
    return (await this.getMany([id])).get(id);
  }

  async getMany(ids: readonly string[]): Promise<Map<string, SourceDoc>> {
    return this.withSnapshot(async ({ handle, indexPath, footer }) => {
      const index = await this.io(() => IndexReader.at(indexPath, footer));
      try {
        const found = new Map<string, SourceDoc>();
        for (const id of new Set(ids)) {
          for (const ref of await this.io(() => index.candidates(id))) {
            const bytes = Buffer.alloc(ref.length);
            await this.io(() => handle.read(bytes, 0, ref.length, ref.offset));
            const doc = this.parse(bytes, ref.offset);
            if (identify(this.idOf, doc, `file ${this.config.path}`) === id) found.set(id, doc);
          }
        }
        return found;
      } finally {
        await index.close();
      }
    });
  }

  async *scan(options: ScanOptions): AsyncIterable<SourceDoc[]> {
    checkSegment(options);
    const session = await this.sessions.join(options.segment, options.totalSegments);
    let completed = false;
    try {
      yield* this.scanSnapshot(session.snapshot, options);
      completed = true;
    } finally {
      this.sessions.leave(session, options.segment, completed);
    }
  }

  async estimateCount(): Promise<number | undefined> {
    return this.withSnapshot(async ({ footer }) => footer.distinct);
  }

  /** The documents of one segment of `snapshot`: the last line of each id starting in its blocks. */
  private async *scanSnapshot(snapshot: Snapshot, options: ScanOptions): AsyncGenerator<SourceDoc[]> {
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    const index = await this.io(() => IndexReader.at(snapshot.indexPath, snapshot.footer));
    try {
      let page: SourceDoc[] = [];
      for (const block of blocksOfSegment(options.segment, options.totalSegments, snapshot.stats.size, this.blockBytes)) {
        for await (const doc of this.blockDocs(snapshot, index, block, options.signal)) {
          page.push(doc);
          if (page.length >= pageSize) {
            yield page;
            page = [];
          }
        }
      }
      if (page.length > 0) yield page;
    } finally {
      await index.close();
    }
  }

  /** The current documents of one block, checked against the block's checksum once it is read. */
  private async *blockDocs(snapshot: Snapshot, index: IndexReader, block: number, signal: AbortSignal | undefined): AsyncGenerator<SourceDoc> {
    const from = block * this.blockBytes;
    const to = from + this.blockBytes;
    const replaced = await this.io(() => index.superseded(from, to));
    let checksum: number | undefined;
    const lines = linesOf(snapshot.handle, { from, to, limit: snapshot.stats.size, signal, onChecksum: (crc) => (checksum = crc) });
    try {
      for await (const line of lines) {
        // A line whose leading blanks cross the block's end has its content offset past it.
        const superseded = line.offset < to ? replaced.has(line.offset) : (await index.superseded(line.offset, line.offset + 1)).size > 0;
        if (superseded) continue;
        yield await this.parseOrChanged(snapshot, line.bytes, line.offset);
      }
    } catch (error) {
      signal?.throwIfAborted();
      throw this.ioError(error);
    }
    if (checksum !== snapshot.footer.blockChecksums[block]) throw this.changedError();
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

  /** Opens the file with the index of the version it holds (found on disk, or built). */
  private async snapshot(): Promise<Snapshot> {
    const handle = await this.io(() => open(this.config.path, 'r'));
    try {
      const stats = await this.io(() => handle.stat());
      const version = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;
      const cached = this.latest && (await this.latest.catch(() => undefined));
      if (cached?.version === version) return { handle, stats, indexPath: cached.indexPath, footer: cached.footer };
      this.latest = this.indexOf(handle, version, stats.size);
      const { indexPath, footer } = await this.latest;
      if (cached && cached.indexPath !== indexPath) await rm(cached.indexPath, { force: true });
      return { handle, stats, indexPath, footer };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  private async indexOf(handle: FileHandle, version: string, size: number): Promise<{ version: string; indexPath: string; footer: IndexFooter }> {
    await this.io(() => mkdir(this.indexDir, { recursive: true }));
    const name = createHash('sha256').update(`${resolve(this.config.path)}\0${version}`).digest('hex').slice(0, 32);
    const indexPath = join(this.indexDir, `${name}.idx`);
    const existing = await IndexReader.open(indexPath, version, this.blockBytes);
    if (existing) {
      await existing.close();
      return { version, indexPath, footer: existing.footer };
    }
    const idOfLine = (bytes: Buffer, offset: number) => identify(this.idOf, this.parse(bytes, offset), `file ${this.config.path}`);
    try {
      const footer = await buildIndex(indexPath, { handle, size, version, blockBytes: this.blockBytes, idOfLine });
      return { version, indexPath, footer };
    } catch (error) {
      throw this.ioError(error);
    }
  }

  /** A line parsed; a line that does not parse because the file was rewritten meanwhile is reported as that. */
  private async parseOrChanged({ handle, stats }: Snapshot, bytes: Buffer, offset: number): Promise<SourceDoc> {
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
