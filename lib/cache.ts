import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PropChecks } from './checks.ts';
import { acknowledge } from './nag.ts';
import { createFreshindexVpc, type CacheNetwork } from './network.ts';

/** The memory policy of the index's cache: a full cache refuses writes (`OOM`, retried) and never drops a key. */
export const CACHE_MAXMEMORY_POLICY = 'noeviction';

/** What a function or job needs to use the index's cache. */
export interface IndexCacheRef {
  /** `rediss://host:port` of the primary endpoint: TLS, no credentials (FRESHINDEX_REDIS_URL). */
  readonly url: string;
  /** The secret holding the AUTH token (FRESHINDEX_REDIS_AUTH_SECRET_ARN); its string value is the token. */
  readonly authSecret: secretsmanager.ISecret;
  /** The VPC, subnets and client security group of the cache's users. */
  readonly network: CacheNetwork;
}

/** A cache you already run (ElastiCache for Valkey or Redis OSS, cluster mode disabled, TLS on). */
export interface ExistingCache {
  /** Its primary endpoint's host name. */
  readonly primaryEndpoint: string;
  /** Its port. */
  readonly port: number;
  /** A secret whose string value is its AUTH token. */
  readonly authSecret: secretsmanager.ISecret;
  /** Its security group: freshindex adds a rule admitting its own client security group on `port`. */
  readonly securityGroup: ec2.ISecurityGroup;
}

/** Settings of the index's cache (`store: { type: 'redis' }`). */
export interface ValkeyCacheOptions {
  /**
   * The VPC of the cache, the functions and the jobs.
   *
   * @default - a new VPC: two AZs, one NAT gateway, gateway endpoints for DynamoDB and S3, rejected-traffic flow logs
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The subnets of the cache, the functions and the jobs.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Use this cache instead of creating one (`vpc` is then required).
   *
   * @default - a new replication group
   */
  readonly existing?: ExistingCache;
  /**
   * The node type (docs/redis.md sizes it: about 660 bytes per record, three generations at most).
   *
   * @default 'cache.t4g.small'
   */
  readonly nodeType?: string;
  /**
   * Read replicas besides the primary, in other AZs; with at least one, a failed primary is replaced automatically.
   *
   * @default 1
   */
  readonly replicas?: number;
  /**
   * The Valkey version (its major picks the parameter group family, `valkey8`).
   *
   * @default '8.0'
   */
  readonly engineVersion?: string;
  /**
   * The port (not 6379, the port scanners try first).
   *
   * @default 6380
   */
  readonly port?: number;
  /**
   * A customer-managed key for the data at rest.
   *
   * @default - ElastiCache's AWS-owned key
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Days of daily snapshots kept.
   *
   * @default 1
   */
  readonly snapshotRetentionDays?: number;
  /**
   * What happens to the cache when it leaves the stack.
   *
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
  /** How long the new VPC's flow logs are kept. @default logs.RetentionDays.ONE_MONTH */
  readonly flowLogRetention?: logs.RetentionDays;
}

/**
 * ElastiCache for Valkey holding the whole index and its control state: a replication group
 * (cluster mode disabled) with a primary and `replicas` replicas across AZs, automatic failover,
 * encryption in transit (TLS required) and at rest, an AUTH token generated into Secrets
 * Manager, and a parameter group with `maxmemory-policy noeviction`. Its security group admits
 * only the client security group, on the cache port. Or, with `existing`, your cache.
 */
