import { TimeZone } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { TypeConfig } from '../lambdas/core/config/index.ts';
import { JOB_COMMAND } from './jobs.ts';

/** The jobs a schedule can start. */
export type ScheduledJob = 'rebuild' | 'audit';

/** Settings of the job schedules. */
export interface JobSchedulesOptions {
  /**
   * The time zone the config's cron expressions are read in.
   *
   * @default TimeZone.ETC_UTC
   */
  readonly timeZone?: TimeZone;
  /**
   * Whether the schedules start enabled.
   *
   * @default true
   */
  readonly enabled?: boolean;
}

/** Props of {@link JobSchedules}. */
export interface JobSchedulesProps extends JobSchedulesOptions {
  /** The config's types: each gets a rebuild and an audit schedule. */
  readonly types: readonly TypeConfig[];
  readonly jobQueue: batch.IJobQueue;
  readonly jobDefinition: batch.IJobDefinition;
}

/**
 * One EventBridge Scheduler schedule per type and job: the rebuild at `rebuild.schedule`
 * (nightly by default) and the audit at `audit.schedule` (every 6 hours by default), each
 * submitting the Batch job with `node dist/job.mjs <job> --type <type>`. One role, allowed only
 * `batch:SubmitJob` on this job queue and job definition.
 */
export class JobSchedules extends Construct {
  /** The role the schedules submit jobs with. */
  public readonly role: iam.Role;
  /** The schedules, by job and type name. */
  public readonly schedules: Record<ScheduledJob, Record<string, scheduler.Schedule>> = { rebuild: {}, audit: {} };
  private readonly submitJob: iam.PolicyStatement;

  constructor(scope: Construct, id: string, props: JobSchedulesProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'freshindex schedules: submit the rebuild and audit jobs',
    });
    this.submitJob = new iam.PolicyStatement({
      actions: ['batch:SubmitJob'],
      resources: [props.jobQueue.jobQueueArn, props.jobDefinition.jobDefinitionArn],
    });
    const timeZone = props.timeZone ?? TimeZone.ETC_UTC;
    for (const type of props.types) {
      this.schedules.rebuild[type.name] = this.schedule(props, type.name, 'rebuild', type.rebuild.schedule, timeZone);
      this.schedules.audit[type.name] = this.schedule(props, type.name, 'audit', type.audit.schedule, timeZone);
    }
  }

  private schedule(props: JobSchedulesProps, type: string, job: ScheduledJob, expression: string, timeZone: TimeZone): scheduler.Schedule {
    const id = `${job === 'rebuild' ? 'Rebuild' : 'Audit'}-${type}`;
    return new scheduler.Schedule(this, id, {
      description: `freshindex ${job} of type ${type}`,
      schedule: scheduler.ScheduleExpression.expression(expression, timeZone),
      enabled: props.enabled ?? true,
      target: new targets.Universal({
        service: 'batch',
        action: 'submitJob',
        role: this.role,
        // Identical statements are merged: the role holds one, scoped to this queue and definition.
        policyStatements: [this.submitJob],
        retryAttempts: 3,
        input: scheduler.ScheduleTargetInput.fromObject({
          JobName: `freshindex-${job}-${type}`,
          JobQueue: props.jobQueue.jobQueueArn,
          JobDefinition: props.jobDefinition.jobDefinitionArn,
          ContainerOverrides: { Command: [...JOB_COMMAND, job, '--type', type] },
        }),
      }),
    });
  }
}
