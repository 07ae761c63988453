export { defineConfig, validateConfig, documentId, findType } from './load.ts';
export type {
  FreshindexConfig,
  FreshindexConfigInput,
  TypeConfig,
  SourceConfig,
  HttpSourceConfig,
  DynamodbSourceConfig,
  JsonlSourceConfig,
  GateConfig,
  StoreConfig,
} from './schema.ts';
export type { DeliveryConfig, ListenContext, ListenerMapping } from './fanout.ts';
export type { EmbedConfig, EmbedProviderConfig } from './embed.ts';
