/**
 * AWS list prices in us-east-1 (US East, N. Virginia) used by the benchmark's cost estimates.
 * On-demand rates, first pricing tier, free tiers ignored. Update `asOf` when you update a price.
 */

/** Where each price comes from. */
export const PRICE_SOURCES = {
  sns: 'https://aws.amazon.com/sns/pricing/',
  sqs: 'https://aws.amazon.com/sqs/pricing/',
  lambda: 'https://aws.amazon.com/lambda/pricing/',
  dynamodb: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
} as const;

/** The prices, in US dollars. */
export interface Prices {
  /** The day these prices were read from the pages in `PRICE_SOURCES` (ISO date). */
  asOf: string;
  region: 'us-east-1';
  /** SNS standard topic: per million publish requests; every 64 KB chunk of a publish is one request. Delivery to SQS is free. */
  snsPublishPerMillion: number;
  /** SQS standard queue: per million requests (first 100 billion a month); every 64 KB chunk of a request's payload is one request. */
  sqsRequestPerMillion: number;
  /** Lambda, arm64: per GB-second of duration (first 7.5 billion GB-s a month), billed in 1 ms steps. */
  lambdaArmGbSecond: number;
  /** Lambda: per million invocations (any architecture). */
  lambdaRequestPerMillion: number;
  /** DynamoDB on-demand (standard table class): per million write request units (1 WRU = one write of up to 1 KB). */
  dynamodbWruPerMillion: number;
  /** DynamoDB on-demand: per million read request units (1 RRU = one strongly consistent read of up to 4 KB, or two eventually consistent ones). */
  dynamodbRruPerMillion: number;
}

/**
 * us-east-1 list prices as of 2026-11-21. DynamoDB's are the on-demand rates after the
 * November 2024 reduction; Lambda's are the arm64 (Graviton) rates.
 */
export const US_EAST_1_PRICES: Prices = {
  asOf: '2026-11-21',
  region: 'us-east-1',
  snsPublishPerMillion: 0.5,
  sqsRequestPerMillion: 0.4,
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequestPerMillion: 0.2,
  dynamodbWruPerMillion: 0.625,
  dynamodbRruPerMillion: 0.125,
};

/** Size of the payload chunk SNS and SQS bill as one request. */
export const BILLING_CHUNK_BYTES = 64 * 1024;
