import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../lambdas/core/config/index.ts';
import { sourceEnvironment } from '../../../lambdas/local/dev/source-env.ts';

describe("the local jobs' source credentials", () => {
  it('passes on the variables that sources and capture name, and nothing else', () => {
    const config = validateConfig({
      types: [
        { name: 'product', source: { type: 'postgres', table: 'shop.products', connection: { env: 'SHOP_DB' }, captured: true }, transform: (doc: unknown) => doc, version: () => 1 },
        { name: 'video', source: { type: 'http', itemUrl: 'http://cms/{id}', pageUrl: 'http://cms?c={cursor}', auth: { env: 'CMS_TOKEN' } }, transform: (doc: unknown) => doc, version: () => 1 },
      ],
      capture: { postgres: { connection: { env: 'CAPTURE_DB' }, tables: [{ table: 'shop.products', event: 'product' }] } },
    });

    const env = sourceEnvironment(config, { SHOP_DB: 'postgres://shop', CMS_TOKEN: 'secret', CAPTURE_DB: 'postgres://capture', HOME: '/root' });

    expect(env).toEqual({ CAPTURE_DB: 'postgres://capture', CMS_TOKEN: 'secret', SHOP_DB: 'postgres://shop' });
  });
});
