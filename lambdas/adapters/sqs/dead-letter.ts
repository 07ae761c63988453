import { createHash } from 'node:crypto';
import { GetQueueAttributesCommand, SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';

/** What a dead-lettered message carries besides its original body. */
export interface DeadLetterReason {
  reason: string;
  messageId: string;
  type?: string;
  id?: string;
  receiveCount?: number;
}

/** What {@link DeadLetterQueue.send} did with the body. */
export interface DeadLetterSent {
  /** False when the queue could not take the body as it was, and a {@link DeadLetterBody} stands in for it. */
  bodyKept: boolean;
}

/**
 * The body of a dead letter whose original body the queue refused (too large, or characters the
 * queue does not accept). Its message attributes still carry the reason, and `bodyReplaced` says why.
 */
export interface DeadLetterBody {
  freshindexDeadLetter: 1;
  originalMessageId: string;
  /** Size of the original body in UTF-8 bytes. */
  originalBodyBytes: number;
  /** SHA-256 (hex) of the original body, to find it in the producer's records. */
  originalBodySha256: string;
  /** True when `body` is the whole original body; false when it is its beginning. */
  bodyComplete: boolean;
  body: string;
}

/** Where a message that cannot be processed goes, with its reason (a dead-letter queue). */
export interface DeadLetterSink {
  send(body: string, why: DeadLetterReason): Promise<DeadLetterSent>;
}

/** The smallest MaximumMessageSize SQS allows: assumed when the queue's own cannot be read. */
const SMALLEST_QUEUE_LIMIT = 1_024;
/** Room kept for what the size estimate might miss. */
const MARGIN_BYTES = 64;
const ATTRIBUTE_MAX_CHARS = 1_024;

/**
 * Sends a message to a dead-letter queue with the reason it could not be applied, as message
 * attributes (`reason`, `originalMessageId`, `type`, `id`, `receiveCount`) so an operator sees why
 * without decoding anything, and the original body untouched so it can be redriven as it is.
 *
 * A dead letter never goes without its reason. When the queue cannot take the body (larger than
 * its MaximumMessageSize together with the attributes, or holding characters it refuses), the
 * reason is kept and the body is replaced by a {@link DeadLetterBody}: the original's message id,
 * size and SHA-256, and as much of it as fits, JSON-escaped (whole, when only characters were the
 * problem). Other failures (throttling, access) are thrown: SQS redelivers the message.
 */
export class DeadLetterQueue implements DeadLetterSink {
  #queueLimit: Promise<number | undefined> | undefined;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /** Sends `body` with its reason; see the class for what happens when the queue cannot take the body. */
  async send(body: string, why: DeadLetterReason): Promise<DeadLetterSent> {
    const attributes = reasonAttributes(why);
    // A message within the smallest size SQS allows fits any queue: no need to ask this one.
    const limit = messageBytes(body, attributes) <= SMALLEST_QUEUE_LIMIT ? SMALLEST_QUEUE_LIMIT : await this.queueLimit();
    if (limit !== undefined && messageBytes(body, attributes) > limit) return this.#sendReplacement(body, why, 'too-large', limit);
    try {
      await this.#send(body, attributes);
      return { bodyKept: true };
    } catch (error) {
      const refusal = bodyRefusal(error);
      if (!refusal) throw error;
      // Refused for its size although it looked small enough: assume the smallest queue SQS allows.
      return this.#sendReplacement(body, why, refusal, refusal === 'too-large' || limit === undefined ? SMALLEST_QUEUE_LIMIT : limit);
    }
  }

  async #sendReplacement(body: string, why: DeadLetterReason, refusal: Refusal, limit: number): Promise<DeadLetterSent> {
    // On a queue too small for full attributes (SQS allows 1 KiB), shorten the reason and id rather than lose them.
    let cap = ATTRIBUTE_MAX_CHARS;
    let attributes = { ...reasonAttributes(why, cap), bodyReplaced: attribute(refusal) };
    while (cap > 64 && limit - messageBytes(replacementBody(body, why.messageId, 0), attributes) < MARGIN_BYTES) {
      cap /= 2;
      attributes = { ...reasonAttributes(why, cap), bodyReplaced: attribute(refusal) };
    }
    await this.#send(replacementBody(body, why.messageId, limit - messageBytes('', attributes) - MARGIN_BYTES), attributes);
    return { bodyKept: false };
  }

  async #send(body: string, attributes: Attributes): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: body, MessageAttributes: attributes }));
  }

  /** The queue's MaximumMessageSize, read once; `undefined` while it cannot be read. */
  async queueLimit(): Promise<number | undefined> {
    this.#queueLimit ??= this.sqs
      .send(new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['MaximumMessageSize'] }))
      .then((output) => Number(output.Attributes?.['MaximumMessageSize']) || undefined)
      .catch(() => undefined);
    const limit = await this.#queueLimit;
    if (limit === undefined) this.#queueLimit = undefined; // read it again next time
    return limit;
  }
}

