/**
 * `freshindex console --endpoint`'s proxy against a local server standing in for API Gateway's
 * IAM authorizer: it recomputes each request's SigV4 signature from the secret it shares with the
 * test and refuses (403) a request whose signature does not match, as API Gateway does.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSigner } from '../../../lambdas/cli/http.ts';
import { startConsoleProxy, type ConsoleProxy } from '../../../lambdas/console/proxy.ts';

const REGION = 'eu-west-1';
const CREDENTIALS = { accessKeyId: 'AKIDCONSOLETEST', secretAccessKey: 'the-shared-secret' };

interface Seen {
  method: string;
  url: string;
  body: string;
  headers: IncomingMessage['headers'];
}

/** The signature the request should carry, recomputed from its signed headers, its date and its body. */
async function expectedAuthorization(request: IncomingMessage, body: string, base: URL): Promise<string | undefined> {
  const authorization = request.headers['authorization'];
  const date = request.headers['x-amz-date'];
  if (typeof authorization !== 'string' || typeof date !== 'string') return undefined;
  const names = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  const headers = Object.fromEntries(names.map((name) => [name, String(request.headers[name] ?? '')]));
  const url = new URL(request.url ?? '/', base);
  const signingDate = new Date(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  const signed = await createSigner({ region: REGION, credentials: CREDENTIALS }).sign(
    { method: request.method ?? 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: Object.fromEntries(url.searchParams), headers, ...(body ? { body } : {}) },
    { signingDate },
  );
  return signed.headers['authorization'];
}

describe('the console proxy', () => {
  let api: Server;
  let apiUrl: URL;
  const seen: Seen[] = [];
  let proxy: ConsoleProxy | undefined;

  beforeAll(async () => {
    api = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', async () => {
        seen.push({ method: request.method ?? '', url: request.url ?? '', body, headers: request.headers });
        const expected = await expectedAuthorization(request, body, apiUrl);
        if (!expected || expected !== request.headers['authorization']) {
          response.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'The request signature we calculated does not match the signature you provided.' }));
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: request.method, url: request.url, body }));
      });
    });
    await new Promise<void>((done) => api.listen(0, '127.0.0.1', done));
    apiUrl = new URL(`http://127.0.0.1:${(api.address() as AddressInfo).port}`);
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    seen.splice(0);
  });
  afterAll(async () => {
    await new Promise((done) => api.close(done));
  });

  const start = async (credentials = CREDENTIALS) => (proxy = await startConsoleProxy({ endpoint: apiUrl.href, signer: createSigner({ region: REGION, credentials }) }));
  const origin = (url: string) => new URL(url).origin;

  it('forwards a GET with its query, signed so that the IAM check passes, and passes the answer back', async () => {
    const { url } = await start();

    const response = await fetch(new URL('/v1/types/movie/metrics?minutes=15', url));

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ method: 'GET', url: '/v1/types/movie/metrics?minutes=15', body: '' });
    expect(seen[0]?.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDCONSOLETEST\/\d{8}\/eu-west-1\/execute-api\/aws4_request/);
  });

  it('signs the body of a POST as it forwards it, byte for byte', async () => {
    const { url } = await start();
    const body = JSON.stringify({ reason: 'started from the console' });

    const response = await fetch(new URL('/v1/types/movie/rebuild', url), { method: 'POST', headers: { 'content-type': 'application/json', origin: origin(url) }, body });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { body: string }).body).toBe(body);
  });

  it('signs a DELETE of an id that needs encoding', async () => {
    const { url } = await start();

    const response = await fetch(new URL('/v1/types/movie/quarantine/a%20b%2Fc', url), { method: 'DELETE', headers: { origin: origin(url) } });

    expect(response.status).toBe(200);
    expect(seen[0]?.url).toBe('/v1/types/movie/quarantine/a%20b%2Fc');
  });

  it("passes the API's refusal through when the credentials are not the ones IAM knows", async () => {
    const { url } = await start({ accessKeyId: 'AKIDCONSOLETEST', secretAccessKey: 'another-secret' });

    const response = await fetch(new URL('/v1/types', url));

    expect(response.status).toBe(403);
    expect(seen).toHaveLength(1);
  });

  it('refuses, without signing or forwarding, a call sent by a web page of another origin', async () => {
    const { url } = await start();

    const response = await fetch(new URL('/v1/types/movie/rebuild', url), { method: 'POST', headers: { origin: 'https://evil.example' } });

    expect(response.status).toBe(403);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/another origin/);
    expect(seen).toHaveLength(0);
  });

  it('serves the console page itself, without calling the API', async () => {
    const { url } = await start();

    const page = await fetch(url);

    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>freshindex console</title>');
    expect(seen).toHaveLength(0);
  });
});
