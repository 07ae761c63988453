import { Stack } from 'aws-cdk-lib';
import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFreshindexConfig, type FreshindexConfigFile } from '../../lib/index.ts';
import { actionsOf, REDIS_FIXTURE_CONFIG, roleOfFunctionWithEnv, statementsOfRole, synthFreshindex, type Synthesized } from './support.ts';

const ROLE_MARKERS = ['FRESHINDEX_APPLY_DLQ_URL', 'FRESHINDEX_VERIFY_DLQ_URL', 'FRESHINDEX_JOB_DEFINITION', 'FRESHINDEX_MONITOR_STUCK_MINUTES'];

function jobEnvironment(template: Template): Record<string, unknown> {
  const [definition] = Object.values(template.findResources('AWS::Batch::JobDefinition'));
  const entries = definition?.['Properties']['ContainerProperties']['Environment'] as Array<{ Name: string; Value: unknown }>;
  return Object.fromEntries(entries.map((entry) => [entry.Name, entry.Value]));
}

function jobRoleId(template: Template): string {
  const [definition] = Object.values(template.findResources('AWS::Batch::JobDefinition'));
  return definition?.['Properties']['ContainerProperties']['JobRoleArn']['Fn::GetAtt'][0] as string;
}

describe('the stacks with store: redis', () => {
  let config: FreshindexConfigFile;
  let synthesized: Synthesized;
  beforeAll(async () => {
    config = await loadFreshindexConfig(REDIS_FIXTURE_CONFIG);
    synthesized = await synthFreshindex({ config });
  }, 60_000);

  it('creates a Valkey replication group with TLS required, encryption at rest, an AUTH token from the secret and Multi-AZ failover', () => {
    const secret = new Capture();
    synthesized.dataTemplate.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 1);
    synthesized.dataTemplate.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'valkey',
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AtRestEncryptionEnabled: true,
      AuthToken: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secret }, ':SecretString:::}}']] },
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      Port: 6380,
    });
    expect(secret.asString()).toMatch(/AuthToken/);
    synthesized.dataTemplate.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }),
    });
  });

  it('never evicts: the replication group uses a parameter group with maxmemory-policy noeviction', () => {
    const group = new Capture();
    synthesized.dataTemplate.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { CacheParameterGroupName: { Ref: group } });

    synthesized.dataTemplate.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      CacheParameterGroupFamily: 'valkey8',
      Properties: { 'maxmemory-policy': 'noeviction' },
    });
    expect(synthesized.dataTemplate.findResources('AWS::ElastiCache::ParameterGroup')[group.asString()]).toBeDefined();
  });

  it('keeps no index or control table: all state lives in the cache', () => {
    synthesized.dataTemplate.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(Object.keys(synthesized.dataTemplate.toJSON()['Outputs'])).toEqual(expect.arrayContaining(['RedisUrl', 'RedisAuthSecretArn']));
  });

  it('admits only the client security group, on the cache port, and lets the cache send nothing out', () => {
    const template = synthesized.dataTemplate;
    const cacheGroup = new Capture();
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { SecurityGroupIds: [{ 'Fn::GetAtt': [cacheGroup, 'GroupId'] }] });
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((rule) => rule['Properties']);
    const inline = Object.values(template.findResources('AWS::EC2::SecurityGroup')).flatMap((group) => group['Properties']['SecurityGroupIngress'] ?? []);

    expect(inline).toEqual([]);
    expect(ingress).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 6380,
        ToPort: 6380,
        GroupId: { 'Fn::GetAtt': [cacheGroup.asString(), 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/ClientSecurityGroup/), 'GroupId'] },
      }),
    ]);
    const cache = template.findResources('AWS::EC2::SecurityGroup')[cacheGroup.asString()];
    expect(cache?.['Properties']['SecurityGroupEgress']).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' })]);
  });

  it('places every function and the Batch compute environment in the private subnets with the client security group', () => {
    const template = synthesized.computeTemplate;
    const clientGroup = { 'Fn::ImportValue': Match.stringLikeRegexp('ClientSecurityGroup') };
    template.allResourcesProperties('AWS::Lambda::Function', {
      VpcConfig: { SecurityGroupIds: [clientGroup], SubnetIds: [{ 'Fn::ImportValue': Match.stringLikeRegexp('jobsSubnet1') }, { 'Fn::ImportValue': Match.stringLikeRegexp('jobsSubnet2') }] },
    });
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ SecurityGroupIds: [clientGroup], Subnets: [Match.anyValue(), Match.anyValue()] }),
    });
  });

  it('gives every function and the job the TLS URL and the secret ARN, never a table or a token', () => {
    const template = synthesized.computeTemplate;
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).map((fn) => fn['Properties']['Environment']['Variables'] as Record<string, unknown>);
    const environments = [...functions, jobEnvironment(template)];

    expect(environments).toHaveLength(functions.length + 1);
    expect(functions.length).toBeGreaterThanOrEqual(4);
    for (const env of environments) {
      expect(JSON.stringify(env['FRESHINDEX_REDIS_URL'])).toMatch(/^\{"Fn::Join":\["",\["rediss:\/\/",.*PrimaryEndPointAddress.*":",.*PrimaryEndPointPort/);
      expect(JSON.stringify(env['FRESHINDEX_REDIS_AUTH_SECRET_ARN'])).toMatch(/AuthToken/);
      expect(Object.keys(env).filter((name) => /TABLE$/.test(name))).toEqual([]);
      expect(JSON.stringify(env)).not.toContain('resolve:secretsmanager');
    }
  });

  it('lets the functions and the job read the AUTH secret, and nothing of any index table', () => {
    const template = synthesized.computeTemplate;
    const roles = [...ROLE_MARKERS.map((marker) => roleOfFunctionWithEnv(template, marker)), jobRoleId(template)];

    for (const role of roles) {
      const statements = statementsOfRole(template, role);
      const secretReads = statements.filter((statement) => JSON.stringify(statement['Resource']).includes('AuthToken'));
      expect(actionsOf(secretReads), role).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
      const tables = statements.filter((statement) => JSON.stringify(statement['Resource']).match(/IndexTable|ControlTable/));
      expect(tables, role).toEqual([]);
    }
  });

  it('keeps the DynamoDB source grants: a DynamoDB source still needs its table', () => {
    const template = synthesized.computeTemplate;
    const statements = statementsOfRole(template, roleOfFunctionWithEnv(template, 'FRESHINDEX_APPLY_DLQ_URL'));

    expect(JSON.stringify(statements)).toContain('table/catalog-products');
  });

  it('gives each function its network-interface permissions in a policy the function waits for', () => {
    const template = synthesized.computeTemplate;
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { PolicyDocument: { Statement: [Match.objectLike({ Action: Match.arrayWith(['ec2:CreateNetworkInterface']), Resource: '*' })] } },
    });
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));

    expect(Object.keys(policies)).toHaveLength(functions.length);
    for (const fn of functions) expect(fn['DependsOn']).toEqual(expect.arrayContaining([expect.stringMatching(/VpcAccess/)]));
  });
});

