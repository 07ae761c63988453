import { paginateQuery, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { translateDynamoError } from './errors.ts';

/** Names a query in the errors it raises: `DynamoDB <operation> failed: …`, with `context` attached. */
export interface QueryLabel {
  operation: string;
  context?: Record<string, unknown>;
}

/**
 * Every page of a Query, following `LastEvaluatedKey` until the last one; an empty page is still
 * yielded. SDK errors come out translated by `translateDynamoError`, named by `label`.
 *
 * @example
 * for await (const items of queryPages(client, { TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }, { operation: 'Query(control)' })) {
 *   …
 * }
 */
export async function* queryPages(client: DynamoDBDocumentClient, input: QueryCommandInput, label: QueryLabel): AsyncIterable<Record<string, unknown>[]> {
  try {
    for await (const page of paginateQuery({ client }, { ...input })) yield page.Items ?? [];
  } catch (error) {
    throw translateDynamoError(error, label.operation, label.context);
  }
}
