/**
 * Errors as RFC 9457 problem details (`application/problem+json`). The status comes from the
 * error's `status` property (lambdas/core/errors.ts), never from its class name. Server-side
 * failures answer a generic title and detail: no stack, no SDK or source message ever leaves.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FreshindexError } from '../core/errors.ts';
import type { ApiLog } from './ports.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** One problem detail. `errors` lists every invalid field of a 400. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request path; absent when the router could not read it (it is never echoed then). */
  instance?: string;
  requestId?: string;
  errors?: Array<{ field: string; message: string }>;
}

interface Kind {
  slug: string;
  title: string;
  /** The detail of server-side failures, which never repeat the error's own message. */
  generic?: string;
}

const KINDS: Record<number, Kind> = {
  400: { slug: 'invalid-request', title: 'The request is not valid' },
  403: { slug: 'forbidden', title: 'Forbidden' },
  404: { slug: 'not-found', title: 'Not found' },
  405: { slug: 'method-not-allowed', title: 'Method not allowed' },
  406: { slug: 'not-acceptable', title: 'Not acceptable' },
  409: { slug: 'conflict', title: 'The request conflicts with the current state' },
  413: { slug: 'payload-too-large', title: 'The request body is too large' },
  414: { slug: 'uri-too-long', title: 'The request URL is too long' },
  415: { slug: 'unsupported-media-type', title: 'Unsupported media type' },
  422: { slug: 'unprocessable', title: 'The source document cannot be indexed' },
  429: { slug: 'too-many-requests', title: 'Too many requests' },
  500: { slug: 'internal', title: 'Internal error', generic: 'The request failed unexpectedly. The error was logged under this request id.' },
  501: { slug: 'not-available', title: 'Not available in this deployment', generic: 'This operation is not configured in this deployment.' },
  502: { slug: 'source-unavailable', title: 'The source of truth failed', generic: 'The source of truth did not answer as expected. Try again later.' },
  503: { slug: 'store-unavailable', title: 'The index store is unavailable', generic: 'The index store did not answer. Try again shortly.' },
};

/** The URI naming a kind of problem. */
export function problemType(status: number): string {
  return `urn:freshindex:problem:${kindOf(status).slug}`;
}

function kindOf(status: number): Kind {
  return KINDS[status] ?? (status >= 500 ? (KINDS[500] as Kind) : { slug: `http-${status}`, title: 'The request cannot be served' });
}

/** Builds a problem for `status`; 5xx details are always the generic one. */
export function problem(status: number, request: FastifyRequest, detail: string, extra: Partial<Problem> = {}): Problem {
  const kind = kindOf(status);
  return {
    type: problemType(status),
    title: kind.title,
    status,
    detail: status >= 500 ? (kind.generic ?? (KINDS[500] as Kind).generic as string) : detail,
    instance: request.url,
    requestId: request.id,
    ...extra,
  };
}

/** Sends a problem. */
export function sendProblem(reply: FastifyReply, value: Problem): FastifyReply {
  return reply.code(value.status).type(PROBLEM_CONTENT_TYPE).send(value);
}

/**
 * The app's error handler: validation errors name each field, our errors answer with their
 * `status`, Fastify's own client errors (bad JSON, wrong media type) with theirs, and anything
 * else is a logged 500.
 */
export function errorHandler(log: ApiLog) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (error.validation) {
      const errors = error.validation.map((issue) => ({ field: fieldOf(error.validationContext, issue), message: issue.message ?? 'is invalid' }));
      const detail = errors.map((entry) => `${entry.field}: ${entry.message}`).join('; ');
      return sendProblem(reply, problem(400, request, detail, { errors }));
    }
    const status = statusOf(error);
    if (status >= 500) {
      log.error('request failed', { requestId: request.id, method: request.method, url: request.url, status, error: errorAttributes(error) });
    }
    return sendProblem(reply, problem(status, request, error instanceof FreshindexError || isClientError(error) ? error.message : ''));
  };
}

function statusOf(error: FastifyError): number {
  if (error instanceof FreshindexError) return error.status;
  if (isClientError(error)) return error.statusCode as number;
  return 500;
}

/** Fastify's own request errors (FST_ERR_*) with a 4xx status describe the request, not us. */
function isClientError(error: FastifyError): boolean {
  const status = error.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 && typeof error.code === 'string' && error.code.startsWith('FST_');
}

function fieldOf(context: string | undefined, issue: { instancePath?: string; params?: Record<string, unknown> }): string {
  const path = (issue.instancePath ?? '').split('/').filter(Boolean);
  const missing = issue.params?.['missingProperty'] ?? issue.params?.['additionalProperty'];
  if (typeof missing === 'string') path.push(missing);
  return [context ?? 'request', ...path].join('.');
}

function errorAttributes(error: Error): Record<string, unknown> {
  return { name: error.name, message: error.message, stack: error.stack, cause: error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : error.cause };
}
