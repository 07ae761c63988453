/**
 * `npm run build`'s last step: bundles the console's script and style sheet into
 * dist/lambdas/console/, where the packaged console server reads them (no esbuild run at start).
 */
import { writeFile } from 'node:fs/promises';
import { BUNDLED, bundleConsole } from '../lambdas/console/server.ts';

const assets = await bundleConsole();
const target = new URL('../dist/lambdas/console/', import.meta.url);
await writeFile(new URL(BUNDLED.script, target), assets.script);
await writeFile(new URL(BUNDLED.style, target), assets.style);
process.stdout.write(`console bundled: ${BUNDLED.script} ${Math.round(assets.script.length / 1024)} KiB, ${BUNDLED.style} ${Math.round(assets.style.length / 1024)} KiB\n`);
