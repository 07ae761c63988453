/**
 * The offset index of one version of a JSON-lines file, kept on disk (a "sidecar" file), built in one streaming pass and read with small positional reads, so a file
 * of any size is looked up and scanned in bounded memory.
 *
 * Layout of the sidecar, little-endian:
 * - entries: one per distinct id, 20 bytes each (`hashA` u32, `hashB` u32, line offset f64,
 *   line length u32), sorted by (`hashA`, `hashB`), in 256 partitions by the top byte of `hashA`;
 * - superseded: the start offsets (f64) of lines a later line of the same id replaces, sorted;
 * - footer: JSON (`IndexFooter`), then its length as a u32.
 */
import { randomUUID } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { linesOf } from './jsonl-lines.ts';

/** What the index holds about its file version. */
export interface IndexFooter {
  magic: typeof MAGIC;
  /** The file version indexed (device, inode, size, modification time). */
  version: string;
  /** Distinct ids. */
  distinct: number;
  /** `[first entry, entry count]` of each partition. */
  partitions: Array<[number, number]>;
  superseded: { at: number; count: number };
  /** Block size of `blockChecksums`, and the CRC-32 of each block of the file. */
  blockBytes: number;
  blockChecksums: number[];
}

/** A line found by id: where it is. */
export interface LineRef {
  offset: number;
  length: number;
}

/** How the build reads and identifies lines. */
export interface IndexBuild {
  handle: FileHandle;
  size: number;
  version: string;
  blockBytes: number;
  /** The id of the line at `offset` (parses it; throws a `SourceError` on a bad line). */
  idOfLine: (bytes: Buffer, offset: number) => string;
}

const MAGIC = 'freshindex-jsonl-index-1';
const ENTRY_BYTES = 20;
const PARTITIONS = 256;
/** Entries buffered per partition before they are spilled (256 × 512 × 20 B ≈ 2.6 MB at most). */
const SPILL_ENTRIES = 512;

/** The two 32-bit FNV-1a hashes (different offset bases) of an id's UTF-8 bytes. */
export function idHashes(id: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (const byte of Buffer.from(id, 'utf8')) {
    a = Math.imul(a ^ byte, 0x01000193) >>> 0;
    b = Math.imul(b ^ byte, 0x01000193) >>> 0;
  }
  return [a, b];
}

/**
 * Builds the index of `build.handle` at `path` (written beside it, then renamed over it, so a
 * reader in another process never sees half an index). One pass over the file; entries are
 * spilled to a scratch file by partition, then each partition is sorted on its own.
 */
export async function buildIndex(path: string, build: IndexBuild): Promise<IndexFooter> {
  const scratchPath = `${path}.${randomUUID()}.spill`;
  const partialPath = `${path}.${randomUUID()}.partial`;
  const scratch = await open(scratchPath, 'w+');
  try {
    const spilled = await spill(scratch, build);
    const out = await open(partialPath, 'w');
    try {
      const footer = await writeSorted(out, scratch, spilled, build);
      const json = Buffer.from(JSON.stringify(footer));
      const length = Buffer.alloc(4);
      length.writeUInt32LE(json.length);
      const tail = Buffer.concat([json, length]);
      await out.write(tail, 0, tail.length, footer.superseded.at + footer.superseded.count * 8);
      await out.close();
      await rename(partialPath, path);
      return footer;
    } catch (error) {
      await out.close().catch(() => {});
      await rm(partialPath, { force: true });
      throw error;
    }
  } finally {
    await scratch.close();
    await rm(scratchPath, { force: true });
  }
}

/** Where each partition's spilled chunks are in the scratch file, and the blocks' checksums. */
interface Spilled {
  chunks: Array<Array<[number, number]>>;
  blockChecksums: number[];
}

