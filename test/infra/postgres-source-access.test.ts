/** The CDK side of a Postgres source: the functions and jobs that read it run where they reach the database, with its secret. */
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFreshindexConfig, type FreshindexConfigFile } from '../../lib/index.ts';
import { roleOfFunctionWithEnv, statementsOfRole, synthFreshindex, type Synthesized } from './support.ts';

const POSTGRES_FIXTURE_CONFIG = fileURLToPath(new URL('./fixtures/postgres.config.ts', import.meta.url));
const READERS = ['FRESHINDEX_APPLY_DLQ_URL', 'FRESHINDEX_VERIFY_DLQ_URL', 'FRESHINDEX_JOB_DEFINITION'];

function functionWithEnv(template: Template, variable: string): Record<string, unknown> {
  const found = Object.values(template.findResources('AWS::Lambda::Function')).find((fn) => fn['Properties']['Environment']?.['Variables']?.[variable] !== undefined);
  return found?.['Properties'] as Record<string, unknown>;
}

describe('a Postgres source on AWS', () => {
  let config: FreshindexConfigFile;
  beforeAll(async () => {
    config = await loadFreshindexConfig(POSTGRES_FIXTURE_CONFIG);
  }, 60_000);

  describe('with sourceNetwork', () => {
    let synthesized: Synthesized;
    beforeAll(async () => {
      synthesized = await synthFreshindex({ config, compute: (data) => ({ sourceNetwork: { vpc: new ec2.Vpc(data, 'DatabaseVpc', { maxAzs: 2 }) } }) });
    }, 60_000);

    it('runs the apply, verify and API functions in the database VPC with one client security group, output for the database to admit', () => {
      const template = synthesized.computeTemplate;
      const groups = READERS.map((variable) => JSON.stringify((functionWithEnv(template, variable)['VpcConfig'] as Record<string, unknown>)['SecurityGroupIds']));
      const outputs = template.findOutputs('SourceClientSecurityGroupId');

      expect(new Set(groups).size).toBe(1);
      expect(groups[0]).toMatch(/SourceClients/);
      expect(JSON.stringify(outputs)).toMatch(/SourceClients.*GroupId/);
      template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    });

    it('runs the rebuild and audit jobs in the same VPC and security group, creating no VPC of their own', () => {
      const template = synthesized.computeTemplate;
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
        ComputeResources: Match.objectLike({ SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('SourceClients'), 'GroupId'] }] }),
      });
      template.resourceCountIs('AWS::EC2::VPC', 0);
    });

    it('lets the functions and the jobs read the connection secret, and only that secret of the source', () => {
      const template = synthesized.computeTemplate;
      const jobRole = Object.values(template.findResources('AWS::Batch::JobDefinition'))[0]?.['Properties']['ContainerProperties']['JobRoleArn']['Fn::GetAtt'][0] as string;
      for (const role of [roleOfFunctionWithEnv(template, 'FRESHINDEX_APPLY_DLQ_URL'), jobRole]) {
        const secret = statementsOfRole(template, role).find((statement) => statement['Action'] === 'secretsmanager:GetSecretValue');
        expect(JSON.stringify(secret?.['Resource'])).toContain(':secret:catalog/db-??????');
      }
    });

    it('adds nothing cdk-nag (AwsSolutions) finds unacknowledged to the compute stack', () => {
      const found = new AwsSolutionsChecks(synthesized.compute).validateScope(synthesized.compute).violations;

      expect(found.map((violation) => `${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    });

    it('leaves the monitor outside the VPC: it reads no source', () => {
      expect(functionWithEnv(synthesized.computeTemplate, 'FRESHINDEX_MONITOR_STUCK_MINUTES')['VpcConfig']).toBeUndefined();
    });
  });

  it('warns at synth when the functions would read Postgres from outside any VPC', async () => {
    const { computeTemplate, compute } = await synthFreshindex({ config });

    expect(functionWithEnv(computeTemplate, 'FRESHINDEX_APPLY_DLQ_URL')['VpcConfig']).toBeUndefined();
    Annotations.fromStack(compute).hasWarning('*', Match.stringLikeRegexp('types "offer" read Postgres from functions outside any VPC'));
  });

  it("refuses a sourceNetwork VPC other than the cache's with store: redis (a function lives in one VPC)", async () => {
    const redis = { ...config, config: { ...config.config, store: { type: 'redis' as const, keyPrefix: 'fi:' } } };

    const synth = synthFreshindex({ config: redis, compute: (data) => ({ sourceNetwork: { vpc: new ec2.Vpc(data, 'DatabaseVpc') } }) });

    await expect(synth).rejects.toThrow(/with store: redis the functions and jobs run in the cache's VPC/);
  });
});
