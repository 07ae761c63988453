/**
 * Helpers of the browser tests: one local runtime on free ports (no initial build: the test
 * starts the first one from the console), Debian's chromium driven by playwright-core with a
 * fresh profile, and screenshots saved under test-artifacts/browser/ (ignored by git).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { synthesizeStacks } from '../../bin/freshindex.ts';
import { createDynamoClient, createRuntime, type Runtime } from '../../lambdas/adapters/compose/index.ts';
import { loadConfigFile } from '../../lambdas/adapters/config-file/index.ts';
import { EMULATOR_CREDENTIALS } from '../../lambdas/local/emulators.ts';
import { startDevRuntime, type DevRuntime } from '../../lambdas/local/dev/runtime.ts';
import { DEMO_CONFIG, REPO_ROOT } from '../integration/cli/support.ts';

/** Where the screenshots go. */
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts/browser');

/** The launch flags of a quiet, reproducible headless chromium (no network of its own, no first-run UI). */
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface ConsoleWorld {
  dev: DevRuntime;
  /** A second runtime on the same tables, for what a test sets up directly (a quarantined resource). */
  ports: Runtime;
  browser: BrowserContext;
  page: Page;
  consoleUrl: string;
  cmsUrl: string;
  stop(): Promise<void>;
}

/** Starts the local runtime and chromium, and opens the console. */
export async function startConsoleWorld(): Promise<ConsoleWorld> {
  const directory = await mkdtemp(join(tmpdir(), 'freshindex-browser-'));
  const dev = await startDevRuntime({ configPath: DEMO_CONFIG, synthesize: synthesizeStacks, portBase: 0, stateFile: join(directory, 'dev.json'), logLevel: 'SILENT', initialBuild: false, cwd: REPO_ROOT, log: () => {} });
  const { state } = dev;
  const dynamodb = createDynamoClient({ endpoint: state.endpoints.dynamodb, region: state.region, credentials: EMULATOR_CREDENTIALS });
  const ports = createRuntime((await loadConfigFile(DEMO_CONFIG)).config, { indexTable: state.tables.index, controlTable: state.tables.control, region: state.region }, { dynamodb });
  const browser = await chromium.launchPersistentContext(join(directory, 'profile'), {
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1366, height: 900 },
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const consoleUrl = `${state.apiUrl}/console/`;
  await mkdir(ARTIFACTS, { recursive: true });
  return {
    dev,
    ports,
    browser,
    page,
    consoleUrl,
    cmsUrl: state.cmsUrl as string,
    async stop() {
      await browser.close().catch(() => {});
      await ports.close();
      dynamodb.destroy();
      await dev.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-artifacts/browser/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
