import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** Where a function or job runs when it must reach the cache: subnets and the one security group the cache admits. */
export interface CacheNetwork {
  /** The VPC of the cache. */
  readonly vpc: ec2.IVpc;
  /** The subnets functions and jobs run in (private, with a route out through NAT). */
  readonly subnets: ec2.SubnetSelection;
  /** The security group of every cache client: the cache admits this group, on its port, and nothing else. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
}

/** Options of {@link createFreshindexVpc}. */
export interface FreshindexVpcOptions {
  /** How long the rejected-traffic flow logs are kept. */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * Free gateway endpoints for DynamoDB and S3, so that traffic to them (DynamoDB sources and
   * tables, the job image's layers) skips the NAT gateway and its per-GB charge.
   */
  readonly gatewayEndpoints?: boolean;
}

/**
 * The VPC freshindex creates when none is given: two AZs, a public subnet per AZ holding one NAT
 * gateway, private subnets with egress, and flow logs of rejected traffic.
 */
export function createFreshindexVpc(scope: Construct, options: FreshindexVpcOptions = {}): ec2.Vpc {
  const flowLogs = new logs.LogGroup(scope, 'FlowLogs', { retention: options.flowLogRetention ?? logs.RetentionDays.ONE_MONTH });
  return new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'jobs', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
    ],
    flowLogs: {
      rejected: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.REJECT },
    },
    ...(options.gatewayEndpoints
      ? {
          gatewayEndpoints: {
            DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
            S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
          },
        }
      : {}),
  });
}