/**
 * The {@link DeadLetterBody} a dead letter's body holds, or `undefined` when the body is the
 * original message (the usual case).
 */
export function readDeadLetterBody(body: string): DeadLetterBody | undefined {
  if (!body.startsWith('{"freshindexDeadLetter":1,')) return undefined;
  try {
    return JSON.parse(body) as DeadLetterBody;
  } catch {
    return undefined;
  }
}

type Attributes = Record<string, MessageAttributeValue>;
type Refusal = 'too-large' | 'invalid-characters';

/**
 * A String attribute SQS accepts: at most `cap` characters, and only the characters SQS allows
 * (a reason may quote half an emoji, as JSON.parse's messages do); any other becomes U+FFFD.
 */
function attribute(value: string, cap = ATTRIBUTE_MAX_CHARS): MessageAttributeValue {
  const text = prefix(value, cap).toWellFormed().replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
  return { DataType: 'String', StringValue: text || '-' };
}

function reasonAttributes(why: DeadLetterReason, cap = ATTRIBUTE_MAX_CHARS): Attributes {
  return {
    reason: attribute(why.reason, cap),
    originalMessageId: attribute(why.messageId),
    ...(why.type ? { type: attribute(why.type) } : {}),
    ...(why.id ? { id: attribute(why.id, cap) } : {}),
    ...(why.receiveCount ? { receiveCount: { DataType: 'Number', StringValue: String(why.receiveCount) } } : {}),
  };
}

/** A message's size as SQS counts it: the body, and each attribute's name, data type and value. */
function messageBytes(body: string, attributes: Attributes): number {
  let bytes = Buffer.byteLength(body);
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

/** Whether SQS refused the message for its body: its size, or characters it does not accept. */
function bodyRefusal(error: unknown): Refusal | undefined {
  const { name = '', message = '' } = error as { name?: string; message?: string };
  if (name.includes('InvalidMessageContents')) return 'invalid-characters';
  if (/shorter than|too long|MessageTooLong|maximum.*size/i.test(`${name} ${message}`)) return 'too-large';
  return undefined;
}

/** A {@link DeadLetterBody} of at most `budget` bytes, with as much of `body` as fits. */
function replacementBody(body: string, messageId: string, budget: number): string {
  const known = { originalMessageId: messageId, originalBodyBytes: Buffer.byteLength(body), originalBodySha256: createHash('sha256').update(body).digest('hex') };
  const marker = (part: string) => ascii(JSON.stringify({ freshindexDeadLetter: 1, ...known, bodyComplete: part.length === body.length, body: part } satisfies DeadLetterBody));
  // The longest prefix whose marker fits: its escaped size grows with the prefix, so halve the range.
  let low = 0;
  let high = body.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (marker(prefix(body, middle)).length <= budget) low = middle;
    else high = middle - 1;
  }
  return marker(prefix(body, low));
}

/** The first `length` UTF-16 units of `text`, never ending inside a surrogate pair. */
function prefix(text: string, length: number): string {
  const end = length > 0 && length < text.length && /[\uD800-\uDBFF]/.test(text.charAt(length - 1)) ? length - 1 : length;
  return text.slice(0, end);
}

/** JSON text with every non-ASCII character escaped: accepted by any queue, one byte per character. */
function ascii(json: string): string {
  return json.replace(/[^\x20-\x7E]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
