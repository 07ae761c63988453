/**
 * The publisher tests' SNS: fauxqs (test/support/aws.ts) behind an SDK client whose middleware
 * records every call and makes the faults fauxqs cannot (a refused PublishBatch entry, a failed
 * call, a call held until the test lets it go), and a fresh queue subscribed to the topic per test.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SNSClient, SubscribeCommand, type PublishBatchCommandInput, type PublishBatchCommandOutput } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { parseChangeMessage } from '../../../lambdas/core/events.ts';
import { startAws, type AwsTestEnv } from '../../support/aws.ts';

/** What the SNS client was asked: command name and, for PublishBatch, its entry count. */
export interface SentCall {
  command: string;
  entries: number;
}

/** Per-test behaviour of the SNS client, above the emulator. */
export interface Interceptor {
  /** Ids of changes SNS should refuse for the caller's fault (`SenderFault: true`: their entries are taken out of the request and returned as failed). */
  refuse: Set<string>;
  /** Ids of changes SNS should refuse on its own side (`SenderFault: false`, `KMSThrottling`), and how many more times. */
  throttle?: Map<string, number>;
  /** Make the whole call fail with this error. */
  fail?: Error;
  /** Only from this call on (1 for the first call). @default 1 */
  failFrom?: number;
  /** Hold each call (after it is recorded) until this promise settles. */
  hold?: Promise<void>;
  /** Only up to this call (1 for the first call). @default every call */
  holdUntil?: number;
}

/** Set in the file's beforeAll (aws, sns, topicArn) and reset before each test (sent, interceptor). */
export interface SnsHarness {
  aws: AwsTestEnv;
  sns: SNSClient;
  topicArn: string;
  /** The calls made since the test began. */
  readonly sent: SentCall[];
  interceptor: Interceptor;
  /** The ids delivered to the test's queue, sorted: once `count` have arrived (or 20 polls passed), with any beyond them. */
  delivered(count: number): Promise<string[]>;
}

/** Starts fauxqs for the file's tests, with a topic named `name`; resets the harness before each test. */
export function useSnsHarness(name: string): SnsHarness {
  const harness = { sent: [] as SentCall[], interceptor: { refuse: new Set<string>() } } as Partial<SnsHarness> as SnsHarness;
  let queueUrl = '';
  beforeAll(async () => {
    harness.aws = await startAws();
    harness.sns = new SNSClient(harness.aws.clientConfig('sns'));
    harness.sns.middlewareStack.add((next, context) => async (args) => intercept(harness, context.commandName ?? '', args.input as Partial<PublishBatchCommandInput>, () => next(args)), {
      step: 'initialize',
      name: 'testInterceptor',
    });
    harness.topicArn = (await harness.aws.sns.send(new CreateTopicCommand({ Name: name }))).TopicArn as string;
  });
  beforeEach(async () => {
    harness.sent.length = 0;
    harness.interceptor = { refuse: new Set() };
    const { QueueUrl } = await harness.aws.sqs.send(new CreateQueueCommand({ QueueName: `${name}-${Date.now()}-${Math.random().toString(36).slice(2)}` }));
    queueUrl = QueueUrl as string;
    const arn = (await harness.aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
    await harness.aws.sns.send(new SubscribeCommand({ TopicArn: harness.topicArn, Protocol: 'sqs', Endpoint: arn }));
  });
  afterAll(async () => {
    harness.sns.destroy();
    await harness.aws.stop();
  });
  harness.delivered = async (count: number) => {
    const ids: string[] = [];
    const receive = async (WaitTimeSeconds: number) => {
      const { Messages = [] } = await harness.aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds }));
      ids.push(...Messages.map((m) => parseChangeMessage(m.Body ?? '').id));
      return Messages.length;
    };
    for (let polls = 0; ids.length < count && polls < 20; polls += 1) await receive(1);
    // Then what else is there (a change delivered twice, or one that should not be).
    while ((await receive(0)) > 0);
    return ids.sort();
  };
  return harness;
}

async function intercept<T>(harness: SnsHarness, command: string, input: Partial<PublishBatchCommandInput>, next: () => Promise<T>): Promise<T> {
  const { interceptor } = harness;
  const call = harness.sent.push({ command, entries: input.PublishBatchRequestEntries?.length ?? 0 });
  if (call <= (interceptor.holdUntil ?? Number.POSITIVE_INFINITY)) await interceptor.hold;
  if (interceptor.fail && call >= (interceptor.failFrom ?? 1)) throw interceptor.fail;
  const throttled = (id: string) => {
    const times = interceptor.throttle?.get(id) ?? 0;
    if (times > 0) interceptor.throttle?.set(id, times - 1);
    return times > 0;
  };
  const failures = new Map<string, { Code: string; SenderFault: boolean }>();
  for (const entry of input.PublishBatchRequestEntries ?? []) {
    const id = parseChangeMessage(entry.Message ?? '').id;
    if (interceptor.refuse.has(id)) failures.set(entry.Id ?? '', { Code: 'KMSAccessDenied', SenderFault: true });
    else if (throttled(id)) failures.set(entry.Id ?? '', { Code: 'KMSThrottling', SenderFault: false });
  }
  if (failures.size === 0) return next();
  input.PublishBatchRequestEntries = input.PublishBatchRequestEntries?.filter((entry) => !failures.has(entry.Id ?? ''));
  // Every entry refused: SNS answers without a successful one (an empty request would be an error).
  const result = input.PublishBatchRequestEntries?.length ? await next() : ({ output: { Successful: [], $metadata: {} }, response: {} } as T);
  const output = (result as { output: PublishBatchCommandOutput }).output;
  output.Failed = [...(output.Failed ?? []), ...[...failures].map(([Id, failure]) => ({ Id, ...failure, Message: 'refused' }))];
  return result;
}
