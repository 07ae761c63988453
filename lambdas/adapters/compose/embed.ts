/**
 * The embed steps of a runtime: for each type with `embed`, its provider (Bedrock, an
 * OpenAI-compatible endpoint, the local embedder) and the store's embedding cache.
 */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { FreshindexConfig } from '../../core/config/index.ts';
import type { EmbeddingCache, EmbedStep } from '../../core/embed/ports.ts';
import { createEmbedder, type EmbedderDeps } from '../embedders/index.ts';

/** The steps by type name, and how to destroy the clients made for them. */
export interface EmbedSteps {
  steps: ReadonlyMap<string, EmbedStep>;
  destroy(): void;
}

/**
 * Builds the embed step of every type that has one. Bedrock clients are made once per region
 * (the type's `provider.region`, else the runtime's) with one attempt per call: the embedder's
 * own retries, with full jitter, replace the SDK's.
 */
export function embedSteps(config: FreshindexConfig, cache: EmbeddingCache, deps: EmbedderDeps, region: string | undefined): EmbedSteps {
  const made = new Map<string, BedrockRuntimeClient>();
  const bedrock =
    deps.bedrock ??
    ((typeRegion: string | undefined) => {
      const key = typeRegion ?? region ?? '';
      let client = made.get(key);
      if (!client) {
        const chosen = typeRegion ?? region;
        client = new BedrockRuntimeClient({ ...(chosen ? { region: chosen } : {}), maxAttempts: 1 });
        made.set(key, client);
      }
      return client;
    });
  const steps = new Map<string, EmbedStep>();
  for (const type of config.types) {
    if (type.embed) steps.set(type.name, { config: type.embed, embedder: createEmbedder(type.embed, { ...deps, bedrock }), cache });
  }
  return {
    steps,
    destroy: () => {
      for (const client of made.values()) client.destroy();
      made.clear();
    },
  };
}
