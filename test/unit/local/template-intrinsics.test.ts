import { describe, expect, it } from 'vitest';
import { TemplateError, creationOrder, evaluateConditions, resolveValue, type ResolveContext } from '../../../lambdas/local/template-intrinsics.ts';

const context = (mode: ResolveContext['mode'] = 'strict'): ResolveContext => ({
  region: 'eu-west-1',
  accountId: '000000000000',
  stackName: 'demo',
  parameters: { Stage: 'dev' },
  conditions: { IsDev: true },
  resources: new Map([['Queue', { ref: 'http://local/q', attributes: { Arn: 'arn:aws:sqs:eu-west-1:000000000000:q' } }]]),
  imports: { 'Data:TableName': 'local-index' },
  mode,
});

describe('resolveValue', () => {
  it('substitutes resources, attributes, pseudo parameters and parameters in Fn::Sub', () => {
    const value = { 'Fn::Sub': '${Queue}|${Queue.Arn}|${AWS::Region}|${Stage}|${!Literal}' };
    expect(resolveValue(value, context(), 'x')).toBe('http://local/q|arn:aws:sqs:eu-west-1:000000000000:q|eu-west-1|dev|${Literal}');
  });

  it('substitutes the variables given to Fn::Sub', () => {
    expect(resolveValue({ 'Fn::Sub': ['${Name}-x', { Name: { Ref: 'AWS::StackName' } }] }, context(), 'x')).toBe('demo-x');
  });

  it('joins, splits and selects', () => {
    const value = { 'Fn::Select': [1, { 'Fn::Split': [':', { 'Fn::Join': [':', ['a', { Ref: 'Stage' }, 'c']] }] }] };
    expect(resolveValue(value, context(), 'x')).toBe('dev');
  });

  it('drops AWS::NoValue from objects and lists', () => {
    const value = { Keep: 1, Drop: { 'Fn::If': ['IsDev', { Ref: 'AWS::NoValue' }, 2] }, List: [1, { Ref: 'AWS::NoValue' }] };
    expect(resolveValue(value, context(), 'x')).toEqual({ Keep: 1, List: [1] });
  });

  it('resolves Fn::ImportValue from the exports of earlier stacks', () => {
    expect(resolveValue({ 'Fn::ImportValue': 'Data:TableName' }, context(), 'x')).toBe('local-index');
  });

  it('names the property when a strict reference cannot be resolved', () => {
    expect(() => resolveValue({ Ref: 'Missing' }, context(), 'Table.TableName')).toThrow(/Table\.TableName\.Ref: Ref to "Missing"/);
  });

  it('leaves a placeholder for an unresolvable reference in lenient mode', () => {
    expect(resolveValue({ 'Fn::GetAtt': ['Role', 'Arn'] }, context('lenient'), 'x')).toBe('<Role.Arn>');
  });
});

describe('evaluateConditions', () => {
  it('evaluates equals, not and condition references against the parameters', () => {
    const template = {
      Resources: {},
      Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] }, NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] } },
    };
    const { conditions: _conditions, mode: _mode, ...base } = context();
    expect(evaluateConditions(template, base)).toEqual({ IsProd: false, NotProd: true });
  });
});

describe('creationOrder', () => {
  it('creates every resource after the resources it refers to', () => {
    const order = creationOrder({
      Sub: { Type: 'AWS::SNS::Subscription', Properties: { TopicArn: { Ref: 'Topic' }, Endpoint: { 'Fn::GetAtt': ['Queue', 'Arn'] } } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::Sub': '${Dlq.Arn}' } } } },
      Dlq: { Type: 'AWS::SQS::Queue' },
      Topic: { Type: 'AWS::SNS::Topic' },
    });
    expect(order.indexOf('Dlq')).toBeLessThan(order.indexOf('Queue'));
    expect(order.indexOf('Queue')).toBeLessThan(order.indexOf('Sub'));
    expect(order.indexOf('Topic')).toBeLessThan(order.indexOf('Sub'));
  });

  it('rejects a circular reference', () => {
    const resources = { A: { Type: 'AWS::SQS::Queue', DependsOn: 'B' }, B: { Type: 'AWS::SQS::Queue', DependsOn: 'A' } };
    expect(() => creationOrder(resources)).toThrow(TemplateError);
  });
});
