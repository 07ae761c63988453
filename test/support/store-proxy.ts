/**
 * A TCP proxy in front of a store (an HTTP endpoint or a Redis port), so a process's calls can be
 * delayed or stopped without any hook in the code it runs.
 *
 * - `delayMs` (bench/rebuild-children.ts): each chunk a client sends reaches the store `delayMs`
 *   later, in order, and the answers come straight back. One request then costs at least `delayMs`
 *   of wall time and no CPU, as a call to DynamoDB or ElastiCache does from a container, whatever
 *   the number of clients.
 * - `holdWhen` (test/integration/rebuild/crash.test.ts): the first chunk a client sends that
 *   matches never reaches the store, nor does anything after it on that connection; `held`
 *   resolves then. A process killed while held is killed with that request in flight, before the
 *   store saw it: a deterministic crash point.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** A running proxy. */
export interface StoreProxy {
  /** 127.0.0.1 port the proxy listens on. */
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  /** Resolves when a chunk matching `holdWhen` was held back. */
  readonly held: Promise<void>;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

export interface StoreProxyOptions {
  /** Added to every chunk on its way to the store. @default 0 */
  delayMs?: number;
  /** Holds back the first client chunk that matches, and the rest of its connection. */
  holdWhen?: (chunk: Buffer) => boolean;
}

/** Starts a proxy to `target` (`host:port` or a URL) adding `delayMs` to every request. */
export function startLatencyProxy(target: string, delayMs: number): Promise<StoreProxy> {
  return startStoreProxy(target, { delayMs });
}

/** Starts a proxy to `target` (`host:port` or a URL); see the module's comment. */
export async function startStoreProxy(target: string, options: StoreProxyOptions): Promise<StoreProxy> {
  const delayMs = options.delayMs ?? 0;
  let holding = false;
  let onHeld = () => {};
  const held = new Promise<void>((done) => (onHeld = done));
  const upstream = new URL(target.includes('://') ? target : `tcp://${target}`);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const store = connect(Number(upstream.port), upstream.hostname);
    for (const socket of [client, store]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        store.destroy();
      });
    }
    let heldHere = false;
    // Timers of one duration fire in the order they were set: chunks keep their order.
    client.on('data', (chunk: Buffer) => {
      if (!heldHere && !holding && options.holdWhen?.(chunk)) {
        holding = heldHere = true;
        onHeld();
      }
      if (!heldHere) setTimeout(() => store.writable && store.write(chunk), delayMs);
    });
    client.once('end', () => setTimeout(() => store.end(), delayMs));
    store.pipe(client);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    held,
    via(url: string) {
      const proxied = new URL(url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(port);
      return proxied.toString().replace(/\/$/, '');
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
