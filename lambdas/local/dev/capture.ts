/**
 * The change-capture relay of the local runtime: when the config has `capture.postgres`, `npm start`
 * reads the database's change table and publishes to the emulated change topic, as the relay
 * function does on AWS (docs/cdc.md).
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import { captureRelayDeps, openCapturePool } from '../../adapters/compose/capture.ts';
import { runRelay } from '../../core/capture/relay.ts';
import type { PostgresCaptureConfig } from '../../core/config/capture.ts';
import { describeError } from '../../core/errors.ts';

/** A running local relay. */
export interface LocalRelay {
  stop(): Promise<void>;
}

/** Starts the relay loop; it logs what it publishes and each new failure (once, until it recovers). */
export async function startLocalRelay(options: {
  capture: PostgresCaptureConfig;
  sns: SNSClient;
  topicArn: string;
  env?: Readonly<Record<string, string | undefined>>;
  log: (line: string) => void;
}): Promise<LocalRelay> {
  const pool = await openCapturePool({ connection: options.capture.connection, env: options.env ?? process.env });
  const deps = captureRelayDeps({ pool, sns: options.sns, topicArn: options.topicArn });
  const controller = new AbortController();
  let lastError = '';
  const running = runRelay(deps, options.capture, {
    pollIntervalMs: options.capture.pollIntervalMs,
    signal: controller.signal,
    onRound: (round) => {
      lastError = '';
      if (round.published > 0 || round.rejected > 0) {
        options.log(`freshindex dev: capture relay: published ${round.published} change(s)${round.rejected ? `, kept ${round.rejected} it cannot publish in freshindex.relay_rejected` : ''}`);
      }
    },
    onError: (error) => {
      const text = describeError(error);
      if (text === lastError) return;
      lastError = text;
      const hint = /freshindex\.?\S* does not exist|relation "freshindex/.test(text) ? ' (run `freshindex cdc postgres init --apply` first: docs/cdc.md)' : '';
      options.log(`freshindex dev: capture relay: ${text}${hint}`);
    },
  });
  options.log(`freshindex dev: capture relay on ${options.capture.tables.map((entry) => entry.table).join(', ')} (every ${options.capture.pollIntervalMs} ms)`);
  return {
    async stop() {
      controller.abort();
      await running;
      await pool.end();
    },
  };
}
