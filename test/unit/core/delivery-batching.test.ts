import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../lambdas/core/config/index.ts';
import { applyRoutes, defaultBatching, WINDOW_SHARE_OF_SETTLE_DELAY } from '../../../lambdas/core/dispatch-routes.ts';

const http = { type: 'http', itemUrl: 'http://cms/x/{id}', pageUrl: 'http://cms/x?cursor={cursor}' };
const type = (name: string, extra: Record<string, unknown> = {}) => ({ name, source: http, transform: (doc: object) => doc, version: () => 1, ...extra });

describe('the default batching of apply queues', () => {
  it('gathers an own queue for 1/60 of its type’s freshness target, in batches of 100', () => {
    const routes = applyRoutes(validateConfig({ types: [type('catalog', { freshnessTargetSeconds: 3_600, delivery: { queue: 'own' } })] }));

    expect(routes.own).toEqual([expect.objectContaining({ type: 'catalog', batching: { batchSize: 100, batchingWindowSeconds: 60 } })]);
  });

  it('applies at once in batches of 10 when the target is under a minute', () => {
    const routes = applyRoutes(validateConfig({ types: [type('click', { freshnessTargetSeconds: 30, delivery: { queue: 'own' } })] }));

    expect(routes.own[0]?.batching).toEqual({ batchSize: 10, batchingWindowSeconds: 0 });
  });

  it('caps the derived window at 60 s, inside what the visibility timeout leaves after the function timeout', () => {
    const routes = applyRoutes(validateConfig({ types: [type('archive', { freshnessTargetSeconds: 86_400, delivery: { queue: 'own' } })] }));

    expect(routes.own[0]?.batching).toEqual({ batchSize: 100, batchingWindowSeconds: 60 });
  });

  it('lets the tightest freshness target of the shared queue’s types govern its window', () => {
    const routes = applyRoutes(
      validateConfig({
        types: [type('article', { freshnessTargetSeconds: 600 }), type('video', { freshnessTargetSeconds: 180 }), type('catalog', { freshnessTargetSeconds: 5, delivery: { queue: 'own' } })],
      }),
    );

    expect(routes.shared.batching).toEqual({ batchSize: 100, batchingWindowSeconds: 3 });
  });

  it('keeps what a type sets, with Lambda’s defaults for what it leaves out', () => {
    const routes = applyRoutes(
      validateConfig({
        types: [
          type('product', { freshnessTargetSeconds: 3_600, delivery: { queue: 'own', batchSize: 5 } }),
          type('brand', { freshnessTargetSeconds: 3_600, delivery: { queue: 'own', batchingWindowSeconds: 2 } }),
        ],
      }),
    );

    expect(routes.own.map((route) => route.batching)).toEqual([
      { batchSize: 5, batchingWindowSeconds: 0 },
      { batchSize: 10, batchingWindowSeconds: 2 },
    ]);
  });
});

describe('the default batching of the verify queue', () => {
  it('gathers for a tenth of the shortest settle delay, in batches of 100', () => {
    expect(defaultBatching([120, 45], {}, WINDOW_SHARE_OF_SETTLE_DELAY)).toEqual({ batchSize: 100, batchingWindowSeconds: 4 });
  });

  it('checks at once in batches of 10 when a settle delay is under 10 s', () => {
    expect(defaultBatching([60, 5], {}, WINDOW_SHARE_OF_SETTLE_DELAY)).toEqual({ batchSize: 10, batchingWindowSeconds: 0 });
  });
});
