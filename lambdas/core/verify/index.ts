export { checkResource, releaseResource, quarantineAlert, mergeTriggers } from './check.ts';
export type { VerifyDeps, CheckTrigger, CheckOutcome } from './check.ts';
export { compare, expectedFrom, repair } from './compare.ts';
export type { Expected, Difference, DifferenceKind, RepairResult, RepairDeps } from './compare.ts';
export { checkMessageSchema, checkMessageBody, parseVerifyMessage } from './message.ts';
export { recheckDelayMs, MAX_QUARANTINE_RECHECK_MS } from './schedule.ts';
export type { CheckCounters, CheckRequest, CheckScheduler, DifferenceCounters, DifferenceSeen } from './ports.ts';
export { RECENT_DIFFERENCES, MAX_DIFFERENCE_SUMMARY } from './ports.ts';
