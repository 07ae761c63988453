import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { capacityOf } from '../../../lambdas/adapters/dynamodb/capacity.ts';
import { cleanupRate, ON_DEMAND_FLOOR, silentLog, type WriteCapacity } from '../../../lambdas/core/rebuild/index.ts';

const probe = (capacity: WriteCapacity | undefined) => ({ writeCapacity: async () => capacity });

describe('the clean-up rate', () => {
  it('takes the configured rate whatever the table', async () => {
    // Act
    const rate = await cleanupRate(250, probe({ mode: 'provisioned', writesPerSecond: 40 }), 9_000, silentLog);

    // Assess
    expect(rate).toEqual({ deletesPerSecond: 250, from: 'configured' });
  });

  it('takes half the write capacity of a provisioned table', async () => {
    // Act
    const rate = await cleanupRate(undefined, probe({ mode: 'provisioned', writesPerSecond: 400 }), 9_000, silentLog);

    // Assess
    expect(rate).toEqual({ deletesPerSecond: 200, from: "half of the table's 400 provisioned write units" });
  });

  it("deletes as fast as the load wrote on an on-demand table, at least the floor", async () => {
    // Act
    const fast = await cleanupRate(undefined, probe({ mode: 'on-demand' }), 6_400, silentLog);
    const slow = await cleanupRate(undefined, probe({ mode: 'on-demand' }), 30, silentLog);

    // Assess
    expect(fast).toEqual({ deletesPerSecond: 6_400, from: "on-demand: the load's rate" });
    expect(slow).toEqual({ deletesPerSecond: ON_DEMAND_FLOOR, from: 'on-demand: the floor' });
  });

  it("stays within half of an on-demand table's maximum", async () => {
    // Act
    const rate = await cleanupRate(undefined, probe({ mode: 'on-demand', maxWritesPerSecond: 3_000 }), 6_400, silentLog);

    // Assess
    expect(rate.deletesPerSecond).toBe(1_500);
  });

  it('falls back to the on-demand floor when the capacity cannot be read', async () => {
    // Act
    const rate = await cleanupRate(undefined, { writeCapacity: () => Promise.reject(new Error('AccessDenied')) }, 6_400, silentLog);

    // Assess
    expect(rate).toEqual({ deletesPerSecond: ON_DEMAND_FLOOR, from: 'capacity unknown: the on-demand floor' });
  });
});

describe("a DynamoDB table's write capacity", () => {
  it('reads on-demand, with the smallest maximum of the table and its indexes', () => {
    // Prepare
    const table: TableDescription = {
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      OnDemandThroughput: { MaxWriteRequestUnits: 5_000 },
      GlobalSecondaryIndexes: [{ IndexName: 'g', OnDemandThroughput: { MaxWriteRequestUnits: 2_000 } }],
    };

    // Act / Assess
    expect(capacityOf(table)).toEqual({ mode: 'on-demand', maxWritesPerSecond: 2_000 });
    expect(capacityOf({ BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' }, OnDemandThroughput: { MaxWriteRequestUnits: -1 } })).toEqual({ mode: 'on-demand' });
  });

  it('reads provisioned, with the smallest write capacity of the table and its indexes', () => {
    // Prepare
    const table: TableDescription = {
      ProvisionedThroughput: { WriteCapacityUnits: 500 },
      GlobalSecondaryIndexes: [{ IndexName: 'g', ProvisionedThroughput: { WriteCapacityUnits: 120 } }],
    };

    // Act / Assess
    expect(capacityOf(table)).toEqual({ mode: 'provisioned', writesPerSecond: 120 });
  });
});