async function spill(scratch: FileHandle, build: IndexBuild): Promise<Spilled> {
  const buffers = Array.from({ length: PARTITIONS }, () => ({ data: Buffer.alloc(SPILL_ENTRIES * ENTRY_BYTES), used: 0 }));
  const chunks: Array<Array<[number, number]>> = Array.from({ length: PARTITIONS }, () => []);
  let at = 0;
  const flush = async (partition: number) => {
    const buffer = buffers[partition] as { data: Buffer; used: number };
    if (buffer.used === 0) return;
    await scratch.write(buffer.data, 0, buffer.used * ENTRY_BYTES, at);
    chunks[partition]?.push([at, buffer.used]);
    at += buffer.used * ENTRY_BYTES;
    buffer.used = 0;
  };
  const blockChecksums: number[] = [];
  for (let block = 0; block * build.blockBytes < build.size; block++) {
    const range = { from: block * build.blockBytes, to: (block + 1) * build.blockBytes, limit: build.size, onChecksum: (crc: number) => blockChecksums.push(crc) };
    for await (const line of linesOf(build.handle, range)) {
      const [a, b] = idHashes(build.idOfLine(line.bytes, line.offset));
      const partition = a >>> 24;
      const buffer = buffers[partition] as { data: Buffer; used: number };
      const base = buffer.used * ENTRY_BYTES;
      buffer.data.writeUInt32LE(a, base);
      buffer.data.writeUInt32LE(b, base + 4);
      buffer.data.writeDoubleLE(line.offset, base + 8);
      buffer.data.writeUInt32LE(line.bytes.length, base + 16);
      buffer.used++;
      if (buffer.used === SPILL_ENTRIES) await flush(partition);
    }
  }
  for (let partition = 0; partition < PARTITIONS; partition++) await flush(partition);
  return { chunks, blockChecksums };
}

interface Entry {
  a: number;
  b: number;
  offset: number;
  length: number;
}

/** Sorts and de-duplicates each partition into `out`; lines replaced by a later one are listed as superseded. */
async function writeSorted(out: FileHandle, scratch: FileHandle, spilled: Spilled, build: IndexBuild): Promise<IndexFooter> {
  const partitions: Array<[number, number]> = [];
  const superseded: number[] = [];
  let written = 0;
  for (const chunks of spilled.chunks) {
    const entries = await readChunks(scratch, chunks);
    entries.sort((x, y) => x.a - y.a || x.b - y.b || x.offset - y.offset);
    const kept = await lastLineOfEachId(entries, build, superseded);
    const data = Buffer.alloc(kept.length * ENTRY_BYTES);
    kept.forEach((entry, index) => encode(data, index * ENTRY_BYTES, entry));
    await out.write(data, 0, data.length, written * ENTRY_BYTES);
    partitions.push([written, kept.length]);
    written += kept.length;
  }
  const sorted = Float64Array.from(superseded).sort();
  const at = written * ENTRY_BYTES;
  await out.write(Buffer.from(sorted.buffer, sorted.byteOffset, sorted.byteLength), 0, sorted.byteLength, at);
  return { magic: MAGIC, version: build.version, distinct: written, partitions, superseded: { at, count: sorted.length }, blockBytes: build.blockBytes, blockChecksums: spilled.blockChecksums };
}

/** Of entries sorted by hash then offset, the last line of each id; the others' offsets go to `superseded`. */
async function lastLineOfEachId(entries: Entry[], build: IndexBuild, superseded: number[]): Promise<Entry[]> {
  const kept: Entry[] = [];
  for (let first = 0; first < entries.length; ) {
    let last = first;
    while (last + 1 < entries.length && entries[last + 1]?.a === entries[first]?.a && entries[last + 1]?.b === entries[first]?.b) last++;
    const group = entries.slice(first, last + 1);
    // Equal hashes are almost always one id written twice; read the lines to be sure.
    const byId = group.length === 1 ? new Map([['', group]]) : await groupById(group, build);
    for (const lines of byId.values()) {
      kept.push(lines[lines.length - 1] as Entry);
      for (const line of lines.slice(0, -1)) superseded.push(line.offset);
    }
    first = last + 1;
  }
  return kept;
}

async function groupById(group: Entry[], build: IndexBuild): Promise<Map<string, Entry[]>> {
  const byId = new Map<string, Entry[]>();
  for (const entry of group) {
    const bytes = Buffer.alloc(entry.length);
    await build.handle.read(bytes, 0, entry.length, entry.offset);
    const id = build.idOfLine(bytes, entry.offset);
    byId.set(id, [...(byId.get(id) ?? []), entry]);
  }
  return byId;
}

