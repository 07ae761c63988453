/**
 * The template resources the emulators do not have, and what the local runtime does instead:
 * functions run in-process, event source mappings become local pollers, Batch jobs child
 * processes, schedules a local scheduler, the HTTP API a localhost server. The rest is ignored.
 */
import { resolveValue, type CfnResource, type ResolveContext } from './template-intrinsics.ts';

/** A template resource that was not created on an emulator, and why. */
export interface NotCreated {
  logicalId: string;
  type: string;
  disposition: 'stand-in' | 'ignored';
  note: string;
}

/** A Lambda function of the template, as the local runtime needs it. */
export interface LocalFunction {
  logicalId: string;
  /** `FunctionName` if the template sets one, else the logical id. */
  name: string;
  arn: string;
  handler?: string;
  /** Seconds (CloudFormation's default is 3). */
  timeoutSeconds: number;
  memoryMb: number;
  /** Environment variables, with references resolved to local names, URLs and ARNs. */
  environment: Record<string, string>;
}

/** An SQS event source mapping of the template, ready for `SqsEventSource`. */
export interface LocalEventSourceMapping {
  logicalId: string;
  /** The logical id (or name) of the function it invokes. */
  functionName: string;
  queueArn: string;
  /** The local URL of its queue, when the queue was created from the same template. */
  queueUrl?: string;
  queueLogicalId?: string;
  batchSize: number;
  maxBatchingWindowMs: number;
  reportBatchItemFailures: boolean;
  /** ScalingConfig.MaximumConcurrency, if set. */
  maximumConcurrency?: number;
  enabled: boolean;
}

const STAND_INS: ReadonlyArray<[RegExp, string]> = [
  [/^AWS::Lambda::Function$/, 'runs in-process in the local runtime'],
  [/^AWS::Lambda::EventSourceMapping$/, 'local SQS event-source poller (lambdas/local/event-source.ts)'],
  [/^AWS::Batch::/, 'jobs run as child processes of the local runtime'],
  [/^AWS::(Events::Rule|Scheduler::Schedule(Group)?)$/, 'local scheduler (cron expressions from the config)'],
  [/^AWS::(ApiGateway|ApiGatewayV2)::|^AWS::Lambda::Url$/, 'ops API served on localhost'],
  [/^AWS::ElastiCache::/, 'a local redis-server, when the config selects Redis and one is installed'],
];

const IGNORED: ReadonlyArray<[RegExp, string]> = [
  [/^AWS::IAM::/, 'no IAM locally: the emulators accept any credentials'],
  [/^AWS::(SQS::QueuePolicy|SNS::TopicPolicy|Lambda::Permission)$/, 'no resource policies locally'],
  [/^AWS::KMS::/, 'no encryption at rest locally'],
  [/^AWS::(Logs|CloudWatch)::/, 'logs go to the console; no metrics or alarms locally'],
  [/^AWS::SNS::Subscription$/, 'only sqs subscriptions deliver locally'],
  [/^AWS::EC2::/, 'no network resources locally'],
  [/^AWS::CDK::Metadata$/, 'CDK bookkeeping'],
];

/** Classifies a resource that was not created on an emulator. */
export function describeNotCreated(logicalId: string, resource: CfnResource): NotCreated {
  const standIn = STAND_INS.find(([pattern]) => pattern.test(resource.Type));
  if (standIn) return { logicalId, type: resource.Type, disposition: 'stand-in', note: standIn[1] };
  const ignored = IGNORED.find(([pattern]) => pattern.test(resource.Type));
  return { logicalId, type: resource.Type, disposition: 'ignored', note: ignored?.[1] ?? 'not emulated locally' };
}

/** Reads a function's settings and environment (references resolved leniently). */
export function readFunction(logicalId: string, resource: CfnResource, context: ResolveContext): LocalFunction {
  const properties = (resolveValue(resource.Properties ?? {}, context, logicalId) ?? {}) as Record<string, unknown>;
  const name = typeof properties['FunctionName'] === 'string' ? properties['FunctionName'] : logicalId;
  const variables = ((properties['Environment'] as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
  return {
    logicalId,
    name,
    arn: `arn:aws:lambda:${context.region}:${context.accountId}:function:${name}`,
    ...(typeof properties['Handler'] === 'string' ? { handler: properties['Handler'] } : {}),
    timeoutSeconds: Number(properties['Timeout'] ?? 3),
    memoryMb: Number(properties['MemorySize'] ?? 128),
    environment: Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, String(value)])),
  };
}

/** Reads an event source mapping and finds its queue among the created resources. */
export function readEventSourceMapping(
  logicalId: string,
  resource: CfnResource,
  context: ResolveContext,
  created: Record<string, { kind: string; arn?: string; url?: string }>,
): LocalEventSourceMapping {
  const properties = (resolveValue(resource.Properties ?? {}, context, logicalId) ?? {}) as Record<string, unknown>;
  const queueArn = String(properties['EventSourceArn'] ?? '');
  const queue = Object.entries(created).find(([, value]) => value.kind === 'queue' && value.arn === queueArn);
  const responseTypes = (properties['FunctionResponseTypes'] as unknown[] | undefined) ?? [];
  const maximumConcurrency = (properties['ScalingConfig'] as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency;
  return {
    logicalId,
    functionName: String(properties['FunctionName'] ?? ''),
    queueArn,
    ...(queue ? { queueLogicalId: queue[0], queueUrl: queue[1].url as string } : {}),
    batchSize: Number(properties['BatchSize'] ?? 10),
    maxBatchingWindowMs: Number(properties['MaximumBatchingWindowInSeconds'] ?? 0) * 1000,
    reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
    ...(maximumConcurrency !== undefined ? { maximumConcurrency: Number(maximumConcurrency) } : {}),
    enabled: properties['Enabled'] !== false && properties['Enabled'] !== 'false',
  };
}
