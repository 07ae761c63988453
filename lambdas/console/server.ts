/**
 * Serves the console on a Fastify app: `GET /console/` (the page), `/console/console.js` (the
 * script, bundled with esbuild from app/main.ts on first request and kept in memory) and
 * `/console/console.css` (uPlot's sheet and the console's); the package ships them bundled by
 * `npm run build` (scripts/bundle-console.ts). The same routes serve it locally
 * (on the local ops API) and from `freshindex console --endpoint` (next to its signing proxy).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { FastifyInstance } from 'fastify';
import { CONSOLE_CSS, CONSOLE_HTML } from './page.ts';

/** The console's assets, built once per process. */
export interface ConsoleAssets {
  script: string;
  style: string;
}

let assets: Promise<ConsoleAssets> | undefined;

/**
 * The console's script and style sheet: the files `npm run build` bundled next to this module
 * (the package), else bundled now from the sources (a checkout: `npm start`).
 */
export function consoleAssets(): Promise<ConsoleAssets> {
  assets ??= loadAssets().catch((error: unknown) => {
    assets = undefined;
    throw error;
  });
  return assets;
}

/** Where `npm run build` writes the bundled assets (next to the compiled server). */
export const BUNDLED = { script: 'console.bundle.js', style: 'console.bundle.css' } as const;

async function loadAssets(): Promise<ConsoleAssets> {
  const script = fileURLToPath(new URL(BUNDLED.script, import.meta.url));
  const style = fileURLToPath(new URL(BUNDLED.style, import.meta.url));
  if (existsSync(script) && existsSync(style)) return { script: await readFile(script, 'utf8'), style: await readFile(style, 'utf8') };
  return bundleConsole();
}

/** Bundles the console's script with esbuild (from app/main.ts, or the compiled app/main.js) and its style sheet. */
export async function bundleConsole(): Promise<ConsoleAssets> {
  const entry = ['./app/main.ts', './app/main.js'].map((path) => fileURLToPath(new URL(path, import.meta.url))).find((path) => existsSync(path));
  if (!entry) throw new Error('the console script is missing from this installation (lambdas/console/app/main)');
  const result = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true, write: false, legalComments: 'none', logLevel: 'silent' });
  const script = result.outputFiles[0]?.text ?? '';
  const uplotCss = await readFile(createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css'), 'utf8');
  return { script, style: `${uplotCss}\n${CONSOLE_CSS}` };
}

/** Adds the console's routes to `app`; `/console` redirects to `/console/`. */
export function consoleRoutes(app: FastifyInstance): void {
  const hidden = { schema: { hide: true } };
  app.get('/console', hidden, async (_request, reply) => reply.redirect('/console/'));
  app.get('/console/', hidden, async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('content-security-policy', CSP).send(CONSOLE_HTML));
  app.get('/console/console.js', hidden, async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send((await consoleAssets()).script));
  app.get('/console/console.css', hidden, async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send((await consoleAssets()).style));
}

/** Only the page's own origin: no inline script, no other host (uPlot sets inline styles). */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
