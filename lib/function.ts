import { dirname, join } from 'node:path';
import { findLockFile } from '../lambdas/adapters/config-file/index.ts';
import { Stack, type Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PropChecks } from './checks.ts';
import { environmentProblem } from './environment-size.ts';
import { generatedDir, isInside, RUNTIME_ROOT, writeHandlerEntry, type HandlerName } from './entries.ts';
import { acknowledge } from './nag.ts';
import type { CacheNetwork } from './network.ts';

/** The Lambda runtime of every freshindex function. */
export const FRESHINDEX_RUNTIME: lambda.Runtime =
  (lambda.Runtime as unknown as Record<string, lambda.Runtime | undefined>)['NODEJS_24_X'] ??
  new lambda.Runtime('nodejs24.x', lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true });

/** Makes `import.meta.url`-less CommonJS dependencies work inside the ESM bundle. */
export const CREATE_REQUIRE_BANNER = "import { createRequire as __freshindexCreateRequire } from 'node:module'; const require = __freshindexCreateRequire(import.meta.url);";

/** Settings shared by every freshindex function. */
export interface FreshindexFunctionOptions {
  /**
   * Memory of the function, in MiB (CPU scales with it).
   *
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * How long the function's logs are kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Extra environment variables (for example the variable an HTTP source's `auth.env` names).
   *
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * The folder holding `lambdas/handlers/` (the freshindex runtime code).
   *
   * @default - the installed freshindex package's compiled runtime (its sources in a checkout)
   */
  readonly runtimeRoot?: string;
  /**
   * Where the generated entry files go.
   *
   * @default - `.freshindex/entries` in the project holding the config file (the nearest folder with a package.json)
   */
  readonly entriesDir?: string;
}

/** Props of {@link FreshindexFunction}. */
export interface FreshindexFunctionProps extends FreshindexFunctionOptions {
  /** Which freshindex handler the function runs. */
  readonly handler: HandlerName;
  /** Absolute path of the user's config module (see `loadFreshindexConfig`). */
  readonly configFile: string;
  /** The function's timeout. */
  readonly timeout: Duration;
  /**
   * What the function is for, shown in the console.
   *
   * @default - "freshindex <handler>"
   */
  readonly description?: string;
  /**
   * The VPC placement, when the function must reach the cache: its subnets and client security group.
   *
   * @default - outside any VPC
   */
  readonly network?: CacheNetwork;
  /**
   * Packages installed next to the bundle instead of bundled (native modules: `usearch` for the
   * functions answering similar()); their versions come from the lock file.
   *
   * @default - none
   */
  readonly nodeModules?: readonly string[];
}

/**
 * The one house Lambda function: Node.js 24 on arm64, bundled locally by esbuild (no Docker)
 * into an ESM file, active tracing, its own log group with a retention, and its own role that
 * holds nothing but the right to write that log group (callers grant the rest).
 *
 * The entry esbuild bundles is generated at synth time: it imports the user's config file and
 * passes it to the handler's factory (`createApplyHandler(config)`...).
 */
export class FreshindexFunction extends Construct {
  /** The Lambda function. */
  public readonly function: nodejs.NodejsFunction;
  /** The function's execution role. */
  public readonly role: iam.Role;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** The generated entry file esbuild bundles. */
  public readonly entry: string;

  constructor(scope: Construct, id: string, props: FreshindexFunctionProps) {
    super(scope, id);
    new PropChecks(this.node.path)
      .inRange('memorySize', props.memorySize, 128, 10_240)
      .durationInRange('timeout', props.timeout, 1, 900)
      .throwIfAny();

    this.entry = writeHandlerEntry({
      handler: props.handler,
      configFile: props.configFile,
      runtimeRoot: props.runtimeRoot ?? RUNTIME_ROOT,
      entriesDir: props.entriesDir ?? join(generatedDir(props.configFile), 'entries'),
    });
    // esbuild runs from the project's root, the folder of its lock file, which must hold the entry.
    const lockFile = findLockFile(dirname(this.entry));
    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `freshindex ${props.handler} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: this.entry,
      handler: 'handler',
      runtime: FRESHINDEX_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout,
      description: props.description ?? `freshindex ${props.handler}`,
      role: this.role,
      logGroup: this.logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      ...(lockFile && isInside(dirname(lockFile), this.entry) ? { depsLockFilePath: lockFile, projectRoot: dirname(lockFile) } : {}),
      ...(props.network
        ? { vpc: props.network.vpc, vpcSubnets: props.network.subnets, securityGroups: [props.network.clientSecurityGroup] }
        : {}),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        platform: 'node',
        mainFields: ['module', 'main'],
        banner: CREATE_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The bundle carries its own AWS SDK: the version we test with, not the runtime's.
        externalModules: [],
        ...(props.nodeModules?.length ? { nodeModules: [...props.nodeModules] } : {}),
        forceDockerBundling: false,
      },
    });

    this.enableTracing();
    if (props.network) this.allowVpcAccess();
    this.node.addValidation({
      validate: () => {
        const environment = (this.function.node.defaultChild as lambda.CfnFunction).environment;
        const variables = Stack.of(this).resolve(environment)?.variables as Record<string, unknown> | undefined;
        const problem = variables ? environmentProblem(variables) : undefined;
        return problem ? [problem] : [];
      },
    });
  }

  /**
   * The network-interface permissions a function in a VPC needs (what the AWS-managed
   * AWSLambdaVPCAccessExecutionRole holds), in a policy of their own for the same reason as
   * tracing: EC2's Describe calls support no resource-level permission.
   */
  private allowVpcAccess(): void {
    const policy = new iam.Policy(this, 'VpcAccess', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      ],
    });
    // Lambda checks the role's network permissions when it creates the function.
    (this.function.node.defaultChild as lambda.CfnFunction).addDependency(policy.node.defaultChild as iam.CfnPolicy);
    acknowledge(policy, {
      'AwsSolutions-IAM5[Resource::*]':
        'Lambda creates and removes the function\'s network interfaces with these EC2 actions (the set of AWSLambdaVPCAccessExecutionRole); the Describe calls support no resource-level permission.',
    });
  }

  /**
   * Active X-Ray tracing, with its two permissions in a policy of their own: they support no
   * resource-level permission (`Resource: *`), and the acknowledgment of that finding names this
   * policy only, so any other wildcard resource on the role still fails the cdk-nag check. (The
   * function's `tracing` prop would add them to the role's default policy, beside every grant.)
   */
  private enableTracing(): void {
    const policy = new iam.Policy(this, 'Tracing', {
      roles: [this.role],
      statements: [new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] })],
    });
    const cfnFunction = this.function.node.defaultChild as lambda.CfnFunction;
    cfnFunction.tracingConfig = { mode: lambda.Tracing.ACTIVE };
    // Lambda refuses active tracing until the role may write traces.
    cfnFunction.addDependency(policy.node.defaultChild as iam.CfnPolicy);
    acknowledge(policy, {
      'AwsSolutions-IAM5[Resource::*]': 'X-Ray PutTraceSegments and PutTelemetryRecords (active tracing) support no resource-level permission.',
    });
  }
}
