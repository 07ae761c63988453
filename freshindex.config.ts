import { defineConfig } from './lambdas/core/config/index.ts';

/**
 * The resource types freshindex keeps indexed. Replace the example with your own types:
 * see docs/ for every option.
 */
export const config = defineConfig({
  types: [
    {
      name: 'video',
      source: {
        type: 'http',
        itemUrl: 'https://cms.example.com/api/videos/{id}',
        batchUrl: 'https://cms.example.com/api/videos?ids={ids}',
        pageUrl: 'https://cms.example.com/api/videos?cursor={cursor}&segment={segment}&segments={segments}&limit={limit}',
      },
      transform: (doc) => ({
        title: String(doc['title'] ?? ''),
        tags: Array.isArray(doc['tags']) ? doc['tags'] : [],
      }),
      version: (doc) => doc['updatedAt'] as string,
    },
  ],
});
