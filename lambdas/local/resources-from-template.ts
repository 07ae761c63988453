/**
 * Stands a synthesized CloudFormation template up on the local emulators: topics, queues,
 * subscriptions and tables are created from the template itself, so local runs cannot drift
 * from what `cdk deploy` creates. Everything else is reported as a local stand-in or ignored.
 */
import { CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand, type CreateTableCommandInput, type DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  TemplateError,
  creationOrder,
  evaluateConditions,
  resolveString,
  resolveValue,
  type CfnResource,
  type CfnTemplate,
  type ResolveContext,
  type ResolvedAttributes,
} from './template-intrinsics.ts';
import { describeNotCreated, readEventSourceMapping, readFunction, type LocalEventSourceMapping, type LocalFunction, type NotCreated } from './template-stand-ins.ts';

export { TemplateError, type CfnTemplate } from './template-intrinsics.ts';
export type { LocalEventSourceMapping, LocalFunction, NotCreated } from './template-stand-ins.ts';

/** The clients of the emulators (or of a real account) the resources are created in. */
export interface TemplateClients {
  sqs: SQSClient;
  sns: SNSClient;
  dynamodb: DynamoDBClient;
}

export interface TemplateOptions {
  /** Prepended to every physical name, so several stacks (or test suites) share one emulator. Default `''`. */
  prefix?: string;
  /** Default: the SQS client's region. */
  region?: string;
  /** Default `000000000000`. */
  accountId?: string;
  /** Default `local`. */
  stackName?: string;
  /** Values of the template's parameters; the rest take their `Default`. */
  parameters?: Record<string, string>;
  /** Exports of stacks created before, for `Fn::ImportValue` (see `createResourcesFromTemplates`). */
  imports?: Record<string, unknown>;
}

export interface LocalTopic {
  kind: 'topic';
  logicalId: string;
  name: string;
  arn: string;
}

export interface LocalQueue {
  kind: 'queue';
  logicalId: string;
  name: string;
  url: string;
  arn: string;
  /** The attributes it was created with (DelaySeconds, VisibilityTimeout, RedrivePolicy...). */
  attributes: Record<string, string>;
}

export interface LocalSubscription {
  kind: 'subscription';
  logicalId: string;
  arn: string;
  topicArn: string;
  protocol: 'sqs';
  endpoint: string;
  attributes: Record<string, string>;
}

export interface LocalTable {
  kind: 'table';
  logicalId: string;
  name: string;
  arn: string;
  /** The TTL attribute the template declares, if any. */
  ttlAttribute?: string;
  /** Whether the emulator accepted the TTL setting (dynalite has no TTL: items never expire locally). */
  ttlApplied: boolean;
}

export type LocalResource = LocalTopic | LocalQueue | LocalSubscription | LocalTable;

/** What a template became locally. */
export interface LocalStack {
  /** The resources created on the emulators, by logical id. */
  resources: Record<string, LocalResource>;
  /** The template's Lambda functions, with their environment resolved to the local names. */
  functions: Record<string, LocalFunction>;
  /** The template's SQS event source mappings, with their queue's local URL. */
  eventSourceMappings: LocalEventSourceMapping[];
  /** Every other resource: a local stand-in runs in its place, or it is ignored. */
  notCreated: NotCreated[];
  /** The template's outputs, resolved as far as local names allow. */
  outputs: Record<string, unknown>;
  /** The outputs that carry an `Export`, by export name (what other stacks import). */
  exports: Record<string, unknown>;
}

/**
 * Creates the template's topics, queues, sqs subscriptions and tables.
 *
 * @example
 * const template = JSON.parse(await readFile('cdk.out/FreshindexStack.template.json', 'utf8'));
 * const stack = await createResourcesFromTemplate(template, { sqs, sns, dynamodb });
 * const applyQueue = Object.values(stack.resources).find((r) => r.kind === 'queue' && r.logicalId.startsWith('ApplyQueue'));
 */
