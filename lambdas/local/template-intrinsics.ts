/**
 * Just enough of CloudFormation's template language to stand a synthesized CDK template up on
 * local emulators: `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`,
 * `Fn::If` with simple conditions, pseudo parameters, and the order resources must be created in.
 */

/** A CloudFormation template, as `cdk synth` writes it (JSON). */
export interface CfnTemplate {
  Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
}

/** A template that cannot be stood up locally; `where` names the logical id and property. */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly where: string,
  ) {
    super(`${where}: ${message}`);
    this.name = 'TemplateError';
  }
}

/** What `Ref` and `Fn::GetAtt` answer for one resource. */
export interface ResolvedAttributes {
  ref: string;
  attributes: Record<string, string>;
  /** What any other attribute resolves to (a stand-in answers every `GetAtt` with its logical id). */
  otherAttributes?: string;
}

/** The values intrinsics resolve against. */
export interface ResolveContext {
  region: string;
  accountId: string;
  stackName: string;
  parameters: Record<string, string>;
  conditions: Record<string, boolean>;
  /** Resources created (or stood in for) so far, by logical id. */
  resources: ReadonlyMap<string, ResolvedAttributes>;
  /** Values exported by stacks created before this one (`Fn::ImportValue`), by export name. */
  imports: Readonly<Record<string, unknown>>;
  /**
   * `strict`: an unknown reference throws (properties we send to an emulator);
   * `lenient`: it becomes `<LogicalId>` or `<LogicalId.Attr>` (properties we only report).
   */
  mode: 'strict' | 'lenient';
}

const NO_VALUE = Symbol('AWS::NoValue');

/** Resolves every intrinsic in `value`. */
export function resolveValue(value: unknown, context: ResolveContext, where: string): unknown {
  const resolved = resolve(value, context, where);
  return resolved === NO_VALUE ? undefined : resolved;
}

/** Resolves `value` and requires a string. */
export function resolveString(value: unknown, context: ResolveContext, where: string): string {
  const resolved = resolveValue(value, context, where);
  if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
  if (typeof resolved !== 'string') throw new TemplateError(`expected a string, got ${JSON.stringify(resolved)}`, where);
  return resolved;
}

function resolve(value: unknown, context: ResolveContext, where: string): unknown {
  if (Array.isArray(value)) return value.map((item, index) => resolve(item, context, `${where}[${index}]`)).filter((item) => item !== NO_VALUE);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::') || first[0] === 'Condition')) {
    return resolveIntrinsic(first[0], first[1], context, `${where}.${first[0]}`);
  }
  const result: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const resolved = resolve(item, context, `${where}.${key}`);
    if (resolved !== NO_VALUE) result[key] = resolved;
  }
  return result;
}

function resolveIntrinsic(name: string, argument: unknown, context: ResolveContext, where: string): unknown {
  switch (name) {
    case 'Ref':
      return resolveRef(String(argument), context, where);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(argument) ? argument.map(String) : String(argument).split(/\.(.*)/s);
      return resolveGetAtt(logicalId ?? '', attribute ?? '', context, where);
    }
    case 'Fn::Join': {
      const [delimiter, items] = expectArray(argument, 2, where) as [unknown, unknown];
      const list = resolve(items, context, where);
      if (!Array.isArray(list)) throw new TemplateError('Fn::Join needs a list', where);
      return list.map((item) => String(item)).join(String(delimiter));
    }
    case 'Fn::Sub':
      return resolveSub(argument, context, where);
    case 'Fn::Select': {
      const [index, items] = expectArray(argument, 2, where);
      const list = resolve(items, context, where);
      if (!Array.isArray(list)) throw new TemplateError('Fn::Select needs a list', where);
      return list[Number(resolve(index, context, where))];
    }
    case 'Fn::Split': {
      const [delimiter, source] = expectArray(argument, 2, where);
      return resolveString(source, context, where).split(String(delimiter));
    }
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = expectArray(argument, 3, where);
      return resolve(evaluateCondition(String(condition), context, where) ? whenTrue : whenFalse, context, where);
    }
    case 'Condition':
      return evaluateCondition(String(argument), context, where);
    case 'Fn::ImportValue': {
      const name = resolveString(argument, context, where);
      if (name in context.imports) return context.imports[name];
      if (context.mode === 'lenient') return `<import ${name}>`;
      throw new TemplateError(`Fn::ImportValue "${name}" is exported by no stack created before this one`, where);
    }
    default:
      if (context.mode === 'lenient') return `<${name}>`;
      throw new TemplateError(`${name} is not supported locally`, where);
  }
}

function resolveRef(target: string, context: ResolveContext, where: string): unknown {
  switch (target) {
    case 'AWS::Region':
      return context.region;
    case 'AWS::AccountId':
      return context.accountId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return context.stackName;
    case 'AWS::StackId':
      return `arn:aws:cloudformation:${context.region}:${context.accountId}:stack/${context.stackName}/local`;
    case 'AWS::NoValue':
      return NO_VALUE;
  }
  const parameter = context.parameters[target];
  if (parameter !== undefined) return parameter;
  const resource = context.resources.get(target);
  if (resource) return resource.ref;
  if (context.mode === 'lenient') return `<${target}>`;
  throw new TemplateError(`Ref to "${target}", which is not created locally`, where);
}

