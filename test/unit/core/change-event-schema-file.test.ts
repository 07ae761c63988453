import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { changeEventJsonSchema } from '../../../lambdas/core/events.ts';

describe('the published JSON Schema file', () => {
  it('matches the contract the handler enforces (run `npm run schemas` after changing it)', () => {
    const file = JSON.parse(readFileSync(new URL('../../../schemas/change-event.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const { $id: _id, title: _title, ...fromFile } = file;
    expect(fromFile).toEqual(changeEventJsonSchema());
  });
});
