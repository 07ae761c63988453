/**
 * Stand-ins for the parts a deployment's settings leave out: each refuses its first use with an
 * error that names the missing setting, instead of the runtime failing to start.
 */
import type { BuildLauncher } from '../../core/build-launcher.ts';
import type { JobWatch } from '../../core/monitor/ports.ts';
import { ConfigError, FreshindexError } from '../../core/errors.ts';
import type { CheckScheduler } from '../../core/verify/ports.ts';
import type { DeadLetterSink } from '../sqs/dead-letter.ts';

/** Rebuilds cannot be submitted: this deployment has no job queue. */
export class RebuildUnavailableError extends FreshindexError {
  override readonly status = 501;
  constructor() {
    super('rebuilds and audits cannot be submitted from here: FRESHINDEX_JOB_QUEUE and FRESHINDEX_JOB_DEFINITION are not set and no launcher was given');
    this.name = 'RebuildUnavailableError';
  }
}

/** A launcher for deployments without a job queue: every submission answers 501. */
export const unavailableLauncher: BuildLauncher = {
  submit: async () => {
    throw new RebuildUnavailableError();
  },
};

/** A scheduler for entry points without the verify queue. */
const NO_VERIFY_QUEUE = 'checks cannot be scheduled from here: FRESHINDEX_VERIFY_QUEUE_URL is not set';
export const unavailableScheduler: CheckScheduler = {
  schedule: async () => {
    throw new ConfigError([NO_VERIFY_QUEUE]);
  },
  scheduleAll: async (requests) => requests.map((request) => ({ request, reason: NO_VERIFY_QUEUE, retryable: false })),
};

/** A dead-letter sink for entry points without a dead-letter queue. */
export const unavailableDeadLetters: DeadLetterSink = {
  send: async () => {
    throw new ConfigError(['nothing can be dead-lettered from here: this entry point has no dead-letter queue URL']);
  },
};

/** A job watch for deployments without a job queue: the monitor names the missing setting. */
export const unavailableJobWatch: JobWatch = {
  runnableSince: async () => {
    throw new ConfigError(['the job queue cannot be watched from here: FRESHINDEX_JOB_QUEUE is not set']);
  },
  markStuckAlerted: async () => {
    throw new ConfigError(['the job queue cannot be watched from here: FRESHINDEX_JOB_QUEUE is not set']);
  },
};
