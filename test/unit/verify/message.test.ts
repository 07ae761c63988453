import { describe, expect, it } from 'vitest';
import { checkMessageBody, parseVerifyMessage } from '../../../lambdas/core/verify/message.ts';
import { recheckDelayMs } from '../../../lambdas/core/verify/schedule.ts';

const settle = (type: string) => (type === 'video' ? 60 : undefined);

describe('parseVerifyMessage', () => {
  it('makes a change event due one settle delay after the queue received it', () => {
    const body = JSON.stringify({ type: 'video', id: 'v1', op: 'upsert' });

    expect(parseVerifyMessage(body, 1_000, settle)).toEqual({ type: 'video', id: 'v1', checkAfter: 61_000, trigger: 'change' });
  });

  it('reads a change event inside an SNS envelope', () => {
    const body = JSON.stringify({ Type: 'Notification', Message: JSON.stringify({ type: 'video', id: 'v2', op: 'delete' }) });

    expect(parseVerifyMessage(body, 0, settle)).toMatchObject({ id: 'v2', checkAfter: 60_000 });
  });

  it('keeps the due time of a check it scheduled itself', () => {
    const body = checkMessageBody({ type: 'video', id: 'v1', checkAfter: 5_000, trigger: 'recheck' });

    expect(parseVerifyMessage(body, 999_999, settle)).toEqual({ type: 'video', id: 'v1', checkAfter: 5_000, trigger: 'recheck' });
  });

  it('rejects a change of a type the config does not declare', () => {
    const body = JSON.stringify({ type: 'podcast', id: 'p1', op: 'upsert' });

    expect(() => parseVerifyMessage(body, 0, settle)).toThrow(/unknown resource type "podcast"/);
  });

  it('names the bad field of a malformed check message', () => {
    const body = JSON.stringify({ freshindexCheck: 1, type: 'video', id: 'v1', trigger: 'recheck' });

    expect(() => parseVerifyMessage(body, 0, settle)).toThrow(/checkAfter/);
  });
});

describe('recheckDelayMs', () => {
  const config = { settleDelaySeconds: 60, quarantineThreshold: 3 };

  it('waits one settle delay before a resource is quarantined', () => {
    expect(recheckDelayMs(config, { quarantined: false, differences: 2 })).toBe(60_000);
  });

  it('backs off for a quarantined resource that keeps differing, up to an hour', () => {
    const delays = [3, 4, 12].map((differences) => recheckDelayMs(config, { quarantined: true, differences }));

    expect(delays).toEqual([120_000, 240_000, 3_600_000]);
  });
});
