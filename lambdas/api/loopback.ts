/**
 * The guard of the APIs that listen on loopback without authentication (the local ops API and
 * the local control API). Listening on 127.0.0.1 keeps other machines out, but not a web page
 * open in the operator's browser: it can send body-less POSTs to 127.0.0.1 (no CORS preflight),
 * or rebind its own host name to 127.0.0.1. So a request is served only when it is addressed to a
 * loopback name (`Host`) and does not come from another web origin (`Origin`, `Sec-Fetch-Site`).
 * The CLI and curl send neither Origin nor Sec-Fetch-Site and pass.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problem, sendProblem } from './problems.ts';

/** Whether a host name or address is a loopback one (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);
}

/** The host name of a `Host` header without its port (`[::1]:4562` → `[::1]`). */
function hostName(header: string): string {
  const match = /^(\[[^\]]*\]|[^:]*)(:\d+)?$/.exec(header.trim());
  return (match?.[1] ?? '').toLowerCase();
}

/** Why a request must be refused, or `undefined` when it may be served. Never repeats the headers. */
export function foreignRequest(headers: FastifyRequest['headers']): string | undefined {
  const host = headers.host;
  if (!host || !isLoopbackHost(hostName(host))) {
    return 'this local API answers only requests addressed to 127.0.0.1, localhost or [::1] (the Host header names another host)';
  }
  const origin = headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    return 'this local API has no authentication and refuses requests sent by a web page of another origin (Origin header)';
  }
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return 'this local API has no authentication and refuses requests sent by a web page of another site (Sec-Fetch-Site header)';
  }
  return undefined;
}

/** Refuses (403 problem) every request a web page or a rebound host name could have sent. */
export function guardLoopback(app: FastifyInstance): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const reason = foreignRequest(request.headers);
    if (reason) return sendProblem(reply, problem(403, request, reason));
    return undefined;
  });
}
