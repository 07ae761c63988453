import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditReportStore } from '../../core/audit/ports.ts';
import type { AuditReport } from '../../core/audit/report.ts';
import { translateDynamoError } from './errors.ts';

/** How long past reports are kept. */
const HISTORY_TTL_SECONDS = 90 * 24 * 3600;

/**
 * Audit reports in the control table, under the type's partition (`pk = type`): the latest at
 * `sk = audit#latest`, each run at `sk = audit#<finishedAt ISO-8601>` (sorted by time, expiring
 * after 90 days). The report itself is one JSON attribute; the counts are copied beside it for
 * people reading the table.
 */
export class DynamoAuditReportStore implements AuditReportStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly controlTable: string,
  ) {}

  async save(report: AuditReport): Promise<void> {
    const finished = Date.parse(report.finishedAt);
    const fields = {
      pk: report.type,
      report: JSON.stringify(report),
      finishedAt: report.finishedAt,
      missing: report.missing,
      extra: report.extra,
      different: report.different,
      repaired: report.repaired,
    };
    try {
      await Promise.all([
        this.client.send(new PutCommand({ TableName: this.controlTable, Item: { ...fields, sk: `audit#${report.finishedAt}`, expiresAt: Math.floor(finished / 1000) + HISTORY_TTL_SECONDS } })),
        this.client.send(new PutCommand({ TableName: this.controlTable, Item: { ...fields, sk: 'audit#latest' } })),
      ]);
    } catch (error) {
      throw translateDynamoError(error, 'PutItem(audit report)', { type: report.type });
    }
  }

  async latest(type: string): Promise<AuditReport | undefined> {
    try {
      const { Item } = await this.client.send(new GetCommand({ TableName: this.controlTable, Key: { pk: type, sk: 'audit#latest' } }));
      return Item ? (JSON.parse(String(Item['report'])) as AuditReport) : undefined;
    } catch (error) {
      throw translateDynamoError(error, 'GetItem(audit report)', { type });
    }
  }

  async history(type: string, limit: number): Promise<AuditReport[]> {
    try {
      // Timestamps start with a digit; `audit#latest` sorts after them and is skipped by the bound.
      const { Items = [] } = await this.client.send(
        new QueryCommand({
          TableName: this.controlTable,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': type, ':from': 'audit#0', ':to': 'audit#9' },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return Items.map((item) => JSON.parse(String(item['report'])) as AuditReport);
    } catch (error) {
      throw translateDynamoError(error, 'Query(audit reports)', { type });
    }
  }
}
