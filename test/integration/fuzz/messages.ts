/**
 * The fuzz workload: good change events of every shape the contract allows, interleaved with
 * malformed messages of every kind we could think of, each with the reason its dead letter must
 * give. Seeded: the same seed gives the same messages.
 */
import type { Doc } from '../../support/cms-server.ts';
import { seededRandom } from '../../support/random.ts';

/** One SQS message body, and what must become of it. */
export type FuzzMessage =
  | { kind: 'good'; body: string; label: string }
  | { kind: 'malformed'; body: string; label: string; reason: RegExp; mustStayAbsent?: string };

export interface FuzzWorkload {
  messages: FuzzMessage[];
  /** The source's final documents (what every good change converges to). */
  docs: Map<string, Doc>;
  /** The ids good changes touched, with the final document, or `undefined` if it ends deleted. */
  expected: Map<string, Doc | undefined>;
  /** A title no accepted change carries: it must never reach the index. */
  evilTitle: string;
}

export interface FuzzOptions {
  messages: number;
  seed: number;
  /** Whether bodies may hold characters outside the Basic Multilingual Plane (fauxqs refuses them). */
  astral: boolean;
}

export const TYPE = 'video';
const EVIL = 'EVIL-must-never-be-indexed';
const INFINITY = '<Infinity>';