async function readChunks(scratch: FileHandle, chunks: ReadonlyArray<[number, number]>): Promise<Entry[]> {
  const entries: Entry[] = [];
  for (const [at, count] of chunks) {
    const data = Buffer.alloc(count * ENTRY_BYTES);
    await scratch.read(data, 0, data.length, at);
    for (let index = 0; index < count; index++) entries.push(decode(data, index * ENTRY_BYTES));
  }
  return entries;
}

function encode(data: Buffer, base: number, entry: Entry): void {
  data.writeUInt32LE(entry.a, base);
  data.writeUInt32LE(entry.b, base + 4);
  data.writeDoubleLE(entry.offset, base + 8);
  data.writeUInt32LE(entry.length, base + 16);
}

function decode(data: Buffer, base: number): Entry {
  return { a: data.readUInt32LE(base), b: data.readUInt32LE(base + 4), offset: data.readDoubleLE(base + 8), length: data.readUInt32LE(base + 16) };
}

/** An index file opened for reading. */
export class IndexReader {
  constructor(
    private readonly handle: FileHandle,
    readonly footer: IndexFooter,
  ) {}

  /** Opens the index at `path` whose footer is already known. */
  static async at(path: string, footer: IndexFooter): Promise<IndexReader> {
    return new IndexReader(await open(path, 'r'), footer);
  }

  /** Opens the index at `path`; `undefined` when it is missing, damaged, or of another version or block size. */
  static async open(path: string, version: string, blockBytes: number): Promise<IndexReader | undefined> {
    const handle = await open(path, 'r').catch(() => undefined);
    if (!handle) return undefined;
    try {
      const { size } = await handle.stat();
      const length = Buffer.alloc(4);
      await handle.read(length, 0, 4, size - 4);
      const json = Buffer.alloc(length.readUInt32LE());
      await handle.read(json, 0, json.length, size - 4 - json.length);
      const footer = JSON.parse(json.toString('utf8')) as IndexFooter;
      if (footer.magic === MAGIC && footer.version === version && footer.blockBytes === blockBytes) return new IndexReader(handle, footer);
    } catch {
      // not an index we can use: it is rebuilt
    }
    await handle.close();
    return undefined;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /**
   * The lines that may hold `id`: the entries of its hash, by binary search over the partition
   * (about 12 positional reads of 20 bytes for a million ids). The caller checks the id of each.
   */
  async candidates(id: string): Promise<LineRef[]> {
    const [a, b] = idHashes(id);
    const [first, count] = this.footer.partitions[a >>> 24] as [number, number];
    let low = first;
    let high = first + count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const entry = await this.entry(middle);
      if (entry.a < a || (entry.a === a && entry.b < b)) low = middle + 1;
      else high = middle;
    }
    const found: LineRef[] = [];
    for (let index = low; index < first + count; index++) {
      const entry = await this.entry(index);
      if (entry.a !== a || entry.b !== b) break;
      found.push({ offset: entry.offset, length: entry.length });
    }
    return found;
  }

  /** The content offsets of superseded lines in [from, to). */
  async superseded(from: number, to: number): Promise<Set<number>> {
    const { at, count } = this.footer.superseded;
    const lowerBound = async (value: number) => {
      let low = 0;
      let high = count;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if ((await this.offsetAt(at, middle)) < value) low = middle + 1;
        else high = middle;
      }
      return low;
    };
    const first = await lowerBound(from);
    const last = await lowerBound(to);
    const data = Buffer.alloc((last - first) * 8);
    if (data.length > 0) await this.handle.read(data, 0, data.length, at + first * 8);
    const offsets = new Set<number>();
    for (let index = 0; index < last - first; index++) offsets.add(data.readDoubleLE(index * 8));
    return offsets;
  }

  private async entry(index: number): Promise<Entry> {
    const data = Buffer.alloc(ENTRY_BYTES);
    await this.handle.read(data, 0, ENTRY_BYTES, index * ENTRY_BYTES);
    return decode(data, 0);
  }

  private async offsetAt(at: number, index: number): Promise<number> {
    const data = Buffer.alloc(8);
    await this.handle.read(data, 0, 8, at + index * 8);
    return data.readDoubleLE(0);
  }
}
