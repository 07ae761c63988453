/** What the pipeline sends out, recorded in memory for unit tests: alerts and reports, scheduled checks. */
import type { Alert, Notifier } from '../../../lambdas/core/ports.ts';
import type { CheckRequest, CheckScheduler, UnscheduledCheck } from '../../../lambdas/core/verify/ports.ts';

export class MemoryNotifier implements Notifier {
  readonly alerts: Alert[] = [];
  readonly reports: Array<{ kind: string; type: string; report: Record<string, unknown> }> = [];

  async alert(alert: Alert): Promise<void> {
    this.alerts.push(alert);
  }

  async report(kind: 'build' | 'audit', type: string, report: Record<string, unknown>): Promise<void> {
    this.reports.push({ kind, type, report });
  }
}

export class MemoryScheduler implements CheckScheduler {
  readonly scheduled: CheckRequest[] = [];

  async schedule(request: CheckRequest): Promise<void> {
    this.scheduled.push(request);
  }

  async scheduleAll(requests: readonly CheckRequest[]): Promise<UnscheduledCheck[]> {
    this.scheduled.push(...requests);
    return [];
  }

  /** The last scheduled check, taken off the list. */
  take(): CheckRequest {
    const last = this.scheduled.pop();
    if (!last) throw new Error('nothing was scheduled');
    return last;
  }
}
