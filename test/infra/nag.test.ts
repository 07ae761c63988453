import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { loadFreshindexConfig } from '../../lib/index.ts';
import { fileURLToPath } from 'node:url';
import { buildFreshindex, FANOUT_FIXTURE_CONFIG, REDIS_FIXTURE_CONFIG } from './support.ts';

const CAPTURE_FIXTURE_CONFIG = fileURLToPath(new URL('./fixtures/capture.config.ts', import.meta.url));

function violations(scope: IConstruct): string[] {
  return new AwsSolutionsChecks(scope)
    .validateScope(scope)
    .violations.map((violation) => `${violation.severity} ${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

function acknowledgments(scope: IConstruct): Array<{ path: string; id: string; reason: string }> {
  return scope.node.findAll().flatMap((node) =>
    node.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: node.node.path, id, reason }))),
  );
}

describe('cdk-nag AwsSolutions checks', () => {
  it('finds nothing unacknowledged in the data stack and the compute stack', async () => {
    const { data, compute } = await buildFreshindex({ data: { alertEmails: ['oncall@example.com'] } });

    expect([...violations(data), ...violations(compute)]).toEqual([]);
  });

  it('finds nothing unacknowledged with store: redis (cache, VPC, functions in the VPC)', async () => {
    const { data, compute } = await buildFreshindex({ config: await loadFreshindexConfig(REDIS_FIXTURE_CONFIG) });

    expect([...violations(data), ...violations(compute)]).toEqual([]);
  });

  it('finds nothing unacknowledged with per-type apply queues (their queues, functions and roles)', async () => {
    const { data, compute } = await buildFreshindex({ config: await loadFreshindexConfig(FANOUT_FIXTURE_CONFIG) });

    expect([...violations(data), ...violations(compute)]).toEqual([]);
  });

  it('finds nothing unacknowledged with the Postgres capture relay (function in a VPC, database secret)', async () => {
    const { data, compute } = await buildFreshindex({ config: await loadFreshindexConfig(CAPTURE_FIXTURE_CONFIG) });

    expect([...violations(data), ...violations(compute)]).toEqual([]);
  });

  it('gives every acknowledged finding a reason', async () => {
    const { app } = await buildFreshindex();
    const acknowledged = acknowledgments(app).filter((ack) => ack.id.includes('AwsSolutions-'));

    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.filter((ack) => ack.reason.trim().length < 30)).toEqual([]);
  });

  it('lets synthesis through with the AwsSolutions plugin registered, as bin/app.ts does', async () => {
    const { app } = await buildFreshindex();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).not.toThrow();
  });

  it('still reports a wildcard grant nobody acknowledged', async () => {
    const { compute } = await buildFreshindex();
    compute.compute.jobs.jobRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['arn:aws:s3:::bucket'] }));

    expect(violations(compute)).toEqual([expect.stringContaining('AwsSolutions-IAM5[Action::s3:*]')]);
  });

  it('still reports a wildcard resource added to a function role: only the X-Ray statement is acknowledged', async () => {
    const { compute } = await buildFreshindex();
    compute.compute.apply.consumer.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));

    expect(violations(compute)).toEqual([expect.stringMatching(/AwsSolutions-IAM5\[Resource::\*\] at .*Apply\/Consumer\/Handler\/Role\/DefaultPolicy/)]);
  });

  it('still reports a wildcard resource added to a function role in the VPC: only its network-interface policy is acknowledged', async () => {
    const { compute } = await buildFreshindex({ config: await loadFreshindexConfig(REDIS_FIXTURE_CONFIG) });
    compute.compute.verify.consumer.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeVpcs'], resources: ['*'] }));

    expect(violations(compute)).toEqual([expect.stringMatching(/AwsSolutions-IAM5\[Resource::\*\] at .*Verify\/Consumer\/Handler\/Role\/DefaultPolicy/)]);
  });

  it('still reports a wildcard resource added to the job role: only the execution role pulls images', async () => {
    const { compute } = await buildFreshindex();
    compute.compute.jobs.jobRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));

    expect(violations(compute)).toEqual([expect.stringMatching(/AwsSolutions-IAM5\[Resource::\*\] at .*Jobs\/JobRole\/DefaultPolicy/)]);
  });

  it('acknowledges each wildcard on the policy or role that holds it, never on a whole construct', async () => {
    const { app } = await buildFreshindex({ config: await loadFreshindexConfig(REDIS_FIXTURE_CONFIG) });
    const iam5 = acknowledgments(app).filter((ack) => ack.id.includes('AwsSolutions-IAM5'));

    expect(iam5.length).toBeGreaterThan(0);
    expect(iam5.filter((ack) => !/\/(Tracing|VpcAccess|Role|JobRole|ExecutionRole|ArrayJobs|WatchJobs|MetricsRead)$/.test(ack.path))).toEqual([]);
  });
});
