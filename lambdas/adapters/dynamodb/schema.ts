/**
 * The key schema of freshindex's two DynamoDB tables: the one definition the CDK (lib/tables.ts)
 * deploys and the tests and benchmarks create on emulators (test/support/tables.ts).
 */

/** A key attribute: its name and DynamoDB type (S string, N number). */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

/** The attribute DynamoDB's TTL reads on both tables (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * The index table holds records of every generation: `pk` = `${type}#${generation}#${bucket}`
 * (64 partitions per generation), `sk` = id (see keys.ts; docs/rebuild.md, "Storage layout").
 * The control table holds pointers, catch-up logs, quarantine, build and audit records.
 */
export const TABLE_KEYS = {
  index: { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' } },
  control: { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' } },
} as const satisfies Record<'index' | 'control', { partitionKey: KeyAttribute; sortKey: KeyAttribute }>;
