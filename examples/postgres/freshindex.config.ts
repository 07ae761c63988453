/**
 * A product catalog whose source of truth is a Postgres table, kept fresh by change capture
 * (docs/cdc.md): triggers feed the change table, the relay publishes each change, and the
 * nightly rebuild reads the table itself. Both carry `freshindex_seq` as the version.
 *
 * The database's URL comes from SHOP_DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/shop.
 */
import { defineConfig } from '../../lambdas/core/config/index.ts';

const connection = { env: 'SHOP_DATABASE_URL' };

export const config = defineConfig({
  types: [
    {
      name: 'product',
      source: { type: 'postgres', table: 'shop.products', keyColumn: 'sku', connection, captured: true },
      id: (doc) => String(doc['sku']),
      transform: (doc) => ({
        name: String(doc['name']),
        priceCents: Number(doc['price_cents']),
        tags: Array.isArray(doc['tags']) ? doc['tags'].map(String) : [],
      }),
      version: (doc) => Number(doc['freshindex_seq']),
      settleDelaySeconds: 5,
    },
  ],
  capture: {
    postgres: {
      connection,
      tables: [{ table: 'shop.products', event: 'product', idColumn: 'sku' }],
      pollIntervalMs: 500,
    },
  },
});
