import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { TypeConfig } from '../lambdas/core/config/index.ts';
import { secretArn } from './secret-arn.ts';

/**
 * The IAM statements of the types' embed steps: `bedrock:InvokeModel` on each Bedrock model's
 * foundation-model ARN (in the provider's region, else the stack's), and
 * `secretsmanager:GetSecretValue` on each OpenAI-compatible provider's `apiKey.secretId`. Types
 * without `embed`, and the local embedder, need none.
 */
export function embedStatements(scope: IConstruct, types: readonly TypeConfig[]): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const models = new Set<string>();
  const secrets = new Set<string>();
  for (const type of types) {
    const provider = type.embed?.provider;
    if (provider?.kind === 'bedrock') {
      models.add(stack.formatArn({ service: 'bedrock', account: '', region: provider.region ?? stack.region, resource: 'foundation-model', resourceName: provider.model }));
    }
    if (provider?.kind === 'openai' && 'secretId' in provider.apiKey) secrets.add(secretArn(stack, provider.apiKey.secretId));
  }
  const statements: iam.PolicyStatement[] = [];
  if (models.size > 0) statements.push(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [...models].sort() }));
  if (secrets.size > 0) statements.push(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [...secrets].sort() }));
  return statements;
}

/** Warns at synth time about embed steps that cannot work in AWS as configured. */
export function annotateEmbeds(scope: IConstruct, types: readonly TypeConfig[]): void {
  for (const type of types) {
    const provider = type.embed?.provider;
    if (provider?.kind === 'openai' && 'env' in provider.apiKey) {
      Annotations.of(scope).addWarningV2(
        'freshindex:env-embed-key',
        `type "${type.name}": the embedding API key is read from $${provider.apiKey.env}; pass it with the compute "environment" prop or use apiKey.secretId.`,
      );
    }
  }
}