function resolveGetAtt(logicalId: string, attribute: string, context: ResolveContext, where: string): unknown {
  const resource = context.resources.get(logicalId);
  const value = resource?.attributes[attribute] ?? resource?.otherAttributes;
  if (value !== undefined) return value;
  if (context.mode === 'lenient') return `<${logicalId}.${attribute}>`;
  throw new TemplateError(`Fn::GetAtt ${logicalId}.${attribute} is not available locally`, where);
}

function resolveSub(argument: unknown, context: ResolveContext, where: string): string {
  const [text, variables] = Array.isArray(argument) ? (argument as [unknown, Record<string, unknown>?]) : [argument, undefined];
  if (typeof text !== 'string') throw new TemplateError('Fn::Sub needs a string', where);
  return text.replace(/\$\{(!?)([^}]+)\}/g, (_match, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    if (variables && name in variables) return resolveString(variables[name], context, `${where}.${name}`);
    const [logicalId, attribute] = name.split(/\.(.*)/s);
    return String(attribute ? resolveGetAtt(logicalId ?? '', attribute, context, where) : resolveRef(name, context, where));
  });
}

function evaluateCondition(name: string, context: ResolveContext, where: string): boolean {
  const value = context.conditions[name];
  if (value === undefined) throw new TemplateError(`unknown condition "${name}"`, where);
  return value;
}

/** Evaluates a template's `Conditions` section (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition). */
export function evaluateConditions(template: CfnTemplate, context: Omit<ResolveContext, 'conditions' | 'mode'>): Record<string, boolean> {
  const conditions: Record<string, boolean> = {};
  const definitions = template.Conditions ?? {};
  const evaluate = (expression: unknown, where: string, seen: ReadonlySet<string>): boolean => {
    const [entry] = Object.entries((expression ?? {}) as Record<string, unknown>);
    if (!entry) throw new TemplateError('empty condition', where);
    const [operator, argument] = entry;
    const items = Array.isArray(argument) ? argument : [argument];
    switch (operator) {
      case 'Condition': {
        const name = String(argument);
        if (seen.has(name)) throw new TemplateError(`condition "${name}" refers to itself`, where);
        return evaluate(definitions[name], `Conditions.${name}`, new Set([...seen, name]));
      }
      case 'Fn::Equals': {
        const strict = { ...context, conditions, mode: 'lenient' as const };
        const [left, right] = items.map((item) => JSON.stringify(resolveValue(item, strict, where)));
        return left === right;
      }
      case 'Fn::Not':
        return !evaluate(items[0], where, seen);
      case 'Fn::And':
        return items.every((item) => evaluate(item, where, seen));
      case 'Fn::Or':
        return items.some((item) => evaluate(item, where, seen));
      default:
        throw new TemplateError(`${operator} is not supported in conditions`, where);
    }
  };
  for (const [name, expression] of Object.entries(definitions)) conditions[name] = evaluate(expression, `Conditions.${name}`, new Set([name]));
  return conditions;
}

/** The logical ids a resource refers to (Ref, Fn::GetAtt, Fn::Sub, DependsOn). */
export function referencesOf(resource: CfnResource): Set<string> {
  const found = new Set<string>(typeof resource.DependsOn === 'string' ? [resource.DependsOn] : (resource.DependsOn ?? []));
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'Ref' && typeof item === 'string' && !item.startsWith('AWS::')) found.add(item);
      else if (key === 'Fn::GetAtt') found.add(Array.isArray(item) ? String(item[0]) : String(item).split('.')[0] ?? '');
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(item) ? item[0] : item;
        for (const match of String(text).matchAll(/\$\{([^!}][^}.]*)[^}]*\}/g)) if (!match[1]?.startsWith('AWS::')) found.add(match[1] ?? '');
        if (Array.isArray(item)) visit(item[1]);
      } else visit(item);
    }
  };
  visit(resource.Properties);
  return found;
}

/** Logical ids in an order where every resource comes after those it refers to. Throws on a cycle. */
export function creationOrder(resources: Record<string, CfnResource>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (logicalId: string, path: string[]): void => {
    if (state.get(logicalId) === 'done' || !(logicalId in resources)) return;
    if (state.get(logicalId) === 'visiting') throw new TemplateError(`circular reference ${[...path, logicalId].join(' -> ')}`, logicalId);
    state.set(logicalId, 'visiting');
    for (const reference of referencesOf(resources[logicalId] as CfnResource)) visit(reference, [...path, logicalId]);
    state.set(logicalId, 'done');
    order.push(logicalId);
  };
  for (const logicalId of Object.keys(resources).sort()) visit(logicalId, []);
  return order;
}

function expectArray(argument: unknown, length: number, where: string): unknown[] {
  if (!Array.isArray(argument) || argument.length < length) throw new TemplateError(`expected a list of ${length}`, where);
  return argument;
}
