import { describe, expect, it } from 'vitest';
import { InvalidChangeError } from '../../../lambdas/core/errors.ts';
import { changeEventJsonSchema, parseChangeMessage } from '../../../lambdas/core/events.ts';

const event = { type: 'video', id: 'v1', op: 'upsert', version: 3, doc: { id: 'v1', title: 'A' }, occurredAt: '2026-11-21T10:00:00Z' };

describe('change event parsing', () => {
  it('accepts a raw change event', () => {
    expect(parseChangeMessage(JSON.stringify(event))).toEqual(event);
  });

  it('unwraps the SNS envelope', () => {
    const envelope = { Type: 'Notification', MessageId: 'm', TopicArn: 'arn:aws:sns:us-east-1:1:t', Message: JSON.stringify(event) };
    expect(parseChangeMessage(JSON.stringify(envelope))).toEqual(event);
  });

  it('rejects a body that is not JSON, saying so', () => {
    expect(() => parseChangeMessage('{not json')).toThrow(/not JSON/);
  });

  it('names every bad field at once', () => {
    const error = captureError(() => parseChangeMessage(JSON.stringify({ type: 7, op: 'replace' })));
    expect(error).toBeInstanceOf(InvalidChangeError);
    expect(error.message).toMatch(/type: .*number/);
    expect(error.message).toMatch(/id: /);
    expect(error.message).toMatch(/op: /);
  });

  it('rejects unknown fields, so typos do not pass silently', () => {
    expect(() => parseChangeMessage(JSON.stringify({ ...event, dco: {} }))).toThrow(/dco/);
  });

  it('rejects a delete that carries a document', () => {
    expect(() => parseChangeMessage(JSON.stringify({ type: 'video', id: 'v1', op: 'delete', doc: {} }))).toThrow(/delete carries no doc/);
  });

  it('rejects an occurredAt that is not a timestamp', () => {
    expect(() => parseChangeMessage(JSON.stringify({ type: 'video', id: 'v1', op: 'upsert', occurredAt: 'yesterday' }))).toThrow(/occurredAt/);
  });

  it('rejects a version that is neither a number, a decimal string nor a date-time, naming the field (issue 8, point 3)', () => {
    for (const version of ['abc', 'yesterday-ish']) {
      const error = captureError(() => parseChangeMessage(JSON.stringify({ type: 'video', id: 'v1', op: 'delete', version })));
      expect(error).toBeInstanceOf(InvalidChangeError);
      expect(error.message).toMatch(new RegExp(`^invalid change event: version: "${version}" is not a version`));
    }
  });

  it('rejects an integer version past 2^53, which the store could not keep exactly (issue 8, point 3)', () => {
    expect(() => parseChangeMessage(JSON.stringify({ ...event, version: 2 ** 60 }))).toThrow(/version: .* is past 2\^53 - 1/);
    expect(() => parseChangeMessage(JSON.stringify({ ...event, version: '9007199254740993' }))).toThrow(/version: .* is past 2\^53 - 1/);
  });

  it('accepts a version as a safe integer, its decimal string, or a date-time with offset', () => {
    for (const version of [0, 17, '17', '2026-11-21T10:00:00Z', '2026-11-21T10:00:00.123456789+02:00']) {
      expect(parseChangeMessage(JSON.stringify({ ...event, version })).version).toBe(version);
    }
  });

  it('publishes a JSON Schema that requires type, id and op', () => {
    const schema = changeEventJsonSchema();
    expect(schema['required']).toEqual(['type', 'id', 'op']);
    expect(schema['additionalProperties']).toBe(false);
  });
});

function captureError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
