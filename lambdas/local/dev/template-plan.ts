/**
 * Reads what the local runtime must run from the stacks stood up on the emulators: which
 * function is the apply, verify or API handler (and its environment), how each event source
 * mapping polls, the environment AWS Batch gives the jobs, and the schedules. Everything comes
 * from the synthesized template, resolved to the local names; nothing here is a second list.
 */
import { JOB_COMMAND } from '../../adapters/compose/index.ts';
import type { LocalStacks, StackTemplate } from '../cloud-assembly.ts';
import type { LocalEventSourceMapping, LocalFunction } from '../resources-from-template.ts';
import { resolveValue, type ResolveContext, type ResolvedAttributes } from '../template-intrinsics.ts';

/** What a function of the template does, told by the environment the CDK gives it. */
export type FunctionRole = 'apply' | 'verify' | 'api';

/** A function of the template with its role and, for queue consumers, its event source mapping. */
export interface PlannedFunction {
  role: FunctionRole;
  fn: LocalFunction;
  mapping?: LocalEventSourceMapping;
}

/** A schedule of the template (EventBridge Scheduler) and the job command it submits. */
export interface PlannedSchedule {
  logicalId: string;
  /** `cron(...)`, `rate(...)` or `at(...)`, as in the template. */
  expression: string;
  timezone: string;
  enabled: boolean;
  /** The job's arguments after the container's entry, e.g. `['rebuild', '--type', 'movie']`. */
  args: string[];
}

/** The local runtime's plan. */
export interface DevPlan {
  functions: PlannedFunction[];
  /** The environment of the Batch job definition, resolved to local names. */
  jobEnvironment: Record<string, string>;
  schedules: PlannedSchedule[];
  changeTopicArn: string;
  tables: { index: string; control: string };
}

/** A template that the local runtime cannot run. */
export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

/** Builds the plan from the stacks and what they became locally. */
export function planFromTemplates(stacks: readonly StackTemplate[], local: LocalStacks, region: string): DevPlan {
  const functions: PlannedFunction[] = [];
  for (const fn of Object.values(local.functions)) {
    const role = roleOf(fn);
    if (!role) continue;
    const mapping = local.eventSourceMappings.find((candidate) => candidate.functionName === fn.logicalId || candidate.functionName === fn.name);
    functions.push({ role, fn, ...(mapping ? { mapping } : {}) });
  }
  for (const role of ['apply', 'verify', 'api'] as const) {
    if (!functions.some((planned) => planned.role === role)) throw new PlanError(`the template has no ${role} function (a function whose environment names ${ROLE_MARKERS[role]})`);
  }
  for (const planned of functions.filter((candidate) => candidate.role !== 'api')) {
    if (!planned.mapping?.queueUrl) throw new PlanError(`the ${planned.role} function ${planned.fn.logicalId} has no SQS event source mapping on a local queue`);
  }
  const apply = functions.find((planned) => planned.role === 'apply') as PlannedFunction;
  const api = functions.find((planned) => planned.role === 'api') as PlannedFunction;
  const changeTopicArn = api.fn.environment['FRESHINDEX_CHANGE_TOPIC_ARN'] ?? outputEndingWith(local, '.ChangeTopicArn');
  if (!changeTopicArn) throw new PlanError('cannot tell the change topic: no FRESHINDEX_CHANGE_TOPIC_ARN on the API function and no ChangeTopicArn output');

  const resolving = resolveContext(local, region);
  return {
    functions,
    jobEnvironment: jobEnvironment(stacks, resolving),
    schedules: schedules(stacks, resolving),
    changeTopicArn,
    tables: { index: apply.fn.environment['FRESHINDEX_INDEX_TABLE'] ?? '', control: apply.fn.environment['FRESHINDEX_CONTROL_TABLE'] ?? '' },
  };
}

const ROLE_MARKERS: Record<FunctionRole, string> = {
  apply: 'FRESHINDEX_APPLY_DLQ_URL',
  verify: 'FRESHINDEX_VERIFY_QUEUE_URL',
  api: 'FRESHINDEX_JOB_QUEUE',
};

