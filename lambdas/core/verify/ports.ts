/**
 * The ports of the consistency checker, besides the core's shared ones (ports.ts).
 */

/** One difference the checker saw, as kept in a resource's check history. */
export interface DifferenceSeen {
  /** When it was seen (epoch ms). */
  at: number;
  /** One line: what differed. */
  summary: string;
}

/**
 * The check state of one resource: the streaks the checker counts. A difference resets the clean
 * streak; a clean check resets the difference streak.
 */
export interface CheckCounters {
  /** Differences seen in a row. */
  differences: number;
  /** Clean checks in a row since the last difference. */
  cleanChecks: number;
  /** The last few differences seen, oldest first (bounded). */
  recent: DifferenceSeen[];
  /**
   * When the one pending re-check of this resource is due (epoch ms). A re-check message with
   * another due time belongs to a superseded chain and is dropped, so re-checks never multiply.
   */
  nextCheckAt?: number;
}

/** How many differences a resource's counters remember (the alert lists them); every store keeps the last ones. */
export const RECENT_DIFFERENCES = 10;
/** How much of a difference's summary the counters keep (characters). */
export const MAX_DIFFERENCE_SUMMARY = 500;

/**
 * Per-resource difference counters. Every update is atomic, so two checkers of one resource never
 * lose a count. A resource that never differed has no counters at all (reads cost nothing to write).
 */
export interface DifferenceCounters {
  get(type: string, id: string): Promise<CheckCounters | undefined>;
  /**
   * One more difference in a row (the clean streak restarts), with the re-check now pending;
   * returns the new state.
   */
  recordDifference(type: string, id: string, seen: DifferenceSeen, nextCheckAt: number): Promise<CheckCounters>;
  /**
   * One more clean check in a row (the difference streak restarts), with the re-check now pending
   * if any; returns the new state.
   */
  recordClean(type: string, id: string, nextCheckAt?: number): Promise<CheckCounters>;
  /** Forgets the resource's counters (it is consistent again, or an operator released it). */
  clear(type: string, id: string): Promise<void>;
}

/**
 * A check of one resource, due at `checkAfter` (epoch ms): of a change (`change`), or a re-check
 * the checker scheduled itself after a difference (`recheck`).
 */
export interface CheckRequest {
  type: string;
  id: string;
  checkAfter: number;
  trigger: 'change' | 'recheck';
}

/**
 * Schedules a check for later (the verify queue, with a delivery delay). The delay may exceed what
 * the queue can hold: the checker puts a message that arrives early back for the remaining time.
 */
export interface CheckScheduler {
  schedule(request: CheckRequest): Promise<void>;
  /**
   * Schedules many checks at once (on SQS: SendMessageBatch, 10 a call, the calls concurrent).
   * Never rejects: resolves to the checks that could not be scheduled, each with the reason, so a
   * caller can have their changes delivered again.
   */
  scheduleAll(requests: readonly CheckRequest[]): Promise<UnscheduledCheck[]>;
}

/** A check `CheckScheduler.scheduleAll` could not schedule, and why (one line). */
export interface UnscheduledCheck {
  request: CheckRequest;
  reason: string;
  /** Sending it again may succeed (throttling, a server error, the network), unlike a refusal for the sender's fault (a permission, a key). */
  retryable: boolean;
}
