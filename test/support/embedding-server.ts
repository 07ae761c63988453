/**
 * A real HTTP server speaking two embedding APIs for tests, with vectors from the local embedder:
 * - OpenAI's: `POST /v1/embeddings` `{ input, model, dimensions }` → `{ data: [{ index, embedding }] }`;
 * - Bedrock runtime's InvokeModel: `POST /model/{modelId}/invoke`, Titan V2 (`{ inputText, dimensions }`
 *   → `{ embedding }`) and Cohere v3 (`{ texts }` → `{ embeddings }`).
 * Faults queued with `failNext` are served first, in order (a 429 with `Retry-After`, a 400...).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createH2cServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { LocalEmbedder } from '../../lambdas/adapters/embedders/index.ts';

export interface Fault {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface EmbeddingRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface EmbeddingServer {
  /** HTTP/1.1 (the OpenAI shape). */
  url: string;
  /** HTTP/2 over cleartext, the same routes: the Bedrock runtime client speaks HTTP/2 only. */
  h2url: string;
  /** Every request received, in order (faulted ones too). */
  requests: EmbeddingRequest[];
  failNext(...faults: Fault[]): void;
  stop(): Promise<void>;
}

/** The vectors' length on `/v1/embeddings` when a request sends no `dimensions`. */
export const OPENAI_FIXED_DIMENSIONS = 1536;

export async function startEmbeddingServer(): Promise<EmbeddingServer> {
  const requests: EmbeddingRequest[] = [];
  const faults: Fault[] = [];
  const send = (res: ServerResponse | Http2ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    for (const [name, value] of Object.entries({ 'content-type': 'application/json', ...headers })) res.setHeader(name, value);
    res.statusCode = status;
    res.end(JSON.stringify(body));
  };

  const answer = async (path: string, body: Record<string, unknown>): Promise<unknown> => {
    if (path === '/v1/embeddings') {
      const input = body['input'] as string[];
      // Without `dimensions`, the length of a model that has one (text-embedding-ada-002's).
      const vectors = await new LocalEmbedder(Number(body['dimensions'] ?? OPENAI_FIXED_DIMENSIONS)).embed(input);
      return { object: 'list', model: body['model'], data: vectors.map((vector, index) => ({ object: 'embedding', index, embedding: [...vector] })) };
    }
    if (/^\/model\/[^/]+\/invoke$/.test(path)) {
      const model = decodeURIComponent(path.split('/')[2] as string);
      if (model.startsWith('amazon.titan')) {
        const [vector] = await new LocalEmbedder(Number(body['dimensions'] ?? 1024)).embed([String(body['inputText'])]);
        return { embedding: [...(vector as Float32Array)], inputTextTokenCount: 3 };
      }
      const vectors = await new LocalEmbedder(1024).embed(body['texts'] as string[]);
      return { id: 'test', response_type: 'embeddings_floats', texts: body['texts'], embeddings: vectors.map((vector) => [...vector]) };
    }
    return undefined;
  };

  const handle = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://embed').pathname;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      requests.push({ path, headers: req.headers as IncomingMessage['headers'], body });
      const fault = faults.shift();
      if (fault) return send(res, fault.status, fault.body ?? { message: `fault ${fault.status}` }, fault.headers);
      void answer(path, body).then((result) => (result === undefined ? send(res, 404, { message: 'no such route' }) : send(res, 200, result)));
    });
  };
  const server = createServer(handle);
  const h2 = createH2cServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    h2url: `http://127.0.0.1:${(h2.address() as AddressInfo).port}`,
    requests,
    failNext: (...more) => faults.push(...more),
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => h2.close(() => resolve()));
    },
  };
}
