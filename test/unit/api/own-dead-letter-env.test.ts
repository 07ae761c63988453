import { describe, expect, it } from 'vitest';
import { parseEnv, settingsOf } from '../../../lambdas/adapters/compose/env.ts';

const tables = { FRESHINDEX_INDEX_TABLE: 'index', FRESHINDEX_CONTROL_TABLE: 'control' };

describe('the API function\'s own apply queues (FRESHINDEX_DEAD_LETTERS_OWN_APPLY)', () => {
  it('names each own queue pair apply:<type>, beside the shared queues', () => {
    const env = parseEnv('api', {
      ...tables,
      FRESHINDEX_DEAD_LETTERS_APPLY_QUEUE_URL: 'q/apply',
      FRESHINDEX_DEAD_LETTERS_APPLY_DLQ_URL: 'q/apply-dlq',
      FRESHINDEX_DEAD_LETTERS_OWN_APPLY: JSON.stringify({ click: { queueUrl: 'q/click', dlqUrl: 'q/click-dlq' } }),
    }, 'dynamodb');

    expect(settingsOf('api', env).deadLetterQueues).toEqual({
      apply: { queueUrl: 'q/apply', deadLetterQueueUrl: 'q/apply-dlq' },
      'apply:click': { queueUrl: 'q/click', deadLetterQueueUrl: 'q/click-dlq' },
    });
  });

  it('fails at start naming the variable when it is not JSON or names a pair badly', () => {
    const parse = (value: string) => () => parseEnv('api', { ...tables, FRESHINDEX_DEAD_LETTERS_OWN_APPLY: value }, 'dynamodb');

    expect(parse('{click')).toThrow(/FRESHINDEX_DEAD_LETTERS_OWN_APPLY: is not JSON/);
    expect(parse(JSON.stringify({ click: { queueUrl: 'q/click' } }))).toThrow(/FRESHINDEX_DEAD_LETTERS_OWN_APPLY\.click\.dlqUrl/);
    expect(parse(JSON.stringify({ 'Not A Type': { queueUrl: 'a', dlqUrl: 'b' } }))).toThrow(/FRESHINDEX_DEAD_LETTERS_OWN_APPLY\.Not A Type: Invalid key/);
  });
});

describe("the API function's verify queue", () => {
  it('is the verify dead-letter queue\'s consumer, where a released resource\'s check is scheduled', () => {
    const env = parseEnv('api', { ...tables, FRESHINDEX_DEAD_LETTERS_VERIFY_QUEUE_URL: 'q/verify', FRESHINDEX_DEAD_LETTERS_VERIFY_DLQ_URL: 'q/verify-dlq' }, 'dynamodb');

    expect(settingsOf('api', env).verifyQueueUrl).toBe('q/verify');
  });
});
