import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../lambdas/core/config/index.ts';
import { configProblems } from '../../support/config.ts';

const http = { type: 'http', itemUrl: 'http://cms/x/{id}', pageUrl: 'http://cms/x?cursor={cursor}' };
const type = (name: string, extra: Record<string, unknown> = {}) => ({ name, source: http, transform: (doc: object) => doc, version: () => 1, ...extra });
const ids = () => [];

const problemsOf = configProblems;

describe('fan-out config', () => {
  it('accepts a type listening to another type and to a declared event, cycles included', () => {
    const config = validateConfig({
      events: ['author'],
      types: [type('article-card', { listensTo: { author: ids, tag: ids } }), type('tag', { listensTo: { 'article-card': ids } })],
    });

    expect(Object.keys(config.types[0]?.listensTo ?? {})).toEqual(['author', 'tag']);
    expect(config.types[1]?.delivery).toEqual({ queue: 'shared' });
  });

  it('names every problem of the graph at once, at its path', () => {
    const graph = problemsOf({
      events: ['author', 'video', 'author', 'unheard'],
      types: [type('video'), type('article-card', { listensTo: { auhtor: ids, 'article-card': ids, author: ids } })],
    });
    expect(graph).toEqual([
      'events[1]: "video" is a type: its events reach its listeners without being declared here',
      'events[2]: "author" is declared twice',
      'types[1](article-card).listensTo.auhtor: unknown event type "auhtor": name a type or declare it in events',
      'types[1](article-card).listensTo.article-card: a type cannot listen to itself (its own events already reach it)',
      'events[3]: no type listens to "unheard": its events would be dead-lettered as unknown',
    ]);
  });

  it('refuses a mapping that is not a function', () => {
    expect(problemsOf({ types: [type('video'), type('card', { listensTo: { video: 'cardsOf' } })] })).toEqual([
      expect.stringMatching(/^types\[1\]\(card\)\.listensTo\.video: must be a function/),
    ]);
  });

  it('refuses batching settings on the shared queue and a large batch without a window', () => {
    const problems = problemsOf({
      types: [type('click', { delivery: { batchSize: 5 } }), type('product', { delivery: { queue: 'own', batchSize: 100 } })],
    });

    expect(problems).toEqual([
      expect.stringMatching(/^types\[0\]\(click\)\.delivery\.batchSize: needs queue: 'own'/),
      expect.stringMatching(/^types\[1\]\(product\)\.delivery\.batchingWindowSeconds: a batchSize above 10 needs batchingWindowSeconds/),
    ]);
  });

  it('fills in an own queue’s delivery as given', () => {
    const config = validateConfig({ types: [type('product', { delivery: { queue: 'own', batchSize: 100, batchingWindowSeconds: 20 } })] });

    expect(config.types[0]?.delivery).toEqual({ queue: 'own', batchSize: 100, batchingWindowSeconds: 20 });
  });

  it('still names the graph\'s problems when another field of the config fails', () => {
    const problems = problemsOf({
      types: [
        type('card', { listensTo: { auhtor: ids, other: 'not a function' } }),
        type('card', { source: { ...http, type: 'httpp' } }),
        type('profile', { embed: { text: () => '', provider: { kind: 'bedrock', model: 'amazon.titan-embed-text-v3:0' }, dimensions: 256 } }),
      ],
    });

    expect(problems).toEqual(expect.arrayContaining([
      'types[0](card).listensTo.auhtor: unknown event type "auhtor": name a type or declare it in events',
      'types[0](card).listensTo.other: unknown event type "other": name a type or declare it in events',
      'types[1](card).name: duplicate type name "card"',
    ]));
    expect(problems.some((problem) => problem.startsWith('types[0](card).listensTo.other: must be a function'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('types[1](card).source'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('types[2](profile).embed.provider'))).toBe(true);
  });
});
