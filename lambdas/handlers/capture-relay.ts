/**
 * The change-capture relay's Lambda handler (docs/cdc.md): EventBridge invokes it every minute,
 * and each invocation relays for its minute, round after round, stopping before its timeout. One
 * runs at a time (reserved concurrency 1), so invocations never overlap. Thin by design: the
 * relay is lambdas/core/capture/relay.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { captureRelayFromEnv, type CaptureRelayParts } from '../adapters/compose/capture.ts';
import { runRelay } from '../core/capture/relay.ts';
import { validateConfig, type FreshindexConfigInput } from '../core/config/index.ts';
import { ConfigError, describeError } from '../core/errors.ts';

/** The part of the Lambda context the handler reads. */
export interface RelayContext {
  getRemainingTimeInMillis(): number;
}

/** What one invocation did. */
export interface RelayOutcome {
  rounds: number;
  published: number;
  rejected: number;
  failures: number;
}

export interface CaptureRelayHandlerOverrides {
  /** @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** The relay's parts. @default the composition root's, from `env` */
  parts?: CaptureRelayParts;
  logger?: Logger;
  /** Time kept free before the function's timeout (milliseconds). @default 5000 */
  marginMs?: number;
}

/**
 * Builds the relay's handler for a config that has `capture.postgres`. The pool is opened at the
 * first invocation and kept for the next ones. An invocation in which no round succeeded throws
 * the last round's error (the function's Errors metric counts it); otherwise failed rounds are
 * logged and retried after the poll interval.
 *
 * @example
 * export const handler = createCaptureRelayHandler(config);
 */
export function createCaptureRelayHandler(configInput: FreshindexConfigInput, overrides: CaptureRelayHandlerOverrides = {}) {
  const capture = validateConfig(configInput).capture?.postgres;
  if (!capture) throw new ConfigError(['capture.postgres: the capture-relay function needs it (docs/cdc.md)']);
  const logger = overrides.logger ?? new Logger({ serviceName: 'freshindex-capture-relay' });
  let parts: Promise<CaptureRelayParts> | undefined = overrides.parts ? Promise.resolve(overrides.parts) : undefined;
  const margin = overrides.marginMs ?? 5_000;

  return async (_event: unknown, context: RelayContext): Promise<RelayOutcome> => {
    const { deps } = await (parts ??= captureRelayFromEnv(capture, overrides.env ?? process.env).catch((error: unknown) => {
      parts = undefined;
      throw error;
    }));
    const outcome: RelayOutcome = { rounds: 0, published: 0, rejected: 0, failures: 0 };
    let lastError: unknown;
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), Math.max(0, context.getRemainingTimeInMillis() - margin));
    try {
      await runRelay(deps, capture, {
        pollIntervalMs: capture.pollIntervalMs,
        signal: stop.signal,
        onRound: (round) => {
          outcome.rounds += 1;
          outcome.published += round.published;
          outcome.rejected += round.rejected;
          if (round.rejected > 0) logger.warn('changes kept in freshindex.relay_rejected: they cannot become change events', { rejected: round.rejected });
        },
        onError: (error) => {
          outcome.failures += 1;
          lastError = error;
          logger.error('relay round failed: retried after the poll interval', { error: describeError(error) });
        },
      });
    } finally {
      clearTimeout(timer);
    }
    logger.info('relayed', { ...outcome });
    // Not one round went through (the database or the topic unreachable): fail, so the function's Errors metric shows it.
    if (outcome.rounds === 0 && lastError !== undefined) throw lastError;
    return outcome;
  };
}
