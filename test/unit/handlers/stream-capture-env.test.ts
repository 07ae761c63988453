import { describe, expect, it } from 'vitest';
import { defineConfig } from '../../../lambdas/core/config/index.ts';
import { ConfigError } from '../../../lambdas/core/errors.ts';
import { createStreamCaptureHandler } from '../../../lambdas/handlers/stream-capture.ts';

const config = defineConfig({
  types: [{ name: 'product', source: { type: 'dynamodb', tableName: 'cms-products', capture: {} }, transform: (doc) => doc, version: () => 1 }],
});

describe('the stream-capture handler at cold start', () => {
  it('fails naming every missing variable', () => {
    let error: unknown;
    try {
      createStreamCaptureHandler(config, { env: { AWS_ENDPOINT_URL_SNS: 'not a url' } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^environment variable AWS_ENDPOINT_URL_SNS: /),
      expect.stringMatching(/^environment variable FRESHINDEX_CHANGE_TOPIC_ARN: /),
      expect.stringMatching(/^environment variable FRESHINDEX_CAPTURE_DLQ_URL: /),
    ]);
  });
});
