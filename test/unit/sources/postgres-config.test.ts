/** A Postgres source in the config: defaults, and every problem named at load. */
import { describe, expect, it } from 'vitest';
import { createSource, PostgresSource } from '../../../lambdas/adapters/sources/index.ts';
import { validateConfig } from '../../../lambdas/core/config/load.ts';
import { ConfigError } from '../../../lambdas/core/errors.ts';

const typeWith = (source: Record<string, unknown>) => ({ name: 'product', source, transform: (doc: unknown) => doc, version: () => 1 });

describe('a Postgres source in the config', () => {
  it('defaults the key column to id, every column, and not captured', () => {
    // Act
    const config = validateConfig({ types: [typeWith({ type: 'postgres', table: 'catalog.products', connection: { env: 'CATALOG_DB_URL' } })] });

    // Assess
    expect(config.types[0]?.source).toEqual({ type: 'postgres', table: 'catalog.products', keyColumn: 'id', captured: false, connection: { env: 'CATALOG_DB_URL' } });
  });

  it('names every problem of a bad source at once, with its path', () => {
    // Prepare: a bad table name, columns without the key, both connection kinds, a page too large.
    const bad = typeWith({ type: 'postgres', table: 'a.b.c', columns: ['name'], connection: { env: 'E', secretId: 's' }, pageSize: 50_000 });

    // Act
    const error = (() => {
      try {
        validateConfig({ types: [bad] });
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(
      expect.arrayContaining([
        "types[0](product).source.table: must be 'table' or 'schema.table'",
        'types[0](product).source.connection: set exactly one of secretId or env',
        expect.stringMatching(/^types\[0\]\(product\)\.source\.pageSize: /),
        'types[0](product).source.columns: columns must include the key column',
      ]),
    );
  });

  it('builds a PostgresSource from the registry', () => {
    // Act
    const source = createSource(validateConfig({ types: [typeWith({ type: 'postgres', table: 'products', connection: { env: 'DB' } })] }).types[0]!);

    // Assess: a keyset scan, so the rebuild skips its reconciliation.
    expect(source).toBeInstanceOf(PostgresSource);
    expect(source.stableScan).toBe(true);
  });
});