function roleOf(fn: LocalFunction): FunctionRole | undefined {
  const env = fn.environment;
  // The job monitor (lib/monitor.ts) watches AWS Batch, which the local runtime does not run: its jobs are child processes.
  if (env['FRESHINDEX_MONITOR_STUCK_MINUTES'] !== undefined) return undefined;
  if (env['FRESHINDEX_APPLY_DLQ_URL'] !== undefined) return 'apply';
  if (env['FRESHINDEX_VERIFY_QUEUE_URL'] !== undefined) return 'verify';
  if (env['FRESHINDEX_JOB_QUEUE'] !== undefined || env['FRESHINDEX_JOB_DEFINITION'] !== undefined) return 'api';
  return undefined;
}

function outputEndingWith(local: LocalStacks, suffix: string): string | undefined {
  const entry = Object.entries(local.outputs).find(([name, value]) => name.endsWith(suffix) && typeof value === 'string');
  return entry?.[1] as string | undefined;
}

/** A lenient context answering references with the local names (stand-ins with their logical id). */
function resolveContext(local: LocalStacks, region: string): ResolveContext {
  const resources = new Map<string, ResolvedAttributes>();
  for (const resource of Object.values(local.resources)) {
    switch (resource.kind) {
      case 'topic':
        resources.set(resource.logicalId, { ref: resource.arn, attributes: { TopicArn: resource.arn, TopicName: resource.name } });
        break;
      case 'queue':
        resources.set(resource.logicalId, { ref: resource.url, attributes: { Arn: resource.arn, QueueName: resource.name, QueueUrl: resource.url } });
        break;
      case 'table':
        resources.set(resource.logicalId, { ref: resource.name, attributes: { Arn: resource.arn } });
        break;
      case 'subscription':
        resources.set(resource.logicalId, { ref: resource.arn, attributes: {} });
        break;
    }
  }
  for (const notCreated of local.notCreated) {
    if (notCreated.disposition === 'stand-in' && !resources.has(notCreated.logicalId)) {
      resources.set(notCreated.logicalId, { ref: notCreated.logicalId, attributes: {}, otherAttributes: notCreated.logicalId });
    }
  }
  return { region, accountId: '000000000000', stackName: 'local', parameters: {}, conditions: {}, resources, imports: local.exports, mode: 'lenient' };
}

function resourcesOfType(stacks: readonly StackTemplate[], type: string) {
  return stacks.flatMap(({ stackName, template }) =>
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([logicalId, resource]) => ({ stackName, logicalId, properties: resource.Properties ?? {} })),
  );
}

function jobEnvironment(stacks: readonly StackTemplate[], context: ResolveContext): Record<string, string> {
  const [definition] = resourcesOfType(stacks, 'AWS::Batch::JobDefinition');
  if (!definition) return {};
  const container = (definition.properties['ContainerProperties'] ?? {}) as { Environment?: unknown };
  const entries = (resolveValue(container.Environment ?? [], { ...context, stackName: definition.stackName }, `${definition.logicalId}.Environment`) ?? []) as Array<{ Name?: string; Value?: unknown }>;
  return Object.fromEntries(entries.filter((entry) => entry.Name).map((entry) => [entry.Name as string, String(entry.Value ?? '')]));
}

function schedules(stacks: readonly StackTemplate[], context: ResolveContext): PlannedSchedule[] {
  return resourcesOfType(stacks, 'AWS::Scheduler::Schedule').flatMap(({ stackName, logicalId, properties }) => {
    const resolved = resolveValue(properties, { ...context, stackName }, logicalId) as Record<string, unknown>;
    const target = (resolved['Target'] ?? {}) as { Input?: unknown };
    let command: unknown;
    try {
      command = (JSON.parse(String(target.Input ?? '{}')) as { ContainerOverrides?: { Command?: unknown } }).ContainerOverrides?.Command;
    } catch {
      return [];
    }
    if (!Array.isArray(command) || JOB_COMMAND.some((part, index) => command[index] !== part)) return [];
    return [
      {
        logicalId,
        expression: String(resolved['ScheduleExpression'] ?? ''),
        timezone: String(resolved['ScheduleExpressionTimezone'] ?? 'Etc/UTC'),
        enabled: resolved['State'] !== 'DISABLED',
        args: command.slice(JOB_COMMAND.length).map(String),
      },
    ];
  });
}
