import { describe, expect, it } from 'vitest';
import { initSql, triggerSql } from '../../../lambdas/core/capture/init.ts';
import { capturedName, parseTableName, quoteIdent, quoteLiteral, quotedTable } from '../../../lambdas/core/capture/sql.ts';

describe('capture setup SQL', () => {
  it('quotes identifiers so a name cannot break out of its quotes', () => {
    expect(quoteIdent('movies')).toBe('"movies"');
    expect(quoteIdent('a"b; DROP TABLE x; --')).toBe('"a""b; DROP TABLE x; --"');
  });

  it('quotes the id column as a literal argument of the trigger function', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(triggerSql({ table: 'shop.Orders', idColumn: "o'id" })).toContain(`ON "shop"."Orders"\n  FOR EACH ROW EXECUTE FUNCTION freshindex.capture_change('o''id')`);
  });

  it('refuses an empty identifier and a NUL character', () => {
    expect(() => quoteIdent('')).toThrow(/invalid SQL identifier/);
    expect(() => quoteLiteral('a\0b')).toThrow(/invalid SQL literal/);
  });

  it('reads an unqualified table as one of the public schema', () => {
    expect(parseTableName('movies')).toEqual({ schema: 'public', name: 'movies' });
    expect(capturedName('movies')).toBe('public.movies');
    expect(quotedTable('Sales.Orders')).toBe('"Sales"."Orders"');
  });

  it('creates only what does not exist and replaces the functions and triggers', () => {
    const sql = initSql([{ table: 'movies', idColumn: 'id' }, { table: 'shop.items', idColumn: 'sku' }]);
    const creates = sql.match(/^CREATE .*$/gm) ?? [];
    expect(creates.every((line) => /^CREATE (SCHEMA IF NOT EXISTS|TABLE IF NOT EXISTS|INDEX IF NOT EXISTS|OR REPLACE (FUNCTION|TRIGGER))/.test(line))).toBe(true);
    expect(sql.match(/CREATE OR REPLACE TRIGGER/g)).toHaveLength(2);
    expect(sql).toContain("ON \"shop\".\"items\"\n  FOR EACH ROW EXECUTE FUNCTION freshindex.capture_change('sku')");
  });

  it('stores the writing transaction id with every change', () => {
    expect(initSql([])).toContain('VALUES (pg_current_xact_id(), change_op');
  });
});
