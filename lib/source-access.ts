import { Annotations, CfnOutput, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct, IConstruct } from 'constructs';
import type { TypeConfig } from '../lambdas/core/config/index.ts';
import type { CacheNetwork } from './network.ts';
import { storeNetwork, type IndexStoreResources } from './store.ts';
import { embedStatements } from './embed-access.ts';
import { secretArn } from './secret-arn.ts';

/**
 * The IAM statements that let a function or job read the config's sources and nothing else:
 * `secretsmanager:GetSecretValue` on each HTTP source's auth secret and each Postgres source's
 * connection secret, read actions on each DynamoDB source table. HTTP sources without a secret
 * need no AWS permission; a Postgres database admits the functions by security group
 * ({@link sourceNetwork}) and its own grants.
 */
export function sourceReadStatements(scope: IConstruct, types: readonly TypeConfig[]): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const secrets = new Set<string>();
  const tables = new Set<string>();
  for (const type of types) {
    const source = type.source;
    if (source.type === 'http' && source.auth?.secretId) secrets.add(secretArn(stack, source.auth.secretId));
    if (source.type === 'postgres' && source.connection.secretId) secrets.add(secretArn(stack, source.connection.secretId));
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
    if (source.type === 'postgres' && source.connection.env) {
      Annotations.of(scope).addWarningV2(
        'freshindex:env-connection',
        `type "${type.name}": the Postgres source reads its URL (with the password) from $${source.connection.env}; pass it with the compute "environment" prop or use connection.secretId.`,
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
/** Where the functions and jobs run to reach the database of a Postgres source (`FreshindexCompute`'s `sourceNetwork`). */
export interface SourceNetworkOptions {
  /** The database's VPC, or one routed to it (peering, Transit Gateway). */
  readonly vpc: ec2.IVpc;
  /**
   * The subnets the functions and jobs run in: private, with a route out (NAT or VPC endpoints)
   * to the AWS APIs they call.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly subnets?: ec2.SubnetSelection;
  /**
   * The security group of the functions and jobs, which the database admits on its port.
   *
   * @default - a new group, its id in the stack output `SourceClientSecurityGroupId`
   */
  readonly clientSecurityGroup?: ec2.ISecurityGroup;
}

/**
 * The network the functions and jobs that read sources run in. With `store: redis`, the cache's
 * VPC and its client group, which a Postgres database must admit too (the cache must then live
 * in the database's VPC). Otherwise, when `options` are given (a Postgres source, or the capture
 * relay's database), their VPC and subnets with a client security group (given or created) that
 * the user admits on the database. Without either, none: the functions run outside any VPC (with
 * a Postgres source a warning says the database must then be reachable from the internet).
 */
export function sourceNetwork(
  scope: Construct,
  types: readonly TypeConfig[],
  store: IndexStoreResources,
  options: SourceNetworkOptions | undefined,
): CacheNetwork | undefined {
  const network = storeNetwork(store);
  const postgres = types.filter((type) => type.source.type === 'postgres').map((type) => type.name);
  const names = postgres.map((name) => `"${name}"`).join(', ');
  if (network) {
    if (options && (options.vpc !== network.vpc || options.subnets || options.clientSecurityGroup)) {
      throw new Error(
        `${scope.node.path}: with store: redis the functions and jobs run in the cache's VPC with its client security group: ` +
          "create the cache in the database's VPC (the data side's cache.vpc and cache.vpcSubnets) and leave sourceNetwork unset",
      );
    }
    if (postgres.length > 0) Annotations.of(scope).addInfo(`types ${names} read Postgres from the cache's VPC: admit its client security group on the database's port.`);
    return network;
  }
  if (!options) {
    if (postgres.length > 0) {
      Annotations.of(scope).addWarningV2(
        'freshindex:postgres-outside-vpc',
        `types ${names} read Postgres from functions outside any VPC: the database must be reachable from the internet. Set sourceNetwork to run them in its VPC.`,
      );
    }
    return undefined;
  }
  const clientSecurityGroup =
    options.clientSecurityGroup ??
    new ec2.SecurityGroup(scope, 'SourceClients', {
      vpc: options.vpc,
      description: 'freshindex functions and jobs reading Postgres sources: admit this group on the database port',
      allowAllOutbound: true,
    });
  if (!options.clientSecurityGroup) {
    new CfnOutput(Stack.of(scope), 'SourceClientSecurityGroupId', {
      value: clientSecurityGroup.securityGroupId,
      description: 'Admit this security group on the Postgres database port (freshindex functions and jobs)',
    });
  }
  return { vpc: options.vpc, subnets: options.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, clientSecurityGroup };
}
