/**
 * The checks an apply invocation schedules for the changes it received: the verify queue has no
 * subscription to the change topic, so every change of a type reaches the checker this way
 * (docs/consistency.md, "How a change reaches the checker").
 */
import type { ChangeEvent } from '../events.ts';
import type { CheckRequest } from './ports.ts';

/** A change as its queue delivered it: its message key and when the queue received it (epoch ms). */
export interface ReceivedChange {
  key: string;
  change: ChangeEvent;
  sentAt: number;
}

/** One check, and the keys of the received changes it stands for. */
export interface DueCheck {
  request: CheckRequest;
  keys: string[];
}

/**
 * One check per distinct resource of the received changes, due the type's settle delay after the
 * latest of them was received (as the checker computes it for a change it receives itself). Only
 * changes of configured types this applier serves count: an event of no type is not the
 * checker's business, an unknown type is dead-lettered by the apply path alone, and a change
 * addressed to one `listener` (a redriven mapping) is checked through its derived changes.
 */
export function dueChecks(
  received: readonly ReceivedChange[],
  settleDelaySeconds: (type: string) => number | undefined,
  serves?: ReadonlySet<string>,
): DueCheck[] {
  const byResource = new Map<string, DueCheck>();
  for (const { key, change, sentAt } of received) {
    const settle = settleDelaySeconds(change.type);
    if (settle === undefined || change.listener !== undefined || (serves && !serves.has(change.type))) continue;
    const checkAfter = sentAt + settle * 1000;
    const resource = JSON.stringify([change.type, change.id]);
    const known = byResource.get(resource);
    if (!known) {
      byResource.set(resource, { request: { type: change.type, id: change.id, checkAfter, trigger: 'change' }, keys: [key] });
      continue;
    }
    known.keys.push(key);
    known.request.checkAfter = Math.max(known.request.checkAfter, checkAfter);
  }
  return [...byResource.values()];
}
