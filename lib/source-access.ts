import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { TypeConfig } from '../lambdas/core/config/index.ts';
import { embedStatements } from './embed-access.ts';
import { secretArn } from './secret-arn.ts';

/**
 * The IAM statements that let a function or job read the config's sources and nothing else:
 * `secretsmanager:GetSecretValue` on each HTTP source's auth secret, read actions on each
 * DynamoDB source table. HTTP sources without a secret need no AWS permission.
 */
export function sourceReadStatements(scope: IConstruct, types: readonly TypeConfig[]): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const secrets = new Set<string>();
  const tables = new Set<string>();
  for (const type of types) {
    const source = type.source;
    if (source.type === 'http' && source.auth?.secretId) secrets.add(secretArn(stack, source.auth.secretId));
    if (source.type === 'dynamodb') {
      tables.add(stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: source.tableName }));
    }
  }
  const statements: iam.PolicyStatement[] = [];
  if (secrets.size > 0) {
    statements.push(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [...secrets].sort() }));
  }
  if (tables.size > 0) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:DescribeTable'],
        resources: [...tables].sort(),
      }),
    );
  }
  return statements;
}

/**
 * Grants `grantee` read access to the config's sources (see {@link sourceReadStatements}) and the
 * use of its embedding providers (see `embedStatements`): whatever reads a document may embed it.
 */
export function grantSourceRead(grantee: iam.IGrantable, scope: IConstruct, types: readonly TypeConfig[]): void {
  for (const statement of [...sourceReadStatements(scope, types), ...embedStatements(scope, types)]) grantee.grantPrincipal.addToPrincipalPolicy(statement);
}

/** Warns at synth time about sources that cannot work in AWS as configured. */
export function annotateSources(scope: IConstruct, types: readonly TypeConfig[]): void {
  for (const type of types) {
    const source = type.source;
    if (source.type === 'jsonl') {
      Annotations.of(scope).addWarningV2(
        'freshindex:jsonl-source',
        `type "${type.name}": a jsonl source reads a local file (${source.path}); it works locally, not in Lambda or Batch.`,
      );
    }
    if (source.type === 'http' && source.auth?.env) {
      Annotations.of(scope).addWarningV2(
        'freshindex:env-auth',
        `type "${type.name}": the HTTP source reads its credential from $${source.auth.env}; pass it with the compute "environment" prop or use auth.secretId.`,
      );
    }
  }
}
