/** Yields to the event loop, so concurrent callers of a memory adapter interleave as they do against a real store. */
export const tick = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