export class ValkeyCache extends Construct implements IndexCacheRef {
  public readonly url: string;
  public readonly authSecret: secretsmanager.ISecret;
  public readonly network: CacheNetwork;
  /** The replication group (undefined with `existing`). */
  public readonly replicationGroup?: elasticache.CfnReplicationGroup;
  /** The cache's own security group (undefined with `existing`). */
  public readonly securityGroup?: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: ValkeyCacheOptions = {}) {
    super(scope, id);
    new PropChecks(this.node.path)
      .require(props.existing === undefined || props.vpc !== undefined, 'existing needs vpc (the VPC of that cache)')
      .require(!(props.vpc === undefined && props.vpcSubnets !== undefined), 'vpcSubnets needs vpc')
      .inRange('replicas', props.replicas, 0, 5)
      .inRange('port', props.port, 1024, 65_535)
      .inRange('snapshotRetentionDays', props.snapshotRetentionDays, 0, 35)
      .throwIfAny();

    const vpc = props.vpc ?? createFreshindexVpc(this, { flowLogRetention: props.flowLogRetention, gatewayEndpoints: true });
    const subnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const clientSecurityGroup = new ec2.SecurityGroup(this, 'ClientSecurityGroup', {
      vpc,
      description: 'freshindex functions and jobs: the only clients the cache admits',
    });
    this.network = { vpc, subnets, clientSecurityGroup };

    if (props.existing) {
      const { existing } = props;
      // A rule of this construct, whatever stack imported the group: it leaves with freshindex.
      new ec2.CfnSecurityGroupIngress(this, 'ClientIngress', {
        groupId: existing.securityGroup.securityGroupId,
        sourceSecurityGroupId: clientSecurityGroup.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: existing.port,
        toPort: existing.port,
        description: 'freshindex functions and jobs',
      });
      this.authSecret = existing.authSecret;
      this.url = cacheUrl(existing.primaryEndpoint, String(existing.port));
      return;
    }

    const port = props.port ?? 6380;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc, allowAllOutbound: false, description: 'freshindex cache' });
    this.securityGroup.addIngressRule(clientSecurityGroup, ec2.Port.tcp(port), 'freshindex functions and jobs');
    this.authSecret = this.createAuthSecret();
    this.replicationGroup = this.createReplicationGroup(props, vpc.selectSubnets(subnets).subnetIds, port);
    this.url = cacheUrl(this.replicationGroup.attrPrimaryEndPointAddress, this.replicationGroup.attrPrimaryEndPointPort);
  }

  private createAuthSecret(): secretsmanager.Secret {
    // ElastiCache takes 16 to 128 printable characters without space, ", / or @: letters and digits only.
    const secret = new secretsmanager.Secret(this, 'AuthToken', {
      description: 'freshindex: the AUTH token of the index cache',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    acknowledge(secret, {
      'AwsSolutions-SMG4':
        'An ElastiCache AUTH token is rotated by ModifyReplicationGroup (AuthTokenUpdateStrategy ROTATE, then SET) together with the secret; docs/redis.md describes the steps. No managed rotation function exists for AUTH tokens.',
    });
    return secret;
  }

  private createReplicationGroup(props: ValkeyCacheOptions, subnetIds: string[], port: number): elasticache.CfnReplicationGroup {
    const engineVersion = props.engineVersion ?? '8.0';
    const replicas = props.replicas ?? 1;
    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: 'freshindex cache',
      subnetIds,
    });
    const parameterGroup = new elasticache.CfnParameterGroup(this, 'ParameterGroup', {
      description: 'freshindex cache: never evict (tombstones and catch-up logs carry a TTL, records must stay)',
      cacheParameterGroupFamily: `valkey${engineVersion.split('.')[0]}`,
      properties: { 'maxmemory-policy': CACHE_MAXMEMORY_POLICY },
    });
    const group = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'freshindex index',
      engine: 'valkey',
      engineVersion,
      cacheNodeType: props.nodeType ?? 'cache.t4g.small',
      numCacheClusters: 1 + replicas,
      automaticFailoverEnabled: replicas > 0,
      multiAzEnabled: replicas > 0,
      port,
      cacheSubnetGroupName: subnetGroup.ref,
      cacheParameterGroupName: parameterGroup.ref,
      securityGroupIds: [(this.securityGroup as ec2.SecurityGroup).securityGroupId],
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      ...(props.encryptionKey ? { kmsKeyId: props.encryptionKey.keyArn } : {}),
      // A dynamic reference: CloudFormation reads the token from Secrets Manager; the template holds none.
      authToken: this.authSecret.secretValue.unsafeUnwrap(),
      snapshotRetentionLimit: props.snapshotRetentionDays ?? 1,
      autoMinorVersionUpgrade: true,
    });
    group.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.SNAPSHOT);
    if (replicas === 0) {
      acknowledge(group, { 'AwsSolutions-AEC4': 'replicas: 0 was chosen explicitly: one node, no Multi-AZ failover (a failed node is replaced and the index rebuilt).' });
    }
    return group;
  }
}

/** TLS, no credentials: the token comes from the secret. */
function cacheUrl(host: string, port: string): string {
  return `rediss://${host}:${port}`;
}
