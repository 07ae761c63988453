import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, it } from 'vitest';
import { IndexTables } from '../../lib/tables.ts';

describe('the index table\'s warm throughput', () => {
  it('creates the index table with the warm write throughput asked for, and the control table without', () => {
    // Prepare
    const stack = new Stack(new App(), 'Warm');

    // Act
    new IndexTables(stack, 'Tables', { indexWarmWritesPerSecond: 40_000 });

    // Assess
    const template = Template.fromStack(stack);
    template.resourcePropertiesCountIs('AWS::DynamoDB::Table', { WarmThroughput: { WriteUnitsPerSecond: 40_000 } }, 1);
    template.resourcePropertiesCountIs('AWS::DynamoDB::Table', { WarmThroughput: Match.absent() }, 1);
  });
});