export async function createResourcesFromTemplate(template: CfnTemplate, clients: TemplateClients, options: TemplateOptions = {}): Promise<LocalStack> {
  const base = {
    region: options.region ?? (await clients.sqs.config.region()),
    accountId: options.accountId ?? '000000000000',
    stackName: options.stackName ?? 'local',
    parameters: parameterValues(template, options.parameters ?? {}),
    resources: new Map<string, ResolvedAttributes>(),
    imports: options.imports ?? {},
  };
  const context: ResolveContext = { ...base, conditions: evaluateConditions(template, base), mode: 'strict' };
  const lenient: ResolveContext = { ...context, mode: 'lenient' };
  const resolved = context.resources as Map<string, ResolvedAttributes>;
  const stack: LocalStack = { resources: {}, functions: {}, eventSourceMappings: [], notCreated: [], outputs: {}, exports: {} };
  const prefix = options.prefix ?? '';

  for (const logicalId of creationOrder(template.Resources)) {
    const resource = template.Resources[logicalId] as CfnResource;
    if (resource.Condition && context.conditions[resource.Condition] === false) {
      stack.notCreated.push({ logicalId, type: resource.Type, disposition: 'ignored', note: `condition ${resource.Condition} is false` });
      continue;
    }
    const created = await createOne(logicalId, resource, { clients, context, prefix });
    if (created) {
      stack.resources[logicalId] = created.resource;
      resolved.set(logicalId, created.attributes);
      continue;
    }
    if (resource.Type === 'AWS::Lambda::Function') {
      const fn = readFunction(logicalId, resource, lenient);
      stack.functions[logicalId] = fn;
      resolved.set(logicalId, { ref: fn.name, attributes: { Arn: fn.arn } });
    } else if (resource.Type === 'AWS::Lambda::EventSourceMapping') {
      stack.eventSourceMappings.push(readEventSourceMapping(logicalId, resource, lenient, stack.resources));
    }
    const notCreated = describeNotCreated(logicalId, resource);
    // A stand-in answers Ref and GetAtt with its logical id (e.g. FRESHINDEX_JOB_QUEUE names the local job queue).
    if (notCreated.disposition === 'stand-in' && !resolved.has(logicalId)) resolved.set(logicalId, { ref: logicalId, attributes: {}, otherAttributes: logicalId });
    stack.notCreated.push(notCreated);
  }
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    stack.outputs[name] = resolveValue(output.Value, lenient, `Outputs.${name}`);
    if (output.Export) stack.exports[resolveString(output.Export.Name, lenient, `Outputs.${name}.Export`)] = stack.outputs[name];
  }
  return stack;
}

interface CreateContext {
  clients: TemplateClients;
  context: ResolveContext;
  prefix: string;
}

type Created = { resource: LocalResource; attributes: ResolvedAttributes };

async function createOne(logicalId: string, resource: CfnResource, create: CreateContext): Promise<Created | undefined> {
  try {
    switch (resource.Type) {
      case 'AWS::SNS::Topic':
        return await createTopic(logicalId, resource.Properties ?? {}, create);
      case 'AWS::SQS::Queue':
        return await createQueue(logicalId, resource.Properties ?? {}, create);
      case 'AWS::SNS::Subscription':
        return await createSubscription(logicalId, resource.Properties ?? {}, create);
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return await createTable(logicalId, resource.Properties ?? {}, create);
      default:
        return undefined;
    }
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw Object.assign(new TemplateError(`creating ${resource.Type} failed: ${detail}`, logicalId), { cause: error });
  }
}

async function createTopic(logicalId: string, properties: Record<string, unknown>, { clients, context, prefix }: CreateContext): Promise<Created> {
  const fifo = resolveValue(properties['FifoTopic'], context, `${logicalId}.FifoTopic`) === true || properties['FifoTopic'] === 'true';
  const name = physicalName(prefix, properties['TopicName'], logicalId, context, { max: 256, fifo });
  const attributes: Record<string, string> = {};
  if (fifo) attributes['FifoTopic'] = 'true';
  copyAttributes(attributes, properties, ['ContentBasedDeduplication'], context, logicalId);
  const output = await clients.sns.send(new CreateTopicCommand({ Name: name, Attributes: attributes }));
  const arn = output.TopicArn as string;
  return { resource: { kind: 'topic', logicalId, name, arn }, attributes: { ref: arn, attributes: { TopicArn: arn, TopicName: name } } };
}

