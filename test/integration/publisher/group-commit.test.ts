import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidChangeError } from '../../../lambdas/core/errors.ts';
import { ChangePublisher, ChangeRefusedError, PublisherClosedError } from '../../../lambdas/publisher/index.ts';
import { useSnsHarness } from './sns-harness.ts';
import { ENTRY_RETRIES } from '../../../lambdas/publisher/group-commit.ts';

/** A promise the test settles itself (to hold SNS's answer while it publishes more). */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Lets the SDK's middleware run until the held calls are waiting at the gate. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the change publisher: group commit', () => {
  const harness = useSnsHarness('group-commit-changes');
  const { sent, delivered } = harness;
  const publisher = () => new ChangePublisher({ sns: harness.sns, topicArn: harness.topicArn });
  const upsert = (id: string, doc: Record<string, unknown> = { id }) => ({ type: 'video', id, op: 'upsert' as const, version: 1, doc });
  const ids = (count: number) => Array.from({ length: count }, (_, i) => `v${String(i).padStart(2, '0')}`);
  afterEach(() => void vi.useRealTimers());

  it('sends 50 concurrent upserts in a handful of PublishBatch calls, and delivers every change once', async () => {
    const changes = publisher();
    const all = ids(50);

    await Promise.all(all.map((id) => changes.upsert('video', id, { version: 1, doc: { id } })));

    expect(sent.length).toBeLessThanOrEqual(6);
    expect(sent.reduce((sum, call) => sum + call.entries, 0)).toBe(50);
    expect(await delivered(50)).toEqual(all);
  });

  // A publish that waited on a timer never resolves here: the test fails at its timeout.
  it('sends a lone publish at once, without waiting on a timer, and one request per change to a caller that awaits each in turn', { timeout: 10_000 }, async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] });
    const changes = publisher();

    // With time stopped, a publish that waited on a timer would never resolve.
    for (const id of ids(3)) await changes.upsert('video', id, { version: 1, doc: { id } });

    expect(sent).toEqual([1, 1, 1].map((entries) => ({ command: 'PublishBatchCommand', entries })));
    vi.useRealTimers();
    expect(await delivered(3)).toEqual(ids(3));
  });

  it('sends the changes published while a batch is in flight together once it answers, and a batch that fills at once', async () => {
    const changes = publisher();
    const held = gate();
    harness.interceptor.hold = held.promise;
    const first = changes.publish(upsert('first'));
    await settle();

    const later = ids(13).map((id) => changes.publish(upsert(id)));
    await settle();
    const whileHeld = sent.map((call) => call.entries);
    held.open();
    await Promise.all([first, ...later]);

    expect(whileHeld).toEqual([1, 10]);
    expect(sent.map((call) => call.entries)).toEqual([1, 10, 3]);
    expect(await delivered(14)).toEqual(['first', ...ids(13)]);
  });

  it('rejects only the change SNS refused, with its code, alone or among others, and resolves its neighbours', async () => {
    const changes = publisher();
    harness.interceptor.refuse = new Set(['b', 'lone']);

    const results = await Promise.allSettled(['a', 'b', 'c'].map((id) => changes.publish(upsert(id))));
    const lone = await changes.publish(upsert('lone')).catch((error: unknown) => error);

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    for (const [reason, id] of [[(results[1] as PromiseRejectedResult).reason, 'b'], [lone, 'lone']] as const) {
      expect(reason).toBeInstanceOf(ChangeRefusedError);
      expect(reason).toMatchObject({ code: 'KMSAccessDenied', event: { id } });
    }
    expect(await delivered(2)).toEqual(['a', 'c']);
  });

  it('sends again a change SNS refused on its own side, so a throttled entry costs a retry and arrives once', async () => {
    const changes = publisher();
    harness.interceptor.throttle = new Map([['b', 2]]);

    const results = await Promise.allSettled(['a', 'b', 'c'].map((id) => changes.publish(upsert(id))));

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(harness.sent.map((call) => call.entries)).toEqual([3, 1, 1]);
    expect(await delivered(3)).toEqual(['a', 'b', 'c']);
  });

  it('rejects a change SNS keeps refusing on its own side once its retries are spent, with the code', async () => {
    const changes = publisher();
    harness.interceptor.throttle = new Map([['b', ENTRY_RETRIES + 1]]);

    const reason = await changes.publish(upsert('b')).catch((error: unknown) => error);

    expect(reason).toBeInstanceOf(ChangeRefusedError);
    expect(reason).toMatchObject({ code: 'KMSThrottling', event: { id: 'b' } });
    expect(harness.sent).toHaveLength(ENTRY_RETRIES + 1);
    expect(await delivered(0)).toEqual([]);
  });

  it('keeps the changes SNS accepted when the call that sends a refused entry again fails, rejecting that entry alone', async () => {
    const changes = publisher();
    const outage = new Error('connect ECONNREFUSED');
    harness.interceptor = { ...harness.interceptor, throttle: new Map([['b', 1]]), fail: outage, failFrom: 2 };

    const results = await Promise.allSettled(['a', 'b'].map((id) => changes.publish(upsert(id))));

    expect(results).toEqual([{ status: 'fulfilled', value: undefined }, { status: 'rejected', reason: outage }]);
    expect(await delivered(1)).toEqual(['a']);
  });

  it('lets the next partial batch leave when the one in flight has not answered within MAX_HOLD_MS', async () => {
    const changes = publisher();
    harness.interceptor = { ...harness.interceptor, hold: new Promise(() => {}), holdUntil: 1 };
    void changes.publish(upsert('stuck')).catch(() => {});
    await vi.waitFor(() => expect(harness.sent).toHaveLength(1));

    const next = changes.publish(upsert('next'));

    await expect(next).resolves.toBeUndefined();
    expect(harness.sent).toHaveLength(2);
    expect(await delivered(1)).toEqual(['next']);
  });

  it('rejects every caller of a failed call with the SDK error, and only those', async () => {
    const changes = publisher();
    const outage = new Error('connect ECONNREFUSED');
    harness.interceptor.fail = outage;

    const failed = await Promise.allSettled(['a', 'b'].map((id) => changes.publish(upsert(id))));
    delete harness.interceptor.fail;
    await changes.publish(upsert('c'));

    expect(failed).toEqual([
      { status: 'rejected', reason: outage },
      { status: 'rejected', reason: outage },
    ]);
    expect(await delivered(1)).toEqual(['c']);
  });

  it('sends each change as it was when published, so the caller may reuse its object at once', async () => {
    const changes = publisher();
    const event = upsert('a');

    const first = changes.publish(event);
    event.id = 'b';
    event.doc = { id: 'b' };
    await Promise.all([first, changes.publish(event)]);

    expect(await delivered(2)).toEqual(['a', 'b']);
  });

  it('refuses at once, sending nothing, a change that breaks the contract or is over 256 KiB', async () => {
    const changes = publisher();

    await expect(changes.publish({ type: 'video', id: '', op: 'upsert' })).rejects.toBeInstanceOf(InvalidChangeError);
    await expect(changes.publish(upsert('big', { body: 'x'.repeat(300 * 1024) }))).rejects.toMatchObject({ name: 'ChangeRefusedError', code: 'TooLarge' });
    await changes.flush();

    expect(sent).toEqual([]);
  });

  it('sends what is waiting on close, then refuses new changes', async () => {
    const changes = publisher();
    const held = gate();
    harness.interceptor.hold = held.promise;
    const waiting = [changes.publish(upsert('a'))];
    await settle();
    waiting.push(changes.publish(upsert('b')));

    const closing = changes.close();
    held.open();
    await closing;

    await expect(Promise.all(waiting)).resolves.toBeDefined();
    expect(await delivered(2)).toEqual(['a', 'b']);
    await expect(changes.publish(upsert('c'))).rejects.toBeInstanceOf(PublisherClosedError);
  });
});
