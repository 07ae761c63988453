/** The worker of emulator-thread.ts: starts, resets and stops the embedded emulators on request. */
import { parentPort } from 'node:worker_threads';
import { startEmbeddedEmulators, type EmbeddedEmulators } from '../../lambdas/local/emulators.ts';

let emulators: EmbeddedEmulators | undefined;

parentPort?.on('message', async ({ id, command }: { id: number; command: 'start' | 'reset' | 'stop' }) => {
  try {
    if (command === 'start') {
      emulators = await startEmbeddedEmulators();
      parentPort?.postMessage({ id, ok: true, value: { endpoints: emulators.endpoints, listening: emulators.listening } });
      return;
    }
    if (command === 'reset') await emulators?.reset();
    if (command === 'stop') await emulators?.stop();
    parentPort?.postMessage({ id, ok: true });
  } catch (error) {
    parentPort?.postMessage({ id, ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
});
