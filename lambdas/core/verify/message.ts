import { z } from 'zod';
import { InvalidChangeError } from '../errors.ts';
import { parseChangeMessage } from '../events.ts';
import type { CheckRequest } from './ports.ts';

/** The body of a check the checker scheduled itself (a re-check, or an early message put back). */
export const checkMessageSchema = z
  .object({
    freshindexCheck: z.literal(1),
    type: z.string().min(1).max(40),
    id: z.string().min(1).max(512),
    /** When the check is due (epoch ms). */
    checkAfter: z.number().int().nonnegative(),
    trigger: z.enum(['change', 'recheck']),
  })
  .strict();

/** The message body of a scheduled check. */
export function checkMessageBody(request: CheckRequest): string {
  const body: z.input<typeof checkMessageSchema> = { freshindexCheck: 1, ...request };
  return JSON.stringify(body);
}

/**
 * Reads a verify-queue message into the check it asks for: a check message (its own due time: the
 * apply functions' and the checker's re-checks), or a change event (what the verify queue's former
 * raw subscription to the change topic left on it; an SNS envelope is read too), due `settleDelaySeconds(type)` after `sentAt`, the
 * time the queue received it. Throws `InvalidChangeError` naming what is wrong.
 */
export function parseVerifyMessage(
  body: string,
  sentAt: number,
  settleDelaySeconds: (type: string) => number | undefined,
): CheckRequest {
  const own = ownCheck(body);
  if (own) return own;
  const change = parseChangeMessage(body);
  const settle = settleDelaySeconds(change.type);
  if (settle === undefined) throw new InvalidChangeError(`unknown resource type "${change.type}"`, { context: { type: change.type, id: change.id } });
  return { type: change.type, id: change.id, checkAfter: sentAt + settle * 1000, trigger: 'change' };
}

function ownCheck(body: string): CheckRequest | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('freshindexCheck' in parsed)) return undefined;
  const result = checkMessageSchema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`);
    throw new InvalidChangeError(`invalid check message: ${problems.join('; ')}`);
  }
  const { freshindexCheck: _marker, ...request } = result.data;
  return request;
}
