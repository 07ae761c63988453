/**
 * The publisher's own errors (a change that breaks the contract throws `InvalidChangeError`, from
 * lambdas/core/errors.ts).
 */
import type { ChangeEvent } from '../core/events.ts';

/** SNS refused a change (its PublishBatch entry failed, or it is too large to publish). */
export class ChangeRefusedError extends Error {
  override readonly name = 'ChangeRefusedError';

  constructor(
    /** The change refused, as it was when published (a copy: retry it with `publish`). */
    readonly event: ChangeEvent,
    /** SNS's error code for the entry, or `TooLarge`. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`change ${event.type}/${event.id} refused: ${code}${message ? `: ${message}` : ''}`, options);
  }
}

/** The publisher is closed: no change is taken any more. */
export class PublisherClosedError extends Error {
  override readonly name = 'PublisherClosedError';
}
