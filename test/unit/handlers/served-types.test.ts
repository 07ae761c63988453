import { describe, expect, it } from 'vitest';
import { servedTypes } from '../../../lambdas/handlers/apply-report.ts';
import { ConfigError } from '../../../lambdas/core/errors.ts';

const configured = new Map([
  ['article', {}],
  ['product', {}],
]);

describe('the types an apply function serves (FRESHINDEX_APPLY_TYPES)', () => {
  it('serves every type when the variable is unset', () => {
    expect(servedTypes(undefined, configured)).toBeUndefined();
  });

  it('serves exactly the types named, none when it names none', () => {
    expect([...(servedTypes(' product,article ', configured) ?? [])]).toEqual(['product', 'article']);
    expect(servedTypes('', configured)?.size).toBe(0);
  });

  it('fails at cold start naming every type the config does not have', () => {
    let error: unknown;
    try {
      servedTypes('product,prodcut,clik', configured);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'FRESHINDEX_APPLY_TYPES: "prodcut" is not a type of the config',
      'FRESHINDEX_APPLY_TYPES: "clik" is not a type of the config',
    ]);
  });
});