const QUEUE_ATTRIBUTES = ['DelaySeconds', 'MaximumMessageSize', 'MessageRetentionPeriod', 'ReceiveMessageWaitTimeSeconds', 'VisibilityTimeout', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit'];

async function createQueue(logicalId: string, properties: Record<string, unknown>, { clients, context, prefix }: CreateContext): Promise<Created> {
  const fifo = String(resolveValue(properties['FifoQueue'], context, `${logicalId}.FifoQueue`)) === 'true';
  const name = physicalName(prefix, properties['QueueName'], logicalId, context, { max: 80, fifo });
  const attributes: Record<string, string> = {};
  if (fifo) attributes['FifoQueue'] = 'true';
  copyAttributes(attributes, properties, QUEUE_ATTRIBUTES, context, logicalId);
  for (const policy of ['RedrivePolicy', 'RedriveAllowPolicy']) {
    if (properties[policy] === undefined) continue;
    const value = resolveValue(properties[policy], context, `${logicalId}.${policy}`);
    attributes[policy] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  const url = (await clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl as string;
  const read = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = read.Attributes?.['QueueArn'] as string;
  return {
    resource: { kind: 'queue', logicalId, name, url, arn, attributes },
    attributes: { ref: url, attributes: { Arn: arn, QueueName: name, QueueUrl: url } },
  };
}

async function createSubscription(logicalId: string, properties: Record<string, unknown>, { clients, context }: CreateContext): Promise<Created | undefined> {
  const protocol = resolveString(properties['Protocol'], context, `${logicalId}.Protocol`);
  if (protocol !== 'sqs') return undefined;
  const topicArn = resolveString(properties['TopicArn'], context, `${logicalId}.TopicArn`);
  const endpoint = resolveString(properties['Endpoint'], context, `${logicalId}.Endpoint`);
  const attributes: Record<string, string> = {};
  copyAttributes(attributes, properties, ['RawMessageDelivery', 'FilterPolicyScope'], context, logicalId);
  for (const policy of ['FilterPolicy', 'RedrivePolicy']) {
    if (properties[policy] === undefined) continue;
    const value = resolveValue(properties[policy], context, `${logicalId}.${policy}`);
    attributes[policy] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  const output = await clients.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: endpoint, Attributes: attributes, ReturnSubscriptionArn: true }));
  const arn = output.SubscriptionArn as string;
  return { resource: { kind: 'subscription', logicalId, arn, topicArn, protocol: 'sqs', endpoint, attributes }, attributes: { ref: arn, attributes: {} } };
}

async function createTable(logicalId: string, properties: Record<string, unknown>, { clients, context, prefix }: CreateContext): Promise<Created> {
  const name = physicalName(prefix, properties['TableName'], logicalId, context, { max: 255, fifo: false });
  const resolve = (key: string) => resolveValue(properties[key], context, `${logicalId}.${key}`);
  const billingMode = (resolve('BillingMode') as string | undefined) ?? 'PROVISIONED';
  const provisioned = billingMode === 'PROVISIONED';
  const throughput = (resolve('ProvisionedThroughput') as CreateTableCommandInput['ProvisionedThroughput']) ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
  const indexes = (key: string, withThroughput: boolean) => {
    const list = resolve(key) as Array<Record<string, unknown>> | undefined;
    if (!list?.length) return undefined;
    return list.map(({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection, ...(withThroughput ? { ProvisionedThroughput: throughput } : {}) }));
  };
  const input = {
    TableName: name,
    KeySchema: resolve('KeySchema'),
    AttributeDefinitions: resolve('AttributeDefinitions'),
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ...(provisioned ? { ProvisionedThroughput: throughput } : {}),
    GlobalSecondaryIndexes: indexes('GlobalSecondaryIndexes', provisioned),
    LocalSecondaryIndexes: indexes('LocalSecondaryIndexes', false),
  } as CreateTableCommandInput;
  const table = await createOrDescribeTable(clients.dynamodb, input);
  const ttl = resolve('TimeToLiveSpecification') as { AttributeName?: string; Enabled?: boolean } | undefined;
  const ttlAttribute = ttl?.Enabled === false ? undefined : ttl?.AttributeName;
  let ttlApplied = false;
  if (ttlAttribute) {
    try {
      await clients.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true } }));
      ttlApplied = true;
    } catch {
      // dynalite has no TTL API: the table works, items just never expire locally.
    }
  }
  const arn = table.TableArn ?? `arn:aws:dynamodb:${context.region}:${context.accountId}:table/${name}`;
  const attributes: Record<string, string> = { Arn: arn };
  if (table.LatestStreamArn) attributes['StreamArn'] = table.LatestStreamArn;
  return {
    resource: { kind: 'table', logicalId, name, arn, ttlApplied, ...(ttlAttribute ? { ttlAttribute } : {}) },
    attributes: { ref: name, attributes },
  };
}

async function createOrDescribeTable(dynamodb: DynamoDBClient, input: CreateTableCommandInput): Promise<TableDescription> {
  try {
    return (await dynamodb.send(new CreateTableCommand(input))).TableDescription ?? {};
  } catch (error) {
    // A second start against an emulator that kept its state: the table is already there.
    if ((error as Error).name !== 'ResourceInUseException') throw error;
    return (await dynamodb.send(new DescribeTableCommand({ TableName: input.TableName }))).Table ?? {};
  }
}

function physicalName(prefix: string, given: unknown, logicalId: string, context: ResolveContext, limits: { max: number; fifo: boolean }): string {
  const suffix = limits.fifo ? '.fifo' : '';
  const base = given === undefined ? logicalId : resolveString(given, context, `${logicalId}.name`).replace(/\.fifo$/, '');
  return `${prefix}${base}`.slice(0, limits.max - suffix.length) + suffix;
}

function copyAttributes(target: Record<string, string>, properties: Record<string, unknown>, names: readonly string[], context: ResolveContext, logicalId: string): void {
  for (const name of names) {
    if (properties[name] === undefined) continue;
    target[name] = resolveString(properties[name], context, `${logicalId}.${name}`);
  }
}

function parameterValues(template: CfnTemplate, given: Record<string, string>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    const value = given[name] ?? parameter.Default;
    if (value !== undefined) values[name] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return values;
}
