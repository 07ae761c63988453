/** Dependency rules checked by `npm test` (npm run lint:deps). */

/** Where the product starts: the CLI and CDK app, the job program, the Lambda handlers, the package exports, the console's browser script. */
const ENTRY_POINTS = '^(bin/[^/]+\\.ts|lambdas/console/app/main\\.ts|lambdas/jobs/cli\\.ts|lambdas/handlers/(apply|verify|api|monitor|alert-delivery|stream-capture|capture-relay)\\.ts|lambdas/(reader|publisher)/index\\.ts|lambdas/core/config/index\\.ts|lib/index\\.ts)$';

module.exports = {
  forbidden: [
    {
      name: 'no-core-to-infra',
      comment: 'The domain core imports no SDK, framework, adapter, handler or environment: adapters depend on the core, never the reverse.',
      severity: 'error',
      from: { path: '^lambdas/core' },
      to: {
        path: [
          '^lambdas/(adapters|handlers|jobs|local|api|reader|publisher)',
          '^lib/',
          '^bin/',
          'node_modules/(@aws-sdk|@smithy|aws-cdk-lib|constructs|ioredis|fastify|@fastify|@aws-lambda-powertools|undici|commander|dynalite|fauxqs)',
        ],
      },
    },
    {
      name: 'no-core-node-io',
      comment: 'The core does no I/O of its own: no fs, net, http or child processes (crypto and timers are fine).',
      severity: 'error',
      from: { path: '^lambdas/core' },
      to: { dependencyTypes: ['core'], path: '^(fs|node:fs|fs/promises|node:fs/promises|net|node:net|http|node:http|https|node:https|child_process|node:child_process|process|node:process)$' },
    },
    {
      name: 'no-runtime-to-cdk',
      comment: 'What runs in Lambda or Batch never imports the CDK.',
      severity: 'error',
      from: { path: '^lambdas/' },
      to: { path: ['^lib/', 'node_modules/(aws-cdk-lib|constructs|cdk-nag)'] },
    },
    {
      name: 'no-adapter-to-entry-layers',
      comment: 'Adapters translate outside systems to the core\'s ports; they never import the API, the handlers, the jobs, the CLI or the local runtime.',
      severity: 'error',
      from: { path: '^lambdas/adapters' },
      to: { path: '^lambdas/(api|handlers|jobs|local|cli)/' },
    },
    {
      name: 'only-the-composition-root-builds-adapters',
      comment: 'Handlers, jobs, the API, the CLI and the local runtime take their ports from the bundle of lambdas/adapters/compose/; only it (and the adapters themselves) imports a concrete adapter.',
      severity: 'error',
      from: { path: '^lambdas/(api|handlers|jobs|local|cli)/' },
      // config-file/ finds and loads the user's freshindex.config.ts: no port adapter, and needed before any bundle exists.
      to: { path: '^lambdas/adapters/', pathNot: ['^lambdas/adapters/compose/', '^lambdas/adapters/config-file/'] },
    },
    {
      name: 'no-vendor-clients-in-entry-points',
      comment: 'Handlers, jobs and the API hold no SDK or Redis client: the composition root owns them. (The local runtime plays AWS itself, so it may.)',
      severity: 'error',
      from: { path: '^lambdas/(api|handlers|jobs)/' },
      to: { path: 'node_modules/(@aws-sdk|@smithy|ioredis)' },
    },
    {
      name: 'no-test-or-examples-in-product',
      comment: 'What ships (lambdas/, bin/, lib/) never imports test/ or examples/.',
      severity: 'error',
      from: { path: '^(lambdas|bin|lib)/' },
      to: { path: '^(test|examples)/' },
    },
    {
      name: 'no-orphans',
      comment: 'Every module is reachable from an entry point (bin/, the job program, the Lambda handlers, the package exports): what is not is dead code.',
      severity: 'error',
      from: { path: ENTRY_POINTS },
      to: { path: '^(lambdas|lib)/', pathNot: ENTRY_POINTS, reachable: false },
    },
    {
      name: 'console-app-runs-in-the-browser',
      comment: "The console's script (bundled by esbuild for the browser) uses no Node built-in and no product module but types.",
      severity: 'error',
      from: { path: '^lambdas/console/app/' },
      to: {
        path: ['^(node:)?[a-z_]+$', '^lambdas/(?!console/app/)'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
