import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** What a local invocation's `Context` says about the function. */
export interface LocalFunctionInfo {
  functionName: string;
  /** The function's timeout, for `getRemainingTimeInMillis()`. */
  timeoutMs: number;
  memoryMb?: number;
  region: string;
}

/**
 * A Lambda `Context` for one local invocation: a fresh request id, the remaining time counting
 * down from the function's timeout, and names shaped like the real ones (Powertools reads them).
 */
export function createLambdaContext(info: LocalFunctionInfo, now: () => number = Date.now): Context {
  const deadline = now() + info.timeoutMs;
  const unsupported = (what: string) => () => {
    throw new Error(`context.${what}() is not supported: return a value or a promise instead`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: info.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${info.region}:000000000000:function:${info.functionName}`,
    memoryLimitInMB: String(info.memoryMb ?? 1024),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${info.functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}
