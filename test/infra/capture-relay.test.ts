import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFreshindexConfig } from '../../lib/index.ts';
import { actionsOf, roleOfFunctionWithEnv, statementsOfRole, synthFreshindex, type Synthesized } from './support.ts';

const CAPTURE_CONFIG = fileURLToPath(new URL('./fixtures/capture.config.ts', import.meta.url));
const MARKER = 'FRESHINDEX_CHANGE_TOPIC_ARN';

function relayFunction(template: Template): [string, Record<string, any>] {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, fn]) => fn['Properties']['Environment']?.['Variables']?.[MARKER] !== undefined);
  if (!found) throw new Error('no capture relay function');
  return found;
}

describe('the capture relay on AWS', () => {
  let synthesized: Synthesized;
  beforeAll(async () => {
    const config = await loadFreshindexConfig(CAPTURE_CONFIG);
    synthesized = await synthFreshindex({
      config,
      compute: (data) => {
        const vpc = new ec2.Vpc(data, 'DatabaseVpc', { maxAzs: 2, natGateways: 1 });
        return { capture: { vpc, databaseSecurityGroup: new ec2.SecurityGroup(data, 'Database', { vpc }) } };
      },
    });
  }, 120_000);

  it('runs one relay at a time, every minute, for at most a minute', () => {
    const template = synthesized.computeTemplate;
    const [id, fn] = relayFunction(template);

    expect(fn['Properties']).toMatchObject({ Timeout: 60, ReservedConcurrentExecutions: 1, VpcConfig: { SubnetIds: expect.anything() } });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id, 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: id }, MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 120 });
  });

  it('lets the relay read the database secret and publish to the change topic, nothing more', () => {
    const template = synthesized.computeTemplate;
    const statements = statementsOfRole(template, roleOfFunctionWithEnv(template, MARKER));
    const secret = statements.find((statement) => actionsOf([statement]).includes('secretsmanager:GetSecretValue'));

    expect(actionsOf(statements).filter((action) => !action.startsWith('logs:') && !action.startsWith('xray:') && !action.startsWith('ec2:'))).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey*',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'sns:Publish',
    ]);
    expect(JSON.stringify(secret?.['Resource'])).toContain('secret:shop/db-??????');
  });

  it("admits the relay's security group on the database's port", () => {
    synthesized.computeTemplate.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: Match.anyValue(),
    });
  });

  it("runs the relay in the Postgres source's network, with the client security group the database admits", async () => {
    const config = await loadFreshindexConfig(fileURLToPath(new URL('./fixtures/capture-source.config.ts', import.meta.url)));
    const withSource = await synthFreshindex({ config, compute: (data) => ({ sourceNetwork: { vpc: new ec2.Vpc(data, 'DatabaseVpc', { maxAzs: 2, natGateways: 1 }) } }) });
    const template = withSource.computeTemplate;
    const groups = Object.values(template.findResources('AWS::Lambda::Function')).map((fn) => JSON.stringify(fn['Properties']['VpcConfig']?.['SecurityGroupIds']));

    expect(relayFunction(template)[1]['Properties']['VpcConfig']['SecurityGroupIds']).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/SourceClients/), 'GroupId'] }]);
    expect(new Set(groups.filter((group) => group?.includes('SourceClients'))).size).toBe(1);
  });

  it('builds no relay for a config without capture', async () => {
    const plain = await synthFreshindex();

    expect(() => relayFunction(plain.computeTemplate)).toThrow('no capture relay function');
  });
});
