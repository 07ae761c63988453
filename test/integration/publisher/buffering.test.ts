import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidChangeError } from '../../../lambdas/core/errors.ts';
import { BufferingPublisher, ChangeRefusedError, PublisherClosedError, type BufferingPublisherOptions } from '../../../lambdas/publisher/index.ts';
import { useSnsHarness } from './sns-harness.ts';

describe('the buffering publisher', () => {
  const harness = useSnsHarness('buffering-changes');
  const { sent, delivered } = harness;
  afterEach(() => void vi.useRealTimers());

  const publisher = (options: Partial<BufferingPublisherOptions> = {}) => new BufferingPublisher({ sns: harness.sns, topicArn: harness.topicArn, ...options });
  const upsert = (id: string, doc: Record<string, unknown> = { id }) => ({ type: 'video', id, op: 'upsert' as const, version: 1, doc });

  it('sends changes published one at a time in PublishBatch calls of 10, and delivers every one', async () => {
    const buffering = publisher({ lingerMs: 50 });
    const ids = Array.from({ length: 25 }, (_, i) => `v${String(i).padStart(2, '0')}`);

    await Promise.all(ids.map((id) => buffering.publish(upsert(id))));

    expect(sent).toEqual([
      { command: 'PublishBatchCommand', entries: 10 },
      { command: 'PublishBatchCommand', entries: 10 },
      { command: 'PublishBatchCommand', entries: 5 },
    ]);
    expect(await delivered(25)).toEqual(ids);
  });

  it('sends each change as it was when published, even if the caller changes the object afterwards', async () => {
    const buffering = publisher({ lingerMs: 10 });
    const event = upsert('a');

    const first = buffering.publish(event);
    event.id = 'b';
    event.doc = { id: 'b' };
    await Promise.all([first, buffering.publish(event)]);

    expect(await delivered(2)).toEqual(['a', 'b']);
  });

  it('sends a partial batch once the first of its changes has waited lingerMs', async () => {
    const buffering = publisher({ lingerMs: 10 });

    await Promise.all([buffering.upsert('video', 'a', { version: 1, doc: { id: 'a' } }), buffering.delete('video', 'b', { version: 2 })]);

    expect(sent).toEqual([{ command: 'PublishBatchCommand', entries: 2 }]);
    expect(await delivered(2)).toEqual(['a', 'b']);
  });

  it('sends a partial batch that has waited lingerMs only once its previous partial batch has answered', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const buffering = publisher({ lingerMs: 10 });
    let open = () => {};
    harness.interceptor.hold = new Promise<void>((resolve) => (open = resolve));
    const first = buffering.publish(upsert('a'));
    await vi.advanceTimersByTimeAsync(10);

    const second = buffering.publish(upsert('b'));
    await vi.advanceTimersByTimeAsync(10);
    const whileHeld = sent.map((call) => call.entries);
    open();
    await Promise.all([first, second]);

    expect(whileHeld).toEqual([1]);
    expect(sent.map((call) => call.entries)).toEqual([1, 1]);
    vi.useRealTimers();
    expect(await delivered(2)).toEqual(['a', 'b']);
  });

  it('rejects only the change SNS refused, with its code, and resolves its neighbours', async () => {
    const buffering = publisher();
    harness.interceptor.refuse.add('b');

    const results = await Promise.allSettled(['a', 'b', 'c'].map((id) => buffering.publish(upsert(id))));

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const reason = (results[1] as PromiseRejectedResult).reason as ChangeRefusedError;
    expect(reason).toBeInstanceOf(ChangeRefusedError);
    expect(reason.code).toBe('KMSAccessDenied');
    expect(reason.event.id).toBe('b');
    expect(await delivered(2)).toEqual(['a', 'c']);
  });

  it('rejects every change of a batch whose call failed, with the error of the call', async () => {
    const buffering = publisher();
    const outage = new Error('connect ECONNREFUSED');
    harness.interceptor.fail = outage;

    const results = await Promise.allSettled(['a', 'b'].map((id) => buffering.publish(upsert(id))));

    expect(results).toEqual([
      { status: 'rejected', reason: outage },
      { status: 'rejected', reason: outage },
    ]);
  });

  it('sends what is waiting on close, then refuses new changes', async () => {
    const buffering = publisher({ lingerMs: 60_000 });
    const waiting = Promise.all([buffering.publish(upsert('a')), buffering.publish(upsert('b'))]);

    await buffering.close();

    await expect(waiting).resolves.toBeDefined();
    expect(sent).toEqual([{ command: 'PublishBatchCommand', entries: 2 }]);
    expect(await delivered(2)).toEqual(['a', 'b']);
    await expect(buffering.publish(upsert('c'))).rejects.toBeInstanceOf(PublisherClosedError);
  });

  it('starts a new batch before one would pass 256 KiB, and refuses a change too large for SNS without sending it', async () => {
    const buffering = publisher();
    const large = (id: string, kib: number) => upsert(id, { id, body: 'x'.repeat(kib * 1024) });

    const [first, second, third, tooLarge] = await Promise.allSettled([
      buffering.publish(large('a', 100)),
      buffering.publish(large('b', 100)),
      buffering.publish(large('c', 100)),
      buffering.publish(large('d', 300)),
    ]);

    expect([first, second, third].map((result) => result?.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect((tooLarge as PromiseRejectedResult).reason).toMatchObject({ name: 'ChangeRefusedError', code: 'TooLarge' });
    expect(sent).toEqual([
      { command: 'PublishBatchCommand', entries: 2 },
      { command: 'PublishBatchCommand', entries: 1 },
    ]);
  });

  it('refuses a change that breaks the contract at once, sending nothing', async () => {
    const buffering = publisher();

    await expect(buffering.publish({ type: 'video', id: '', op: 'upsert' })).rejects.toBeInstanceOf(InvalidChangeError);
    await buffering.flush();

    expect(sent).toEqual([]);
  });
});
