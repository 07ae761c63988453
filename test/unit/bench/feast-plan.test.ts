/**
 * The Feast row's plan (bench/support/feast/plan.ts): Feast is given the rows freshindex loads and
 * a repository that materializes exactly the fields the bench's transform keeps into the bench's
 * Redis. Not a timed test: the timing is `npm run bench -- feast`.
 */
import { describe, expect, it } from 'vitest';
import { definitionsPy, EVENT_TIME, FEATURES, feastRows, featureStoreYaml, MATERIALIZE_WINDOW } from '../../../bench/support/feast/plan.ts';
import { generated } from '../../../bench/rebuild.ts';

describe("the Feast row's plan", () => {
  it('gives Feast the documents freshindex loads, same ids and fields, each with an event time', () => {
    // Prepare
    const docs = [0, 1, 49, 50].map(generated);

    // Act
    const rows = feastRows(docs);

    // Assess
    expect(rows).toEqual(docs.map((doc) => ({ ...doc, event_timestamp: EVENT_TIME })));
  });

  it('refuses a document without a string id, which could not be an entity key', () => {
    // Prepare
    const docs = [{ id: 7, title: 'x' }];

    // Act
    const act = () => feastRows(docs);

    // Assess
    expect(act).toThrow(/without a string id/);
  });

  it('materializes the fields the transform keeps, and only those, keyed by id', () => {
    // Prepare
    const kept = ['title', 'tags', 'score'];

    // Act
    const definitions = definitionsPy();

    // Assess
    expect(FEATURES.map((feature) => feature.name)).toEqual(kept);
    const fields = [...definitions.matchAll(/Field\(name="(\w+)"/g)].map((match) => match[1]);
    expect(fields).toEqual(kept);
    expect(definitions).toContain('join_keys=["id"]');
    expect(definitions).toContain('timestamp_field="event_timestamp"');
  });

  it("points Feast's Redis online store at the bench's redis-server, with a window around the rows' event time", () => {
    // Prepare
    const redis = { host: '127.0.0.1', port: 6390 };

    // Act
    const yaml = featureStoreYaml('bench', redis);

    // Assess
    expect(yaml).toMatch(/online_store:\n {2}type: redis\n {2}connection_string: "127\.0\.0\.1:6390"/);
    expect(Date.parse(MATERIALIZE_WINDOW.start)).toBeLessThan(Date.parse(EVENT_TIME));
    expect(Date.parse(MATERIALIZE_WINDOW.end)).toBeGreaterThan(Date.parse(EVENT_TIME));
  });

  it("leaves Feast's write batching at its default unless a batch size is asked for", () => {
    // Prepare
    const redis = { host: '127.0.0.1', port: 6390 };

    // Act
    const defaults = featureStoreYaml('bench', redis);
    const batched = featureStoreYaml('bench', redis, 10_000);

    // Assess
    expect(defaults).not.toContain('materialization');
    expect(batched).toContain('materialization:\n  online_write_batch_size: 10000\n');
  });
});
