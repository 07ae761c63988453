import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../core/ports.ts';
import { MAX_DIFFERENCE_SUMMARY, RECENT_DIFFERENCES, type CheckCounters, type DifferenceCounters, type DifferenceSeen } from '../../core/verify/ports.ts';
import { translateDynamoError } from './errors.ts';

export { RECENT_DIFFERENCES } from '../../core/verify/ports.ts';
/** Counters nobody touched for this long expire (the resource was forgotten, or deleted). */
const COUNTERS_TTL_SECONDS = 30 * 24 * 3600;

/**
 * The checker's difference counters in the control table: `pk = type#check`, `sk = id`, one item
 * per resource that differed at least once, updated atomically (UpdateItem with ADD), removed when
 * the resource is consistent again.
 */
export class DynamoDifferenceCounters implements DifferenceCounters {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly controlTable: string,
    private readonly clock: Clock = Date.now,
  ) {}

  async get(type: string, id: string): Promise<CheckCounters | undefined> {
    try {
      const { Item } = await this.client.send(new GetCommand({ TableName: this.controlTable, Key: key(type, id), ConsistentRead: true }));
      return Item ? countersFromItem(Item) : undefined;
    } catch (error) {
      throw translateDynamoError(error, 'GetItem(check)', { type, id });
    }
  }

  async recordDifference(type: string, id: string, seen: DifferenceSeen, nextCheckAt: number): Promise<CheckCounters> {
    const entry = { at: seen.at, summary: seen.summary.slice(0, MAX_DIFFERENCE_SUMMARY) };
    const counters = await this.#update(
      type,
      id,
      { add: 'differences :one', set: ['cleanChecks = :zero', 'recent = list_append(if_not_exists(recent, :empty), :seen)', 'nextCheckAt = :next'] },
      { ':one': 1, ':zero': 0, ':empty': [], ':seen': [entry], ':next': nextCheckAt },
    );
    const excess = counters.recent.length - RECENT_DIFFERENCES;
    if (excess > 0) {
      // list_append cannot cap a list: trim the oldest in a second update (a lost race only keeps a few more).
      const removals = Array.from({ length: excess }, (_, index) => `recent[${index}]`).join(', ');
      await this.#send(type, id, { UpdateExpression: `REMOVE ${removals}` });
      counters.recent = counters.recent.slice(excess);
    }
    return counters;
  }

  async recordClean(type: string, id: string, nextCheckAt?: number): Promise<CheckCounters> {
    return nextCheckAt === undefined
      ? this.#update(type, id, { add: 'cleanChecks :one', set: ['differences = :zero'], remove: 'nextCheckAt' }, { ':one': 1, ':zero': 0 })
      : this.#update(type, id, { add: 'cleanChecks :one', set: ['differences = :zero', 'nextCheckAt = :next'] }, { ':one': 1, ':zero': 0, ':next': nextCheckAt });
  }

  async clear(type: string, id: string): Promise<void> {
    try {
      await this.client.send(new DeleteCommand({ TableName: this.controlTable, Key: key(type, id) }));
    } catch (error) {
      throw translateDynamoError(error, 'DeleteItem(check)', { type, id });
    }
  }

  async #update(
    type: string,
    id: string,
    clauses: { add: string; set: string[]; remove?: string },
    values: Record<string, unknown>,
  ): Promise<CheckCounters> {
    // Every update also stamps who the item is about and pushes its expiry forward.
    const set = ['#type = :type', '#id = :id', 'expiresAt = :expires', ...clauses.set].join(', ');
    const { Attributes } = await this.#send(type, id, {
      UpdateExpression: `ADD ${clauses.add} SET ${set}${clauses.remove ? ` REMOVE ${clauses.remove}` : ''}`,
      ExpressionAttributeNames: { '#type': 'type', '#id': 'id' },
      ExpressionAttributeValues: { ...values, ':type': type, ':id': id, ':expires': Math.floor(this.clock() / 1000) + COUNTERS_TTL_SECONDS },
      ReturnValues: 'ALL_NEW',
    });
    return countersFromItem(Attributes ?? {});
  }

  async #send(type: string, id: string, input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>) {
    try {
      return await this.client.send(new UpdateCommand({ TableName: this.controlTable, Key: key(type, id), ...input }));
    } catch (error) {
      throw translateDynamoError(error, 'UpdateItem(check)', { type, id });
    }
  }
}

function key(type: string, id: string) {
  return { pk: `${type}#check`, sk: id };
}

function countersFromItem(item: Record<string, unknown>): CheckCounters {
  const recent = Array.isArray(item['recent']) ? (item['recent'] as Array<Record<string, unknown>>) : [];
  return {
    differences: Number(item['differences'] ?? 0),
    cleanChecks: Number(item['cleanChecks'] ?? 0),
    recent: recent.map((seen) => ({ at: Number(seen['at']), summary: String(seen['summary']) })),
    ...(item['nextCheckAt'] === undefined ? {} : { nextCheckAt: Number(item['nextCheckAt']) }),
  };
}
