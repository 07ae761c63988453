import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag findings on `scope` and everything under it, each with its reason.
 * Ids are exact findings (`AwsSolutions-IAM5[Resource::*]`): cdk-nag 3 has no prefix matching,
 * so a new kind of wildcard surfaces instead of hiding behind an old acknowledgment.
 */
export function acknowledge(scope: IConstruct, findings: Record<string, string>): void {
  Validations.of(scope).acknowledge(...Object.entries(findings).map(([id, reason]) => ({ id, reason })));
}

/** Publishing on a KMS-encrypted topic (`topic.grantPublish`) needs the GenerateDataKey family. */
export const KMS_PUBLISH_ACTIONS: Record<string, string> = {
  'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]':
    'Publishing on or sending to a KMS-encrypted topic or queue needs the GenerateDataKey family, on that one key only.',
};

/** Sending to a KMS-encrypted queue (`queue.grantSendMessages`) also carries ReEncrypt. */
export const KMS_SEND_ACTIONS: Record<string, string> = {
  ...KMS_PUBLISH_ACTIONS,
  'AwsSolutions-IAM5[Action::kms:ReEncrypt*]': 'CDK\'s SQS send grant includes the ReEncrypt family, on the queue\'s key only.',
};
