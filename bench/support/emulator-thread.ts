/**
 * The embedded emulators (fauxqs, dynalite) on a worker thread of their own. In AWS the queue and
 * the table run on other machines: sharing one event loop with the handler under test would charge
 * the emulators' CPU to whichever path does more calls. The freshness benchmark runs both of its
 * paths against emulators started here.
 */
import { Worker } from 'node:worker_threads';
import type { AwsEndpoints, EmbeddedEmulators } from '../../lambdas/local/emulators.ts';

type Reply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: string };

/** Starts the emulators on a worker thread; `stop()` ends the thread. */
export async function startEmulatorThread(): Promise<EmbeddedEmulators> {
  const worker = new Worker(new URL('./emulator-worker.ts', import.meta.url));
  let seq = 0;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const failAll = (error: Error) => {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  worker.on('message', (reply: Reply) => {
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.ok) waiter?.resolve(reply.value);
    else waiter?.reject(new Error(`emulator thread: ${reply.error}`));
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`emulator thread exited (${code})`)));
  const call = (command: 'start' | 'reset' | 'stop') =>
    new Promise<unknown>((resolve, reject) => {
      seq += 1;
      pending.set(seq, { resolve, reject });
      worker.postMessage({ id: seq, command });
    });
  try {
    const { endpoints, listening } = (await call('start')) as Pick<EmbeddedEmulators, 'endpoints' | 'listening'> & { endpoints: AwsEndpoints };
    return {
      endpoints,
      listening,
      reset: async () => void (await call('reset')),
      async stop() {
        await call('stop');
        await worker.terminate();
      },
    };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}
