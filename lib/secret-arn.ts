import { ArnFormat, type Stack } from 'aws-cdk-lib';

/** A secret's ARN pattern: a full ARN as given, a partial ARN or a name with Secrets Manager's 6-character suffix. */
export function secretArn(stack: Stack, secretId: string): string {
  if (secretId.startsWith('arn:')) {
    const name = stack.splitArn(secretId, ArnFormat.COLON_RESOURCE_NAME).resourceName ?? '';
    return /-[A-Za-z0-9]{6}$/.test(name) ? secretId : `${secretId}-??????`;
  }
  return stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${secretId}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}