describe('the stacks with store: redis and an existing VPC and cache', () => {
  it('creates no cache, admits its client security group on the given cache group and points the functions at that endpoint', async () => {
    const config = await loadFreshindexConfig(REDIS_FIXTURE_CONFIG);
    const external = new Stack(undefined, 'Network');
    const vpc = ec2.Vpc.fromVpcAttributes(external, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a', 'eu-west-1b'], privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
    });
    const existing = {
      primaryEndpoint: 'master.idx.abc123.euw1.cache.amazonaws.com',
      port: 6379,
      authSecret: secretsmanager.Secret.fromSecretCompleteArn(external, 'Token', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:idx-token-AbCdEf'),
      securityGroup: ec2.SecurityGroup.fromSecurityGroupId(external, 'CacheGroup', 'sg-0cccccccccccccccc'),
    };

    const { dataTemplate, computeTemplate } = await synthFreshindex({ config, data: { cache: { vpc, existing } } });

    dataTemplate.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 0);
    dataTemplate.resourceCountIs('AWS::EC2::VPC', 0);
    dataTemplate.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-0cccccccccccccccc', FromPort: 6379, ToPort: 6379, IpProtocol: 'tcp' });
    computeTemplate.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ FRESHINDEX_REDIS_URL: 'rediss://master.idx.abc123.euw1.cache.amazonaws.com:6379', FRESHINDEX_REDIS_AUTH_SECRET_ARN: existing.authSecret.secretArn }) },
      VpcConfig: Match.objectLike({ SubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'] }),
    });
  });

  it('refuses an existing cache without its VPC, and jobs.vpc beside the cache, in one error each', async () => {
    const config = await loadFreshindexConfig(REDIS_FIXTURE_CONFIG);
    const other = new Stack();
    const secret = secretsmanager.Secret.fromSecretNameV2(other, 'S', 'token');
    const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(other, 'G', 'sg-1');
    const vpc = ec2.Vpc.fromVpcAttributes(other, 'V', { vpcId: 'vpc-1', availabilityZones: ['a'], privateSubnetIds: ['s'] });

    await expect(synthFreshindex({ config, data: { cache: { existing: { primaryEndpoint: 'h', port: 6379, authSecret: secret, securityGroup } } } })).rejects.toThrow(/existing needs vpc/);
    await expect(synthFreshindex({ config, compute: { jobs: { vpc } } })).rejects.toThrow(/jobs run in the cache's VPC/);
  });
});

describe('the stacks with store: dynamodb', () => {
  it('put no function in a VPC and create no cache, secret or Redis variable', async () => {
    const { dataTemplate, computeTemplate } = await synthFreshindex();

    dataTemplate.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 0);
    dataTemplate.resourceCountIs('AWS::SecretsManager::Secret', 0);
    dataTemplate.resourceCountIs('AWS::EC2::VPC', 0);
    dataTemplate.resourceCountIs('AWS::DynamoDB::Table', 2);
    for (const fn of Object.values(computeTemplate.findResources('AWS::Lambda::Function'))) {
      expect(fn['Properties']['VpcConfig']).toBeUndefined();
      expect(Object.keys(fn['Properties']['Environment']['Variables']).filter((name) => name.startsWith('FRESHINDEX_REDIS'))).toEqual([]);
    }
    expect(Object.keys(jobEnvironment(computeTemplate)).filter((name) => name.startsWith('FRESHINDEX_REDIS'))).toEqual([]);
  });
});
