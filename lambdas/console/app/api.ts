/// <reference lib="dom" />
/**
 * The console's calls to the ops API: same origin, relative paths (`/v1/...`). Locally the ops
 * API serves the page; `freshindex console --endpoint` serves it and signs the calls it proxies.
 */

/** An RFC 9457 problem document, as the API answers errors. */
export interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

/** The API refused or failed: its problem document, or what went wrong on the way. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`${problem.title ?? 'Request failed'} (HTTP ${status}): ${problem.detail ?? ''}`);
    this.name = 'ApiProblem';
  }
}

/** Calls the API; throws {@link ApiProblem} on a 4xx/5xx or when it cannot be reached. */
export async function api<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { accept: 'application/json, application/problem+json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    throw new ApiProblem(0, { title: 'The console server cannot be reached', detail: error instanceof Error ? error.message : String(error) });
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = { detail: text.slice(0, 300) };
  }
  if (!response.ok) throw new ApiProblem(response.status, (parsed ?? {}) as Problem);
  return parsed as T;
}

/** `/v1/types/{type}...` with the type and id encoded. */
export function typePath(type: string, ...rest: string[]): string {
  return ['/v1/types', type, ...rest].map((part, index) => (index === 0 ? part : encodeURIComponent(part))).join('/');
}
