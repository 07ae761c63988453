/**
 * Reads the stacks of a CDK cloud assembly (`cdk.out`) and stands them all up locally, in
 * deployment order, so that one stack's `Fn::ImportValue` finds what an earlier one exported.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createResourcesFromTemplate, type LocalStack, type TemplateClients, type TemplateOptions } from './resources-from-template.ts';
import { TemplateError, type CfnTemplate } from './template-intrinsics.ts';

/** One stack of an assembly. */
export interface StackTemplate {
  stackName: string;
  template: CfnTemplate;
}

/** Every stack stood up, merged (logical ids are unique across the stacks of one CDK app), and each one on its own. */
export interface LocalStacks extends LocalStack {
  stacks: Record<string, LocalStack>;
}

interface Manifest {
  artifacts?: Record<string, { type: string; dependencies?: string[]; properties?: { templateFile?: string; stackName?: string } }>;
}

/**
 * The CloudFormation stacks of a synthesized cloud assembly, each after the stacks it depends on.
 *
 * @example
 * const stacks = await readCloudAssembly('cdk.out');
 * const local = await createResourcesFromTemplates(stacks, { sqs, sns, dynamodb });
 */
export async function readCloudAssembly(directory: string): Promise<StackTemplate[]> {
  const manifest = JSON.parse(await readFile(join(directory, 'manifest.json'), 'utf8')) as Manifest;
  const artifacts = manifest.artifacts ?? {};
  const stackIds = Object.keys(artifacts).filter((id) => artifacts[id]?.type === 'aws:cloudformation:stack');
  const ordered: string[] = [];
  const visit = (id: string, path: readonly string[]): void => {
    if (ordered.includes(id) || !stackIds.includes(id)) return;
    if (path.includes(id)) throw new TemplateError(`stacks depend on each other: ${[...path, id].join(' -> ')}`, id);
    for (const dependency of artifacts[id]?.dependencies ?? []) visit(dependency, [...path, id]);
    ordered.push(id);
  };
  stackIds.forEach((id) => visit(id, []));
  return Promise.all(
    ordered.map(async (id) => {
      const properties = artifacts[id]?.properties ?? {};
      if (!properties.templateFile) throw new TemplateError('the manifest names no templateFile', id);
      const template = JSON.parse(await readFile(join(directory, properties.templateFile), 'utf8')) as CfnTemplate;
      return { stackName: properties.stackName ?? id, template };
    }),
  );
}

/** Stands up each stack in the order given, feeding each one's exports to the next. */
export async function createResourcesFromTemplates(
  stacks: readonly StackTemplate[],
  clients: TemplateClients,
  options: Omit<TemplateOptions, 'stackName' | 'imports'> = {},
): Promise<LocalStacks> {
  const merged: LocalStacks = { resources: {}, functions: {}, eventSourceMappings: [], notCreated: [], outputs: {}, exports: {}, stacks: {} };
  for (const { stackName, template } of stacks) {
    const local = await createResourcesFromTemplate(template, clients, { ...options, stackName, imports: merged.exports });
    for (const logicalId of [...Object.keys(local.resources), ...Object.keys(local.functions)]) {
      if (logicalId in merged.resources || logicalId in merged.functions) throw new TemplateError(`logical id also used by an earlier stack`, `${stackName}.${logicalId}`);
    }
    Object.assign(merged.resources, local.resources);
    Object.assign(merged.functions, local.functions);
    merged.eventSourceMappings.push(...local.eventSourceMappings);
    merged.notCreated.push(...local.notCreated);
    Object.assign(merged.exports, local.exports);
    for (const [name, value] of Object.entries(local.outputs)) merged.outputs[`${stackName}.${name}`] = value;
    merged.stacks[stackName] = local;
  }
  // A mapping usually sits in the compute stack and imports its queue's ARN from the data stack.
  for (const mapping of merged.eventSourceMappings) {
    const queue = Object.values(merged.resources).find((resource) => resource.kind === 'queue' && resource.arn === mapping.queueArn);
    if (queue?.kind === 'queue' && mapping.queueUrl === undefined) Object.assign(mapping, { queueUrl: queue.url, queueLogicalId: queue.logicalId });
  }
  return merged;
}
