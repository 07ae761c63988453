/**
 * The `embed` step of a type: which text of a document is embedded, by which provider and model,
 * into how many dimensions. See docs/embeddings.md.
 */
import { z } from 'zod';
import type { SourceDoc } from '../ports.ts';

/** What each Bedrock model accepts: its dimensions, texts per call, and characters per text. */
export const BEDROCK_MODELS = {
  // Titan Text Embeddings V2: one text per InvokeModel call, up to 8,192 tokens or 50,000 characters.
  'amazon.titan-embed-text-v2:0': { dimensions: [256, 512, 1024], maxBatch: 1, maxChars: 50_000 },
  // Cohere Embed v3 on Bedrock: up to 96 texts per call, each under 2,048 characters.
  'cohere.embed-english-v3': { dimensions: [1024], maxBatch: 96, maxChars: 2_048 },
  'cohere.embed-multilingual-v3': { dimensions: [1024], maxBatch: 96, maxChars: 2_048 },
} as const satisfies Record<string, { dimensions: readonly number[]; maxBatch: number; maxChars: number }>;

export type BedrockModel = keyof typeof BEDROCK_MODELS;

/** Characters per text of an OpenAI-compatible endpoint when `maxChars` is not set (8,191 tokens at about 3 characters each). */
export const OPENAI_MAX_CHARS = 24_000;
/** Inputs per request of an OpenAI-compatible endpoint (OpenAI's own limit is 2,048). */
export const OPENAI_MAX_BATCH = 2_048;
/** Characters per text of the local embedder when `maxChars` is not set. */
export const LOCAL_MAX_CHARS = 8_000;
/** Dimensions the local embedder can produce. */
export const LOCAL_DIMENSIONS = { min: 8, max: 4_096 } as const;

const bedrockProviderSchema = z
  .object({
    kind: z.literal('bedrock'),
    model: z.enum(Object.keys(BEDROCK_MODELS) as [BedrockModel, ...BedrockModel[]]),
    /** The Bedrock region. @default the function's own region */
    region: z.string().min(1).optional(),
  })
  .strict();

const apiKeySchema = z.union([
  z.object({ secretId: z.string().min(1) }).strict(),
  z.object({ env: z.string().min(1) }).strict(),
]);

const openaiProviderSchema = z
  .object({
    kind: z.literal('openai'),
    /** The API's base URL; requests go to `${url}/embeddings`. */
    url: z.url({ message: 'must be a URL' }),
    model: z.string().min(1),
    /** The API key, sent as `Authorization: Bearer <key>`: a Secrets Manager secret or an environment variable. */
    apiKey: apiKeySchema,
    /**
     * Send `dimensions` with each request, asking the model to shorten its vectors to the
     * embed step's `dimensions`. Off, the model answers its own length, which must then be
     * `dimensions`: models with one length (text-embedding-ada-002, many self-hosted servers)
     * refuse the parameter: set it to false for them. @default true
     */
    sendDimensions: z.boolean().optional(),
  })
  .strict();

const localProviderSchema = z.object({ kind: z.literal('local') }).strict();

/** Whether an OpenAI-compatible provider is sent `dimensions`: unless the config turns it off. */
export function sendsDimensions(provider: { sendDimensions?: boolean | undefined }): boolean {
  return provider.sendDimensions ?? true;
}

export const embedProviderSchema = z.discriminatedUnion('kind', [bedrockProviderSchema, openaiProviderSchema, localProviderSchema]);

export const embedSchema = z
  .object({
    /** The text to embed, from the source document. */
    text: z.custom<(doc: SourceDoc) => string>((value) => typeof value === 'function', { message: 'must be a function (doc => text)' }),
    provider: embedProviderSchema,
    /** The vector's length. Titan V2: 256, 512 or 1024; Cohere v3: 1024; local: 8 to 4096. */
    dimensions: z.number().int().positive(),
    /** Texts per provider call (Titan V2 takes one text per call: that many calls run at once). */
    batchSize: z.number().int().min(1).max(200).default(100),
    /** Longest text embedded in one piece; a longer one is split (docs/embeddings.md). @default the model's limit */
    maxChars: z.number().int().min(100).optional(),
  })
  .strict()
  .superRefine((embed, ctx) => {
    const allowed = allowedDimensions(embed.provider);
    if (allowed && !allowed.includes(embed.dimensions)) {
      ctx.addIssue({ code: 'custom', path: ['dimensions'], message: `${describeProvider(embed.provider)} produces ${allowed.join(', ')} dimensions, not ${embed.dimensions}` });
    }
    if (embed.provider.kind === 'local' && (embed.dimensions < LOCAL_DIMENSIONS.min || embed.dimensions > LOCAL_DIMENSIONS.max)) {
      ctx.addIssue({ code: 'custom', path: ['dimensions'], message: `the local embedder produces ${LOCAL_DIMENSIONS.min} to ${LOCAL_DIMENSIONS.max} dimensions, not ${embed.dimensions}` });
    }
    const limit = modelLimits(embed.provider).maxChars;
    if (embed.maxChars !== undefined && embed.maxChars > limit) {
      ctx.addIssue({ code: 'custom', path: ['maxChars'], message: `${describeProvider(embed.provider)} takes at most ${limit} characters per text` });
    }
  });

export type EmbedConfig = z.output<typeof embedSchema>;
export type EmbedProviderConfig = z.output<typeof embedProviderSchema>;

function allowedDimensions(provider: EmbedProviderConfig): readonly number[] | undefined {
  return provider.kind === 'bedrock' ? BEDROCK_MODELS[provider.model].dimensions : undefined;
}

/** The provider's own limits: texts per call and characters per text. */
export function modelLimits(provider: EmbedProviderConfig): { maxBatch: number; maxChars: number } {
  if (provider.kind === 'bedrock') return BEDROCK_MODELS[provider.model];
  if (provider.kind === 'openai') return { maxBatch: OPENAI_MAX_BATCH, maxChars: OPENAI_MAX_CHARS };
  return { maxBatch: Number.MAX_SAFE_INTEGER, maxChars: LOCAL_MAX_CHARS };
}

/** The provider and model in words, e.g. `bedrock amazon.titan-embed-text-v2:0`. */
export function describeProvider(provider: EmbedProviderConfig): string {
  if (provider.kind === 'bedrock') return `bedrock ${provider.model}`;
  if (provider.kind === 'openai') return `openai ${provider.model} at ${provider.url}`;
  return 'local (feature hashing)';
}
