import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TABLE_KEYS, TTL_ATTRIBUTE, type KeyAttribute } from '../lambdas/adapters/dynamodb/schema.ts';
import { acknowledge } from './nag.ts';

export { TTL_ATTRIBUTE } from '../lambdas/adapters/dynamodb/schema.ts';

/** A key attribute of the shared schema as the CDK takes it. */
function cdkKey(key: KeyAttribute): dynamodb.Attribute {
  return { name: key.name, type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER };
}

/** The two tables every freshindex component reads or writes. */
export interface IndexTableSet {
  /** Records of every generation: `pk` (S) = `${type}#${generation}#${bucket}`, `sk` (S) = id. */
  readonly indexTable: dynamodb.ITable;
  /** Pointers, catch-up logs, quarantine, build and audit records: `pk` (S), `sk` (S). */
  readonly controlTable: dynamodb.ITable;
}

/** Props of {@link IndexTables}. */
export interface IndexTablesProps {
  /**
   * What happens to the tables when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Whether CloudFormation refuses to delete the tables.
   *
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * A customer-managed key to encrypt the tables with. Every reader then needs `kms:Decrypt` on it.
   *
   * @default - the AWS-managed key of DynamoDB (`aws/dynamodb`)
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Whether point-in-time recovery is on.
   *
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;
  /**
   * Warm write throughput (units per second) the index table is created or raised to, so a large
   * first load is not throttled while the on-demand table scales. Each raise is billed once and
   * warm throughput never goes down (docs/rebuild.md). The rebuild job raises it further before a
   * large load by itself.
   *
   * @default - DynamoDB's own (4,000 writes/s for a new on-demand table, then its peak)
   */
  readonly indexWarmWritesPerSecond?: number;
}

/**
 * The index table and the control table: on-demand, encrypted, point-in-time recovery, TTL on
 * `expiresAt` (tombstones, finished catch-up logs), retained when the stack goes away.
 */
export class IndexTables extends Construct implements IndexTableSet {
  /** Records of every generation (`pk` S, `sk` S), each generation in 64 partitions of its own. */
  public readonly indexTable: dynamodb.Table;
  /** Pointers and other control items (`pk` S, `sk` S). */
  public readonly controlTable: dynamodb.Table;

  constructor(scope: Construct, id: string, props: IndexTablesProps = {}) {
    super(scope, id);
    const common: Omit<dynamodb.TableProps, 'partitionKey' | 'sortKey'> = {
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: props.encryptionKey ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.AWS_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      deletionProtection: props.deletionProtection ?? true,
    };
    this.indexTable = new dynamodb.Table(this, 'IndexTable', {
      ...common,
      partitionKey: cdkKey(TABLE_KEYS.index.partitionKey),
      sortKey: cdkKey(TABLE_KEYS.index.sortKey),
      ...(props.indexWarmWritesPerSecond === undefined ? {} : { warmThroughput: { writeUnitsPerSecond: props.indexWarmWritesPerSecond } }),
    });
    this.controlTable = new dynamodb.Table(this, 'ControlTable', {
      ...common,
      partitionKey: cdkKey(TABLE_KEYS.control.partitionKey),
      sortKey: cdkKey(TABLE_KEYS.control.sortKey),
    });
    if (props.pointInTimeRecovery === false) {
      acknowledge(this, { 'AwsSolutions-DDB3': 'Point-in-time recovery was turned off explicitly by the pointInTimeRecovery prop.' });
    }
  }
}
