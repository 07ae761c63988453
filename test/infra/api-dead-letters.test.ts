import { beforeAll, describe, expect, it } from 'vitest';
import { loadFreshindexConfig } from '../../lib/index.ts';
import { actionsOf, FANOUT_FIXTURE_CONFIG, roleOfFunctionWithEnv, statementsOfRole, synthFreshindex, type Synthesized } from './support.ts';

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

describe('the ops API function and the own apply queues\' dead-letter queues', () => {
  let synthesized: Synthesized;
  beforeAll(async () => {
    synthesized = await synthFreshindex({ config: await loadFreshindexConfig(FANOUT_FIXTURE_CONFIG) });
  }, 60_000);

  it('names each own apply queue and its dead-letter queue, by type, in its environment', () => {
    const template = synthesized.computeTemplate;
    const role = roleOfFunctionWithEnv(template, 'FRESHINDEX_JOB_DEFINITION');
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((candidate) => JSON.stringify(candidate['Properties']['Role']).includes(role));
    const variable = fn?.['Properties']['Environment']['Variables']['FRESHINDEX_DEAD_LETTERS_OWN_APPLY'] as { 'Fn::Join': [string, unknown[]] };
    // The JSON with each imported queue URL written as the name of its export.
    const parts = variable['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : String((part as { 'Fn::ImportValue': string })['Fn::ImportValue'])));
    const byType = JSON.parse(parts.join('')) as Record<string, { queueUrl: string; dlqUrl: string }>;

    expect(Object.keys(byType).sort()).toEqual(['click', 'product']);
    for (const [type, urls] of Object.entries(byType)) {
      expect(urls.queueUrl).toMatch(new RegExp(`ApplyQueue${type}Queue[0-9A-F]{8}`));
      expect(urls.dlqUrl).toMatch(new RegExp(`ApplyQueue${type}DeadLetterQueue`));
    }
  });

  it('lets it peek, redrive, purge and count on each own dead-letter queue, and only send to its own apply queue', () => {
    const deadLetterActions = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ListMessageMoveTasks', 'sqs:PurgeQueue', 'sqs:ReceiveMessage', 'sqs:StartMessageMoveTask'];
    const byQueue = sqsActionsByQueue(synthesized);

    for (const type of ['product', 'click']) {
      expect(Object.entries(byQueue).filter(([name]) => name.startsWith(`ApplyQueue${type}`))).toEqual([
        [expect.stringMatching(new RegExp(`^ApplyQueue${type}DeadLetterQueue`)), deadLetterActions],
        [expect.stringMatching(new RegExp(`^ApplyQueue${type}Queue`)), ['sqs:GetQueueAttributes', 'sqs:SendMessage']],
      ]);
    }
  });
});
