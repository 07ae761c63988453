/**
 * The demo config with the index in Redis (Valkey): `npm start -- --config examples/movies/freshindex.redis.config.ts`
 * starts a local redis-server (it must be on PATH) and runs the same pipeline on it.
 */
import { defineConfig } from '../../lambdas/core/config/index.ts';
import { movieConfig } from './freshindex.config.ts';

export const config = defineConfig({ ...movieConfig(process.env['FRESHINDEX_DEMO_CMS_URL'] ?? 'http://127.0.0.1:4010'), store: { type: 'redis' } });
