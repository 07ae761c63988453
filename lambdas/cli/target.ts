/**
 * Which runtime a command talks to: the local one (found through its state file) by default, or
 * a deployed stack's ops API with `--endpoint URL` (requests signed with SigV4).
 */
import { processAlive, readDevState, stateFilePath, type DevState } from '../local/dev/state.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { createHttpClient, type HttpClient, type SignerOptions } from './http.ts';

/** The global options every command shares. */
export interface GlobalOptions {
  endpoint?: string;
  region?: string;
  profile?: string;
  state?: string;
  json?: boolean;
  timeout?: number;
}

/** A runtime to talk to. */
export interface Target {
  kind: 'local' | 'deployed';
  /** The ops API. */
  api: HttpClient;
  /** The local control API (jobs, schedules): only locally. */
  control?: HttpClient;
  /** The local runtime's state: only locally. */
  state?: DevState;
}

const START_HINT = 'start it with `npm start` (or `freshindex dev`), or pass --endpoint URL for a deployed stack';

/** Resolves the target of a command from its global options. */
export async function resolveTarget(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<Target> {
  const timeoutMs = (options.timeout ?? 30) * 1000;
  const deployed = deployedEndpoint(options, env);
  if (deployed) {
    return { kind: 'deployed', api: createHttpClient({ baseUrl: deployed.url.href, name: 'the ops API', timeoutMs, ...(deployed.sigv4 ? { sigv4: deployed.sigv4 } : {}) }) };
  }
  const path = stateFilePath(options.state, env);
  let state: DevState | undefined;
  try {
    state = await readDevState(path);
  } catch (error) {
    throw new CliError(`the state file ${path} is not readable (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): delete it and restart the local runtime`, EXIT.unreachable);
  }
  if (!state) throw new CliError(`no local runtime is running (no ${path}): ${START_HINT}`, EXIT.unreachable);
  if (!processAlive(state.pid)) throw new CliError(`the local runtime (pid ${state.pid}) is gone, but left ${path}: ${START_HINT}`, EXIT.unreachable);
  const hint = `is the local runtime (pid ${state.pid}) still starting or stopping? ${START_HINT}`;
  return {
    kind: 'local',
    state,
    api: createHttpClient({ baseUrl: state.apiUrl, name: 'the local ops API', unreachableHint: hint, timeoutMs }),
    control: createHttpClient({ baseUrl: state.controlUrl, name: 'the local control API', unreachableHint: hint, timeoutMs }),
  };
}

/**
 * The deployed ops API of `--endpoint` (or $FRESHINDEX_ENDPOINT), and how to sign for it; a
 * loopback endpoint is a local ops API: nothing to sign, so no region is needed. Undefined
 * without an endpoint.
 */
export function deployedEndpoint(options: GlobalOptions, env: NodeJS.ProcessEnv): { url: URL; sigv4?: SignerOptions } | undefined {
  const endpoint = options.endpoint ?? env['FRESHINDEX_ENDPOINT'];
  if (!endpoint) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new CliError(`--endpoint ${endpoint} is not a URL (e.g. https://abc123.execute-api.eu-west-1.amazonaws.com)`, EXIT.usage);
  }
  const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  const region = options.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? regionOf(url);
  if (!local && !region) throw new CliError('cannot tell the AWS region of the endpoint: pass --region or set AWS_REGION', EXIT.usage);
  return { url, ...(local || !region ? {} : { sigv4: { region, ...(options.profile ? { profile: options.profile } : {}) } }) };
}

/** The region in an API Gateway URL (`https://id.execute-api.<region>.amazonaws.com/...`). */
export function regionOf(url: URL): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1];
}
