/**
 * Answers of the router itself, as problem details like every other error: a URL it cannot read
 * (400, 414) without echoing it, a path that exists asked with another method (405 with `Allow`),
 * and a path that does not exist (404). Shared by the ops API and the local control API.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiLog } from './ports.ts';
import { errorHandler, problem, sendProblem } from './problems.ts';

/**
 * Fastify's `frameworkErrors` option: the URLs its router rejects before any route runs. The
 * URL is not repeated in the answer, and the problem has no `instance`.
 */
export function routerErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const [status, detail] =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? [414, 'the request URL is too long (a path segment passes the router limit)']
      : error.code === 'FST_ERR_BAD_URL'
        ? [400, 'the request URL is not valid (malformed percent-encoding)']
        : [500, ''];
  const { instance: _instance, ...answer } = problem(status, request, detail);
  return sendProblem(reply, answer);
}

/**
 * Installs the problem answers on `app`: the error handler, and a not-found handler that tells a
 * wrong method (405, `Allow: GET, HEAD`) from a path no route serves (404). Call it before the
 * routes are added: it learns them as they are.
 */
export function installProblemAnswers(app: FastifyInstance, log: ApiLog, hint = ''): void {
  const routes: Array<{ pattern: RegExp; methods: string[] }> = [];
  app.addHook('onRoute', (route) => {
    routes.push({ pattern: patternOf(route.url ?? route.path), methods: [route.method].flat().map(String) });
  });
  app.setErrorHandler(errorHandler(log));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = [...new Set(routes.filter((route) => route.pattern.test(path)).flatMap((route) => route.methods))].sort();
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(reply, problem(405, request, `${request.method} is not allowed here; allowed: ${allowed.join(', ')}`));
    }
    return sendProblem(reply, problem(404, request, `no route ${request.method} ${path}${hint}`));
  });
}

/** `/v1/types/:type/records/:id` as a regular expression over raw (still encoded) paths. */
function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}
