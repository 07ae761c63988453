/**
 * The demo movie CMS of `npm start` in the freshindex repository (examples/movies). It is no part
 * of the package: it is imported only when the demo runs, from the checkout's sources.
 */
import { existsSync } from 'node:fs';
import type { SNSClient } from '@aws-sdk/client-sns';
import { fileURLToPath } from 'node:url';

/** The demo config of the checkout (`npm start` runs it). */
export const DEMO_CONFIG_PATH = fileURLToPath(new URL('../../../examples/movies/freshindex.config.ts', import.meta.url));

const DEMO_CMS_MODULE = new URL('../../../examples/movies/cms-server.ts', import.meta.url);

/** The running demo CMS, as the local runtime uses it. */
export interface DemoCms {
  /** Base URL (documents under `/movies`). */
  url: string;
  catalog: { size: number };
  close(): Promise<void>;
}

/** Where the demo CMS serves and announces its edits. */
export interface DemoCmsOptions {
  port: number;
  sns: SNSClient;
  topicArn: string;
  onError: (error: unknown) => void;
}

/** The checkout's demo configs: the one `npm start` runs, and the same with its index in Redis. */
const DEMO_CONFIG_PATHS = [DEMO_CONFIG_PATH, fileURLToPath(new URL('../../../examples/movies/freshindex.redis.config.ts', import.meta.url))];

/** Whether `configPath` is one of the checkout's demo configs (the demo CMS then starts by default). */
export function isDemoConfig(configPath: string): boolean {
  return DEMO_CONFIG_PATHS.includes(configPath);
}

/** Starts the demo CMS; fails with a clear message outside a checkout of the freshindex repository. */
export async function startDemoCms(options: DemoCmsOptions): Promise<DemoCms> {
  if (!existsSync(fileURLToPath(DEMO_CMS_MODULE))) {
    throw new Error('the demo movie CMS ships with the freshindex repository only, not the package: run without --demo-cms');
  }
  const { startMovieCms } = (await import(DEMO_CMS_MODULE.href)) as { startMovieCms: (options: DemoCmsOptions) => Promise<DemoCms> };
  return startMovieCms(options);
}
