/** Dependency rules checked by `npm test` (npm run lint:deps). */
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
