import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, roleOfFunctionWithEnv, statementsOfRole, synthFreshindex, type Synthesized } from './support.ts';

/** The `sqs:` actions the API role allows on each resource it names (the export of each queue's ARN). */
function sqsActionsByQueue(synthesized: Synthesized): Record<string, string[]> {
  const template = synthesized.computeTemplate;
  const byResource: Record<string, Set<string>> = {};
  for (const statement of statementsOfRole(template, roleOfFunctionWithEnv(template, 'FRESHINDEX_JOB_DEFINITION'))) {
    const actions = actionsOf([statement]).filter((action) => action.startsWith('sqs:'));
    for (const resource of [statement['Resource']].flat()) {
      const name = /Data:ExportsOutputFnGetAttData(\w+?)[0-9A-F]{8}Arn/.exec(JSON.stringify(resource))?.[1] ?? JSON.stringify(resource);
      for (const action of actions) (byResource[name] ??= new Set()).add(action);
    }
  }
  return Object.fromEntries(Object.entries(byResource).map(([name, actions]) => [name, [...actions].sort()]));
}

describe('the ops API function and the dead-letter queues', () => {
  let synthesized: Synthesized;
  beforeAll(async () => {
    synthesized = await synthFreshindex();
  }, 60_000);

  it('names both consumer queues and their dead-letter queues in its environment', () => {
    const template = synthesized.computeTemplate;
    const role = roleOfFunctionWithEnv(template, 'FRESHINDEX_JOB_DEFINITION');
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((candidate) => JSON.stringify(candidate['Properties']['Role']).includes(role));
    const variables = JSON.stringify(fn?.['Properties']['Environment']['Variables']);

    expect(variables).toMatch(/"FRESHINDEX_DEAD_LETTERS_APPLY_DLQ_URL":\{"Fn::ImportValue":"[^"]*ApplyQueueDeadLetterQueue/);
    expect(variables).toMatch(/"FRESHINDEX_DEAD_LETTERS_APPLY_QUEUE_URL":\{"Fn::ImportValue":"[^"]*ApplyQueue[0-9A-F]{8}/);
    expect(variables).toMatch(/"FRESHINDEX_DEAD_LETTERS_VERIFY_DLQ_URL":\{"Fn::ImportValue":"[^"]*VerifyQueueDeadLetterQueue/);
    expect(variables).toMatch(/"FRESHINDEX_DEAD_LETTERS_VERIFY_QUEUE_URL":\{"Fn::ImportValue":"[^"]*VerifyQueue[0-9A-F]{8}/);
  });

  it('lets it peek, redrive, purge and count on the two dead-letter queues only, and only send to their consumer queues', () => {
    const deadLetterActions = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ListMessageMoveTasks', 'sqs:PurgeQueue', 'sqs:ReceiveMessage', 'sqs:StartMessageMoveTask'];

    expect(sqsActionsByQueue(synthesized)).toEqual({
      ApplyQueueDeadLetterQueue: deadLetterActions,
      VerifyQueueDeadLetterQueue: deadLetterActions,
      ApplyQueue: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
      VerifyQueue: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
    });
  });

  it('lets it decrypt and encrypt with the queue key, without a wildcard action', () => {
    const template = synthesized.computeTemplate;
    const statements = statementsOfRole(template, roleOfFunctionWithEnv(template, 'FRESHINDEX_JOB_DEFINITION'));
    const queueKey = statements.filter((statement) => JSON.stringify(statement['Resource']).includes('QueueKey'));

    expect(actionsOf(queueKey)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });
});
