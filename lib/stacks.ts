import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { FreshindexCompute, type FreshindexComputeProps } from './compute.ts';
import { FreshindexData, type FreshindexDataProps, type FreshindexDataResources } from './data.ts';

/** Props of {@link FreshindexDataStack}. */
export interface FreshindexDataStackProps extends StackProps, FreshindexDataProps {}

/**
 * The stateful stack: tables (or the Valkey cache and its VPC), topics and queues (see {@link FreshindexData}). Deploy it once;
 * compute redeploys never touch it.
 */
export class FreshindexDataStack extends Stack {
  /** What the compute stack needs. */
  public readonly resources: FreshindexData;

  constructor(scope: Construct, id: string, props: FreshindexDataStackProps) {
    super(scope, id, props);
    this.resources = new FreshindexData(this, 'Data', props);
    const data: FreshindexDataResources = this.resources;
    if (data.store.type === 'dynamodb') {
      new CfnOutput(this, 'IndexTableName', { value: data.store.indexTable.tableName, description: 'The index table (readers need it)' });
      new CfnOutput(this, 'ControlTableName', { value: data.store.controlTable.tableName, description: 'The control table (readers need it)' });
    } else {
      new CfnOutput(this, 'RedisUrl', { value: data.store.cache.url, description: 'The index cache, TLS (readers need it)' });
      new CfnOutput(this, 'RedisAuthSecretArn', { value: data.store.cache.authSecret.secretArn, description: 'The secret holding its AUTH token (readers need secretsmanager:GetSecretValue)' });
    }
    new CfnOutput(this, 'ChangeTopicArn', { value: data.changeTopic.topicArn, description: 'Where the CMS publishes change events' });
    new CfnOutput(this, 'TopicKeyArn', { value: data.topicKey.keyArn, description: 'Publishers need kms:GenerateDataKey* and kms:Decrypt on it' });
    new CfnOutput(this, 'AlertsTopicArn', { value: data.alertsTopic.topicArn });
    new CfnOutput(this, 'NotificationsTopicArn', { value: data.notificationsTopic.topicArn });
    new CfnOutput(this, 'ApplyDeadLetterQueueUrl', { value: data.applyQueue.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'VerifyDeadLetterQueueUrl', { value: data.verifyQueue.deadLetterQueue.queueUrl });
  }
}

/** Props of {@link FreshindexComputeStack}. */
export interface FreshindexComputeStackProps extends StackProps, FreshindexComputeProps {}

/** The stateless stack: functions, Batch jobs, schedules, API (see {@link FreshindexCompute}). */
export class FreshindexComputeStack extends Stack {
  public readonly compute: FreshindexCompute;

  constructor(scope: Construct, id: string, props: FreshindexComputeStackProps) {
    super(scope, id, props);
    this.compute = new FreshindexCompute(this, 'Compute', props);
    new CfnOutput(this, 'ApiUrl', { value: this.compute.api.url, description: 'The ops API (IAM/SigV4 authorization)' });
    new CfnOutput(this, 'JobQueueArn', { value: this.compute.jobs.jobQueue.jobQueueArn });
    new CfnOutput(this, 'JobDefinitionArn', { value: this.compute.jobs.jobDefinition.jobDefinitionArn });
  }
}
