/**
 * The files `freshindex init` writes: a project that runs the local pipeline with `npm start`,
 * tests its transform with `npm test`, and synthesizes and deploys with the constructs.
 */

/** What the scaffold needs to know about the freshindex that writes it. */
export interface ScaffoldOptions {
  /** The project's package name. */
  name: string;
  /** The dependency spec of freshindex (`^0.1.0`, or a tarball or folder while trying a build). */
  freshindexSpec: string;
  /** freshindex's own package.json: its version ranges of the CDK, the emulators and tsx. */
  manifest: { devDependencies?: Record<string, string>; dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
  /** The CDK feature flags of freshindex's cdk.json, so the user's synth matches the tested one. */
  cdkContext: Record<string, unknown>;
}

/** The scaffold's files by relative path. */
export function scaffoldFiles(options: ScaffoldOptions): Record<string, string> {
  return {
    'package.json': json(packageJson(options)),
    'cdk.json': json({ app: 'npx tsx bin/app.ts', context: options.cdkContext }),
    'tsconfig.json': json(TSCONFIG),
    '.gitignore': ['node_modules/', 'cdk.out/', '# What freshindex generates: Lambda entries, the job image, the local runtime state.', '.freshindex/', ''].join('\n'),
    'freshindex.config.ts': CONFIG,
    'data/products.jsonl': PRODUCTS.map((product) => JSON.stringify(product)).join('\n') + '\n',
    'bin/app.ts': APP,
    'test/transform.test.ts': TEST,
    'README.md': readme(options.name),
  };
}

function packageJson(options: ScaffoldOptions): Record<string, unknown> {
  const range = (name: string): string => {
    const found = options.manifest.peerDependencies?.[name] ?? options.manifest.dependencies?.[name] ?? options.manifest.devDependencies?.[name];
    if (!found) throw new Error(`freshindex's package.json names no version of ${name}`);
    return found;
  };
  return {
    name: options.name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      start: 'freshindex dev',
      test: 'tsx --test test/*.test.ts',
      synth: 'cdk synth',
      deploy: 'cdk deploy --all',
    },
    dependencies: { freshindex: options.freshindexSpec },
    devDependencies: Object.fromEntries(['@types/node', 'aws-cdk', 'aws-cdk-lib', 'constructs', 'dynalite', 'fauxqs', 'tsx'].map((name) => [name, range(name)])),
    // The install scripts the emulators (classic-level, under dynalite) and esbuild need.
    allowScripts: { esbuild: true, 'classic-level': true },
  };
}

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2024',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    types: ['node'],
  },
  include: ['bin', 'test', 'freshindex.config.ts'],
};

const CONFIG = `import { defineConfig } from 'freshindex/config';

/** A product as the index holds it: what the recommender reads. */
export interface ProductRecord {
  title: string;
  price: number;
  tags: string[];
}

/** One transform, used by the incremental path and the nightly rebuild alike. */
export function toProduct(doc: Record<string, unknown>): ProductRecord {
  return {
    title: String(doc['title'] ?? '').trim(),
    price: Math.round(Number(doc['price'] ?? 0) * 100) / 100,
    tags: Array.isArray(doc['tags']) ? doc['tags'].map(String) : [],
  };
}

export const config = defineConfig({
  types: [
    {
      name: 'product',
      // A JSON-lines file, resolved from this file's folder: fine locally. Before \`npm run deploy\`,
      // point it at your CMS's API or a DynamoDB table (see freshindex's docs/sources.md).
      source: { type: 'jsonl', path: './data/products.jsonl' },
      transform: toProduct,
      version: (doc) => Number(doc['version']),
    },
  ],
});
`;

const PRODUCTS = [
  { id: 'p-1', title: 'Trail running shoes', price: 89.9, tags: ['running', 'outdoor'], version: 1 },
  { id: 'p-2', title: 'Rain jacket', price: 120, tags: ['outdoor'], version: 1 },
  { id: 'p-3', title: 'Water bottle', price: 12.5, tags: ['running'], version: 1 },
];

const APP = `/**
 * The CDK app: \`npm run synth\` (no Docker, no credentials) and \`npm run deploy\`.
 * Context: \`-c config=path\` picks another config file (default freshindex.config.ts).
 */
import { App } from 'aws-cdk-lib';
import { FreshindexComputeStack, FreshindexDataStack, loadFreshindexConfig, resolveConfigFile } from 'freshindex/cdk';

const app = new App();
const config = await loadFreshindexConfig(resolveConfigFile(app.node.tryGetContext('config') as string | undefined));
const env = { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] };

const data = new FreshindexDataStack(app, 'FreshindexData', { env, config });
new FreshindexComputeStack(app, 'FreshindexCompute', { env, config, data: data.resources });
`;

const TEST = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toProduct } from '../freshindex.config.ts';

test('the transform keeps what the recommender reads, cleaned', () => {
  const record = toProduct({ id: 'p-9', title: '  Headlamp ', price: '24.999', tags: ['outdoor'], version: 3, internalNote: 'x' });

  assert.deepEqual(record, { title: 'Headlamp', price: 25, tags: ['outdoor'] });
});
`;

function readme(name: string): string {
  return `# ${name}

A [freshindex](https://www.npmjs.com/package/freshindex) project: one resource type, \`product\`,
indexed from \`data/products.jsonl\`.

## Next steps

\`\`\`sh
npm install
npm start            # the whole pipeline locally, on embedded emulators; Ctrl-C stops it
npm test             # the transform's test
\`\`\`

While \`npm start\` runs, in another terminal:

\`\`\`sh
npx freshindex status
npx freshindex publish product p-1 --version 2 --doc '{"id":"p-1","title":"Trail shoes","price":79,"version":2}'
npx freshindex get product p-1
npx freshindex rebuild product
\`\`\`

## Make it yours

- \`freshindex.config.ts\`: your types, their source of truth, \`transform\` and \`version\`.
- Before deploying, point each source at your CMS's API (\`type: 'http'\`) or a DynamoDB table:
  a JSON-lines file exists only on your machine.
- \`npm run synth\` synthesizes the stacks (no Docker, no AWS credentials); \`npm run deploy\`
  deploys them into the account of your AWS credentials (Docker builds the job image).

Files freshindex generates go to \`.freshindex/\` (git-ignored).
`;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
