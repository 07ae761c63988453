/**
 * How the CLI reaches an ops API: plain HTTP to the local runtime, SigV4-signed requests
 * (service `execute-api`) to a deployed stack. Errors come back as one line with an exit code:
 * problem documents are rendered as `detail (HTTP status)`.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import { CliError, EXIT, exitCodeForStatus, oneLine } from './exit-codes.ts';

export { oneLine } from './exit-codes.ts';

/** An HTTP answer, its body parsed when it is JSON. */
export interface HttpAnswer {
  status: number;
  body: unknown;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string>;
  /** Statuses that are not errors for this call (e.g. 404 when probing). */
  accept?: readonly number[];
}

/** Sends requests to one base URL. */
export interface HttpClient {
  readonly baseUrl: string;
  request(method: string, path: string, options?: RequestOptions): Promise<HttpAnswer>;
}

export interface HttpClientOptions {
  baseUrl: string;
  /** What to call the other side in errors ("the local runtime", "the ops API at ..."). */
  name: string;
  /** A hint added when it cannot be reached. */
  unreachableHint?: string;
  /** Sign with SigV4 for API Gateway IAM authorization. */
  sigv4?: { region: string; profile?: string };
  timeoutMs?: number;
}

/** An RFC 9457 problem document, as the ops API answers errors. */
interface Problem {
  title?: string;
  status?: number;
  detail?: string;
}

/** Where SigV4 signatures come from: the region, and a profile or credentials (default: the standard provider chain). */
export interface SignerOptions {
  region: string;
  profile?: string;
  /** Fixed credentials instead of the provider chain (tests). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** A SigV4 signer for API Gateway IAM authorization (service `execute-api`). */
export function createSigner(options: SignerOptions): SignatureV4 {
  return new SignatureV4({
    service: 'execute-api',
    region: options.region,
    credentials: options.credentials ?? fromNodeProviderChain(options.profile ? { profile: options.profile } : {}),
    sha256: Sha256,
  });
}

/** The headers of a request to `url` once signed (`host`, `x-amz-date`, `authorization`... added). */
export async function signedHeaders(signer: SignatureV4, method: string, url: URL, headers: Record<string, string>, body: string | undefined): Promise<Record<string, string>> {
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { ...headers, host: url.host },
    ...(body !== undefined ? { body } : {}),
  });
  return signed.headers as Record<string, string>;
}

/** Builds a client; SigV4 credentials come from the default provider chain (env, profile, SSO, IMDS...). */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const signer = options.sigv4 ? createSigner(options.sigv4) : undefined;
  const base = options.baseUrl.replace(/\/+$/, '');
  return {
    baseUrl: base,
    async request(method, path, request = {}) {
      const url = new URL(base + path);
      for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
      const body = request.body === undefined ? undefined : JSON.stringify(request.body);
      let headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
      if (signer) {
        try {
          headers = await signedHeaders(signer, method, url, headers, body);
        } catch (error) {
          throw new CliError(`cannot sign the request with AWS credentials: ${error instanceof Error ? error.message : String(error)}`, EXIT.unreachable, { cause: error });
        }
      }
      let response: Response;
      try {
        response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
      } catch (error) {
        const reason = networkReason(error, options.timeoutMs ?? 30_000);
        throw new CliError(`cannot reach ${options.name} at ${base} (${reason})${options.unreachableHint ? `: ${options.unreachableHint}` : ''}`, EXIT.unreachable, { cause: error });
      }
      const text = await response.text();
      let parsed: unknown = text;
      if (text !== '' && /json/.test(response.headers.get('content-type') ?? '')) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      if (response.status >= 400 && !request.accept?.includes(response.status)) throw problemError(response.status, parsed);
      return { status: response.status, body: parsed };
    },
  };
}

/**
 * Why a request got no answer, from the innermost causes `fetch` wraps in its `TypeError: fetch
 * failed`: `connect ECONNREFUSED 127.0.0.1:4562`, `getaddrinfo ENOTFOUND host`, every address of a
 * host that refused on all of them, or `no answer within 30 s`.
 */
export function networkReason(error: unknown, timeoutMs: number): string {
  let current = error;
  for (let depth = 0; depth < 8; depth++) {
    if (current instanceof Error && current.name === 'TimeoutError') return `no answer within ${Math.round(timeoutMs / 1000)} s`;
    if (current instanceof AggregateError && current.errors.length > 0) return [...new Set(current.errors.map(describeCause))].join('; ');
    const cause = (current as { cause?: unknown } | undefined)?.cause;
    if (!(cause instanceof Error)) break;
    current = cause;
  }
  return describeCause(current);
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const message = error.message || error.name;
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

/** One line for an error answer: the problem's detail (or title), then the status. */
export function problemError(status: number, body: unknown): CliError {
  const problem = (typeof body === 'object' && body !== null ? body : {}) as Problem & { message?: string };
  const text = problem.detail || problem.title || problem.message || (typeof body === 'string' && body.trim() !== '' ? body.trim().slice(0, 200) : `HTTP ${status}`);
  const hint = status === 403 ? ' (check the AWS credentials and that they may call execute-api:Invoke on this API)' : '';
  return new CliError(`${oneLine(text)} (HTTP ${status})${hint}`, exitCodeForStatus(status));
}