type Random = () => number;
const pick = <T>(next: Random, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;

/** Text with spaces, accents, CJK, right-to-left, combining marks, escapes JSON needs, and (if allowed) emoji. */
function text(next: Random, astral: boolean, length: number): string {
  const pieces = ['a', 'Z', ' ', 'é', 'ß', '中文', 'עברית', 'e\u0301', '"', '\\', '/', '\n', '\t', '\u200b', '\ufffd', '<b>', '{', '}', ...(astral ? ['😀', '𝄞', '👩‍👩‍👧'] : [])];
  let out = '';
  while (out.length < length) out += pick(next, pieces);
  return out;
}

/** Every kind of malformed message, built around a live resource id so a wrong acceptance shows in the index. */
function malformed(next: Random, id: string, astral: boolean, n: number): FuzzMessage {
  const event = (fields: Record<string, unknown>) => JSON.stringify({ type: TYPE, id, ...fields });
  const evilDoc = { id, version: 1e6, title: EVIL };
  const kinds: Array<() => [string, string, RegExp, string?]> = [
    () => ['garbage', text(next, astral, 1 + Math.floor(next() * 60)).replace(/^[\s[{"0-9tfn-]/, '~'), /message body is not JSON/],
    () => ['truncated JSON', event({ op: 'upsert', version: 1 }).slice(0, 10 + Math.floor(next() * 20)), /message body is not JSON/],
    () => ['whitespace body', ' \n\t ', /message body is not JSON/],
    () => ['not an object', pick(next, ['42', '"upsert"', '[]', 'null', 'true', '[{"type":"video"}]']), /^invalid change event: \(event\): /],
    () => ['deeply nested', `${'['.repeat(3_000)}${']'.repeat(3_000)}`, /^invalid change event: \(event\): /],
    () => ['SNS envelope, Message not JSON', JSON.stringify({ Type: 'Notification', MessageId: `m${n}`, Message: '{oops' }), /SNS Message is not JSON/],
    () => ['SNS envelope, bad event', JSON.stringify({ Type: 'Notification', MessageId: `m${n}`, Message: event({ op: 'delete', version: 'abc' }) }), /version: "abc" is not a version/],
    () => ['missing op', event({ version: 1 }), /^invalid change event: op: /],
    () => ['missing id', JSON.stringify({ type: TYPE, op: 'delete', version: 1 }), /^invalid change event: id: /],
    () => ['missing type', JSON.stringify({ id, op: 'delete', version: 1 }), /^invalid change event: type: /],
    () => ['wrong op', event({ op: pick(next, ['replace', 'UPSERT', 'del', '', 1]), version: 1 }), /^invalid change event: op: /],
    () => ['id not a string', JSON.stringify({ type: TYPE, id: pick(next, [42, null, ['a'], { id }]), op: 'delete', version: 1 }), /^invalid change event: id: /],
    () => ['empty id', JSON.stringify({ type: TYPE, id: '', op: 'delete', version: 1 }), /^invalid change event: id: /],
    () => ['id too long', JSON.stringify({ type: TYPE, id: 'i'.repeat(513), op: 'delete', version: 1 }), /^invalid change event: id: /],
    () => ['type too long', JSON.stringify({ type: 't'.repeat(41), id, op: 'delete', version: 1 }), /^invalid change event: type: /],
    () => ['unknown type', JSON.stringify({ type: 'podcast', id, op: 'delete', version: 1 }), /unknown resource type "podcast"/],
    () => {
      const version = pick<unknown>(next, ['abc', 'yesterday-ish', '', ' 7', '007', '1e3', '-1', '0x1F', '2026-11-21', '2026-11-21T10:00:00', '1969-12-31T23:59:59Z', 'November 21, 2026', '9007199254740993', -1, 1.5, 2 ** 53, 2 ** 60, INFINITY, true, null, {}, [1], 'v'.repeat(5_000)]);
      // JSON.parse reads 1e400 as Infinity, which JSON.stringify cannot write.
      return ['bad version on a delete', event({ op: 'delete', version }).replace(`"${INFINITY}"`, '1e400'), /^invalid change event: version: /];
    },
    () => ['bad version on an upsert', event({ op: 'upsert', version: pick(next, ['abc', 2 ** 60, -5, '12.5']), doc: evilDoc }), /^invalid change event: version: /],
    () => ['doc not an object', event({ op: 'upsert', version: 1, doc: pick(next, ['doc', 7, [evilDoc], null, true]) }), /^invalid change event: doc: /],
    () => ['delete with a doc', event({ op: 'delete', version: 1e6, doc: evilDoc }), /a delete carries no doc/],
    () => ['unknown field', event({ op: 'upsert', version: 1e6, dco: evilDoc }), /Unrecognized key/],
    () => ['__proto__ field', `{"type":"${TYPE}","id":"${id}","op":"delete","version":1000000,"__proto__":{"admin":true}}`, /Unrecognized key/],
    () => ['bad occurredAt', event({ op: 'delete', version: 1e6, occurredAt: pick(next, ['yesterday', '2026-11-21', 1_700_000_000_000]) }), /^invalid change event: occurredAt: /],
    () => ['poisoned document', JSON.stringify({ type: TYPE, id: `poison-${n}`, op: 'upsert', version: 1, doc: { id: `poison-${n}`, version: 1, title: EVIL, poison: true } }), new RegExp(`^TransformError: transform of video/poison-${n} rejected the document: poisoned document`), `poison-${n}`],
    () => ['document without a version', JSON.stringify({ type: TYPE, id: `unversioned-${n}`, op: 'upsert', doc: { id: `unversioned-${n}`, version: pick(next, ['soon', '2026-11-21', 2 ** 60, -3]), title: EVIL } }), /rejected the document: version\(doc\): /, `unversioned-${n}`],
    // One in ten of these is large (150 KB): enough of them to matter, few enough to keep the run short.
    () => ['padded and malformed', event({ op: 'upsert', version: 1e6, doc: evilDoc, padding: 'p'.repeat(next() < 0.1 ? 150_000 : 100) }), /Unrecognized key/],
  ];
  const [label, body, reason, mustStayAbsent] = pick(next, kinds)();
  return { kind: 'malformed', label, body, reason, ...(mustStayAbsent ? { mustStayAbsent } : {}) };
}

/**
 * Builds the workload: `resources` ids, each edited several times in the source (upserts with
 * and without the document, deletes with and without a version, re-creations), plus a few ids of
 * unusual shape; every edit announced by a good message, and malformed ones mixed in at random.
 */
export function buildWorkload({ messages, seed, astral }: FuzzOptions): FuzzWorkload {
  const next = seededRandom(seed);
  const docs = new Map<string, Doc>();
  const expected = new Map<string, Doc | undefined>();
  const resources = Math.max(10, Math.floor(messages / 40));
  const versions = new Map<string, number>();
  const out: FuzzMessage[] = [];
  const good = (label: string, event: Record<string, unknown>) => out.push({ kind: 'good', label, body: wrap(next, event) });

  for (let n = 0; out.length < messages; n++) {
    if (next() < 0.5) {
      out.push(malformed(next, `r${Math.floor(next() * resources)}`, astral, n));
      continue;
    }
    if (next() < 0.04) {
      const id = unusualId(next, astral, n);
      const doc = { id, version: 1, title: text(next, astral, 12) };
      expected.set(id, doc);
      good('unusual id', { type: TYPE, id, op: 'upsert', version: pick(next, [1, '1']), doc });
      continue;
    }
    const id = `r${Math.floor(next() * resources)}`;
    const version = (versions.get(id) ?? 0) + 1;
    versions.set(id, version);
    const roll = next();
    if (roll < 0.15 && docs.has(id)) {
      docs.delete(id);
      expected.set(id, undefined);
      if (next() < 0.7) good('versioned delete', { type: TYPE, id, op: 'delete', version: pick(next, [version, String(version)]) });
      else good('delete without version (the source confirms)', { type: TYPE, id, op: 'delete' });
      continue;
    }
    const doc: Doc = { id, version, title: `${id} v${version} ${text(next, astral, 8)}`, ...(next() < 0.01 ? { blurb: 'b'.repeat(100_000) } : {}) };
    docs.set(id, doc);
    expected.set(id, doc);
    if (roll < 0.55) good('upsert with doc', { type: TYPE, id, op: 'upsert', version: pick(next, [version, String(version)]), doc, occurredAt: new Date().toISOString() });
    else if (roll < 0.9) good('upsert without doc', { type: TYPE, id, op: 'upsert' });
    else good('upsert with doc, version from the doc', { type: TYPE, id, op: 'upsert', doc });
  }
  return { messages: shuffleWithin(next, out, 200), docs, expected, evilTitle: EVIL };
}

/** Ids a producer may legitimately send: spaces, slashes, '#', non-Latin scripts, the maximum length. */
function unusualId(next: Random, astral: boolean, n: number): string {
  const shapes = [`with space ${n}`, `slash/${n}`, `hash#${n}`, `中文-${n}`, `quote"${n}`, `back\\slash${n}`, `${'L'.repeat(500)}${String(n).padStart(12, '0')}`, `tab\t${n}`, ...(astral ? [`emoji-😀-${n}`] : [])];
  return pick(next, shapes);
}

/** Raw, or (one in five) wrapped in the SNS envelope the handlers also accept. */
function wrap(next: Random, event: Record<string, unknown>): string {
  const raw = JSON.stringify(event);
  return next() < 0.2 ? JSON.stringify({ Type: 'Notification', MessageId: `m-${next()}`, TopicArn: 'arn:aws:sns:us-east-1:000000000000:changes', Message: raw }) : raw;
}

/** Shuffles within windows, so arrival order differs from edit order as it does on SQS. */
function shuffleWithin<T>(next: Random, items: T[], window: number): T[] {
  const out = [...items];
  for (let start = 0; start < out.length; start += window) {
    const end = Math.min(out.length, start + window);
    for (let i = end - 1; i > start; i--) {
      const j = start + Math.floor(next() * (i - start + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
  }
  return out;
}
