/** The embedding providers of the embed step (core/embed), by `embed.provider.kind`. See docs/embeddings.md. */
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { EmbedConfig } from '../../core/config/embed.ts';
import type { Embedder } from '../../core/embed/ports.ts';
import type { HttpAuthDeps } from '../sources/http-auth.ts';
import { defaultSecretsClient } from '../sources/index.ts';
import type { BackoffOptions } from '../sources/retry.ts';
import { BedrockEmbedder } from './bedrock.ts';
import { LocalEmbedder } from './local.ts';
import { OpenAiEmbedder } from './openai.ts';

export { BedrockEmbedder, type BedrockEmbedderOptions } from './bedrock.ts';
export { LocalEmbedder } from './local.ts';
export { OpenAiEmbedder, type OpenAiEmbedderOptions } from './openai.ts';

/** What the providers need from outside. */
export interface EmbedderDeps {
  /** The Bedrock runtime client of a region (`undefined`: the runtime's own). Required for `kind: 'bedrock'`. */
  bedrock?: ((region: string | undefined) => BedrockRuntimeClient) | undefined;
  /** Reads `apiKey.secretId`, and the environment `apiKey.env` is looked up in. */
  auth?: HttpAuthDeps | undefined;
  /** @default globalThis.fetch */
  fetch?: typeof globalThis.fetch | undefined;
  /** Backoff tuning (tests shorten it). */
  backoff?: BackoffOptions | undefined;
}

type Factories = { [K in EmbedConfig['provider']['kind']]: (config: EmbedConfig & { provider: Extract<EmbedConfig['provider'], { kind: K }> }, deps: EmbedderDeps) => Embedder };

const factories: Factories = {
  bedrock: ({ provider, dimensions }, deps) => {
    if (!deps.bedrock) throw new Error('an embed step on Bedrock needs a Bedrock runtime client');
    return new BedrockEmbedder({ provider, dimensions, client: deps.bedrock(provider.region), ...(deps.backoff ? { backoff: deps.backoff } : {}) });
  },
  openai: ({ provider, dimensions }, deps) => {
    const secrets = 'secretId' in provider.apiKey ? (deps.auth?.secrets ?? defaultSecretsClient()) : deps.auth?.secrets;
    const auth = { ...deps.auth, secrets };
    return new OpenAiEmbedder({ provider, dimensions, auth, ...(deps.fetch ? { fetch: deps.fetch } : {}), ...(deps.backoff ? { backoff: deps.backoff } : {}) });
  },
  local: ({ dimensions }) => new LocalEmbedder(dimensions),
};

/** The provider of an embed config. */
export function createEmbedder(config: EmbedConfig, deps: EmbedderDeps = {}): Embedder {
  const factory = factories[config.provider.kind] as (config: EmbedConfig, deps: EmbedderDeps) => Embedder;
  return factory(config, deps);
}
