import { FreshindexError } from '../errors.ts';

/** similar() on a type whose records carry no vectors (no `embed` step), or a record without one. */
export class NoVectorsError extends FreshindexError {
  override readonly status = 400;
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(message, { context });
    this.name = 'NoVectorsError';
  }
}
