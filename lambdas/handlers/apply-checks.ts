/**
 * The checks the apply handler schedules on the verify queue, in one mechanism (SendMessageBatch,
 * `CheckScheduler.scheduleAll`):
 * - at the start of each invocation, concurrent with the writes, one per distinct resource of the
 *   batch's changes (`dueChecks`). Every receive schedules again, so a change SQS later
 *   dead-letters after timeouts was still scheduled; a check that could not be scheduled fails its
 *   messages, which SQS redelivers (re-applying is a no-op under the version guard);
 * - after the writes, one per derived change applied (a listener's), due its type's settle delay
 *   from now: two close events deriving one record at its unchanged version may land in the wrong
 *   order, and the check repairs that. One that cannot be scheduled is logged (a redelivery would
 *   find the record unchanged and schedule nothing): the audit compares it.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import type { IncomingChange, ResolvedType } from '../core/apply.ts';
import type { Dispatched } from '../core/dispatch.ts';
import type { Clock } from '../core/ports.ts';
import { dueChecks } from '../core/verify/due.ts';
import type { CheckRequest, CheckScheduler, UnscheduledCheck } from '../core/verify/ports.ts';

/** Why a message's check could not be scheduled, and whether sending it again may help. */
export type Unscheduled = Omit<UnscheduledCheck, 'request'>;

export interface ApplyChecksDeps {
  scheduler: CheckScheduler;
  types: ReadonlyMap<string, ResolvedType>;
  clock: Clock;
  logger: Logger;
  /** The types this applier serves (`FRESHINDEX_APPLY_TYPES`). @default every type */
  serves?: ReadonlySet<string> | undefined;
}

/** Schedules the apply handler's checks; see the module's comment. */
export function applyChecks(deps: ApplyChecksDeps) {
  const settleDelaySeconds = (type: string) => deps.types.get(type)?.config.settleDelaySeconds;
  return {
    /** The checks of the batch's changes; resolves to why, by message id, each message's check could not be scheduled. */
    async ofChanges(records: readonly SQSRecord[], incoming: readonly IncomingChange[]): Promise<Map<string, Unscheduled>> {
      // A redelivered change is checked its settle delay after this receive, not after its first:
      // that is long past, and the check would race the retried write.
      const receivedAt = (record: SQSRecord) => {
        const sent = Number(record.attributes.SentTimestamp) || deps.clock();
        return Number(record.attributes.ApproximateReceiveCount) > 1 ? Math.max(sent, deps.clock()) : sent;
      };
      const sentAt = new Map(records.map((record) => [record.messageId, receivedAt(record)]));
      const due = dueChecks(incoming.map(({ key, change }) => ({ key, change, sentAt: sentAt.get(key) ?? deps.clock() })), settleDelaySeconds, deps.serves);
      if (due.length === 0) return new Map();
      const unscheduled = await deps.scheduler.scheduleAll(due.map(({ request }) => request));
      const keysOf = new Map(due.map(({ request, keys }) => [request, keys]));
      return new Map(unscheduled.flatMap(({ request, ...why }) => (keysOf.get(request) ?? []).map((key) => [key, why] as const)));
    },

    /** The checks of the derived changes applied; logs those that could not be scheduled. */
    async ofDerived(dispatched: ReadonlyMap<string, readonly Dispatched[]>): Promise<void> {
      const requests: CheckRequest[] = [];
      for (const results of dispatched.values()) {
        for (const { derived, outcome } of results) {
          if (!derived || outcome.status !== 'applied') continue;
          const settle = settleDelaySeconds(outcome.type) ?? 0;
          requests.push({ type: outcome.type, id: outcome.id, checkAfter: deps.clock() + settle * 1000, trigger: 'change' });
        }
      }
      if (requests.length === 0) return;
      for (const { request, reason } of await deps.scheduler.scheduleAll(requests)) {
        deps.logger.warn('derived change applied, but its check could not be scheduled: the audit will compare it', { type: request.type, id: request.id, reason });
      }
    },
  };
}
