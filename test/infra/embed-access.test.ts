/** The IAM grants of the embed steps: bedrock:InvokeModel on the configured models, the API key's secret. */
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../lambdas/core/config/index.ts';
import type { SourceDoc } from '../../lambdas/core/ports.ts';
import { embedStatements } from '../../lib/embed-access.ts';

const type = (name: string, provider: Record<string, unknown>, dimensions = 1024) => ({
  name,
  source: { type: 'jsonl' as const, path: '/dev/null' },
  transform: (doc: SourceDoc) => doc,
  version: () => 1,
  embed: { text: (doc: SourceDoc) => String(doc['title']), provider, dimensions } as never,
});

describe('embedding grants', () => {
  it('allows InvokeModel on each Bedrock model in its region and reading the OpenAI key secret, nothing for the local embedder', () => {
    const stack = new Stack(new App(), 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
    const { types } = validateConfig({
      types: [
        type('a', { kind: 'bedrock', model: 'amazon.titan-embed-text-v2:0' }, 512),
        type('b', { kind: 'bedrock', model: 'cohere.embed-english-v3', region: 'us-east-1' }),
        type('c', { kind: 'openai', url: 'https://api.example.com/v1', model: 'm', apiKey: { secretId: 'embed/key' } }),
        type('d', { kind: 'local' }, 64),
      ],
    });

    const statements = embedStatements(stack, types).map((statement) => stack.resolve(statement.toStatementJson()));

    expect(statements).toEqual([
      {
        Action: 'bedrock:InvokeModel',
        Effect: 'Allow',
        Resource: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:eu-west-1::foundation-model/amazon.titan-embed-text-v2:0']] },
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:us-east-1::foundation-model/cohere.embed-english-v3']] },
        ],
      },
      {
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:eu-west-1:111122223333:secret:embed/key-??????']] },
      },
    ]);
  });
});
