/**
 * `freshindex dev` (what `npm start` runs): the local runtime in the foreground until Ctrl-C.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { StackTemplate } from '../../local/cloud-assembly.ts';
import { DEFAULT_PORT_BASE } from '../../local/dev/ports.ts';
import type { DevRuntime } from '../../local/dev/runtime.ts';
import type { CliIo } from '../context.ts';
import { CliError, EXIT } from '../exit-codes.ts';

/** A second Ctrl-C this long after the first exits at once. */
const FORCE_AFTER_MS = 2_000;

/** Synthesizes the CDK app for a config; bin/freshindex.ts provides it (lambdas/ never imports the CDK). */
export type Synthesize = (configPath: string) => Promise<StackTemplate[]>;

interface DevCommandOptions {
  config?: string;
  portBase: number;
  demoCms?: boolean;
  initialBuild: boolean;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  verbose?: boolean;
  assembly?: string;
  dynamodbEndpoint?: string;
}

export function devCommand(program: Command, io: CliIo, synthesize: Synthesize | undefined): void {
  program
    .command('dev')
    .description('Run the whole pipeline locally (emulators, handlers, ops API, schedules, jobs, demo CMS) until Ctrl-C')
    .option('--config <path>', 'the config module, exporting `config` (default $FRESHINDEX_CONFIG, then ./freshindex.config.ts)')
    .addOption(new Option('--port-base <port>', 'first of six ports: SNS+SQS, DynamoDB, ops API, control API, demo CMS, Redis (0: free ports)').default(DEFAULT_PORT_BASE).argParser(port))
    .option('--demo-cms', "start the demo movie CMS (the default with the repository's demo config only)")
    .option('--no-demo-cms', 'do not start the demo movie CMS')
    .option('--no-initial-build', 'do not rebuild the types that have no index yet')
    .addOption(new Option('--log-level <level>', 'log level of the in-process handlers').choices(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']).default('INFO'))
    .option('--verbose', "print the jobs' own log lines")
    .option('--dynamodb-endpoint <url>', 'use this DynamoDB (moto_server, DynamoDB Local) instead of the embedded dynalite, which has no streams: needed for DynamoDB Streams capture')
    .option('--assembly <dir>', 'use this synthesized cloud assembly (cdk.out) instead of synthesizing the app for --config')
    .addHelpText(
      'after',
      [
        '',
        'Writes the runtime\'s endpoints to the state file (--state, default .freshindex/dev.json) once ready; the other commands read it.',
        'Exit codes: 0 stopped by Ctrl-C (SIGINT) or SIGTERM, 1 could not start (e.g. a port in use).',
      ].join('\n'),
    )
    .action(async (options: DevCommandOptions, command: Command) => {
      const globals = command.optsWithGlobals<{ state?: string }>();
      const { stateFilePath } = await import('../../local/dev/state.ts');
      const { startDevRuntime } = await import('../../local/dev/runtime.ts').catch(missingLocalPackages);
      const { readCloudAssembly } = await import('../../local/cloud-assembly.ts');
      const { isDemoConfig } = await import('../../local/dev/demo-cms.ts');
      const { resolveConfigFile } = await import('../../adapters/config-file/index.ts');
      const configPath = resolveConfigFile(options.config, io.env, io.cwd);
      const stateFile = stateFilePath(globals.state, io.env, io.cwd);
      const synth: Synthesize = options.assembly ? () => readCloudAssembly(resolve(io.cwd, options.assembly as string)) : (synthesize ?? missingSynth);

      let signalled: NodeJS.Signals | undefined;
      let signalledAt = 0;
      let wake: () => void = () => {};
      const stopped = new Promise<void>((done) => (wake = done));
      const onSignal = (signal: NodeJS.Signals) => {
        // One Ctrl-C often arrives twice (from the terminal and relayed by npm or tsx): only a later one forces the exit.
        if (signalled && Date.now() - signalledAt > FORCE_AFTER_MS) {
          io.err(`freshindex dev: ${signal} again: exiting without waiting\n`);
          process.exit(130);
        }
        if (signalled) return;
        signalled = signal;
        signalledAt = Date.now();
        wake();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let runtime: DevRuntime | undefined;
      try {
        try {
          runtime = await startDevRuntime({
            configPath,
            synthesize: synth,
            portBase: options.portBase,
            stateFile,
            demoCms: options.demoCms ?? isDemoConfig(configPath),
            initialBuild: options.initialBuild,
            logLevel: options.logLevel,
            verbose: Boolean(options.verbose),
            ...(options.dynamodbEndpoint ? { dynamodbEndpoint: options.dynamodbEndpoint } : {}),
            cwd: io.cwd,
            log: (line) => io.out(`${line}\n`),
          });
        } catch (error) {
          throw new CliError(error instanceof Error ? error.message : String(error), EXIT.failure, { cause: error });
        }
        if (!signalled) io.out(await banner(runtime, stateFile, io.cwd));
        await stopped;
        io.out(`freshindex dev: ${signalled ?? 'stop'}: stopping\n`);
        await runtime.stop();
        io.out('freshindex dev: stopped\n');
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

async function banner(runtime: DevRuntime, stateFile: string, cwd: string): Promise<string> {
  const { state } = runtime;
  const cli = cliCommand(cwd);
  let sampleId = '<id>';
  if (state.cmsUrl) {
    try {
      const page = (await (await fetch(`${state.cmsUrl}/movies?limit=1`)).json()) as { items?: Array<{ id?: string }> };
      sampleId = page.items?.[0]?.id ?? sampleId;
    } catch {
      // the banner keeps its placeholder
    }
  }
  const type = state.types[0] ?? 'TYPE';
  const lines = [
    `freshindex dev: ready: ops API at ${state.apiUrl}/v1 (OpenAPI at ${state.apiUrl}/v1/openapi.json)`,
    `  console:                       ${state.apiUrl}/console/`,
    `  control API (jobs, schedules): ${state.controlUrl}/local/v1/jobs`,
    ...(state.cmsUrl ? [`  demo CMS:                      ${state.cmsUrl}/movies`] : []),
    `  state file:                    ${relative(cwd, stateFile) || stateFile}`,
    ...runtime.plan.schedules.map((schedule) => `  schedule ${schedule.logicalId}: ${schedule.expression} -> ${schedule.args.join(' ')}`),
    ...runtime.initialJobs.map((id) => `  initial build running (job ${id}): it indexes the catalog; \`${cli} status\` shows it`),
    '',
    'Try:',
    `  ${cli} status`,
    state.cmsUrl
      ? `  curl -X PATCH ${state.cmsUrl}/movies/${sampleId} -H 'content-type: application/json' -d '{"IMDB Rating": 9.9}' && ${cli} get ${type} ${sampleId}`
      : `  ${cli} get ${type} ${sampleId}`,
    `  ${cli} rebuild ${type}`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  return `${lines.join('\n')}\n`;
}

/** How a user runs the CLI here: `npm run freshindex --` in the freshindex repository, `npx freshindex` in a project that installed it. */
function cliCommand(cwd: string): string {
  const manifest = join(cwd, 'package.json');
  if (!existsSync(manifest)) return 'npx freshindex';
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'freshindex' ? 'npm run freshindex --' : 'npx freshindex';
  } catch {
    return 'npx freshindex';
  }
}

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_530) throw new CliError(`--port-base must be 0..65530, got "${value}"`, EXIT.usage);
  return parsed;
}

/** The local runtime's emulators and the CDK are optional peer dependencies: say which to install. */
function missingLocalPackages(error: unknown): never {
  const missing = /Cannot find (?:package|module) '([^']+)'/.exec(String((error as Error)?.message ?? error))?.[1];
  if ((error as { code?: string })?.code === 'ERR_MODULE_NOT_FOUND' && missing) {
    throw new CliError(`freshindex dev needs ${missing}: npm install --save-dev fauxqs dynalite aws-cdk-lib constructs (freshindex init lists them)`, EXIT.failure, { cause: error });
  }
  throw error;
}

const missingSynth: Synthesize = async () => {
  throw new Error('no synthesizer: run `freshindex dev` from bin/freshindex.ts, or pass --assembly cdk.out');
};
