/**
 * A TCP proxy that adds a fixed delay to every request on its way to a store, so a local emulator
 * answers like a store across a network: each chunk a client sends reaches the store `delayMs`
 * later, in order, and the answers come straight back. One request then costs at least
 * `delayMs` of wall time and no CPU, as a call to DynamoDB or ElastiCache does from a container,
 * whatever the number of clients.
 *
 * It sits in front of the whole store (an HTTP endpoint or a Redis port), so the rebuild job's
 * processes and a raw baseline pay the same delay without any hook in the code they run.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** A running proxy. */
export interface LatencyProxy {
  /** 127.0.0.1 port the proxy listens on. */
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Starts a proxy to `target` (`host:port` or a URL) adding `delayMs` to every request. */
export async function startLatencyProxy(target: string, delayMs: number): Promise<LatencyProxy> {
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
    // Timers of one duration fire in the order they were set: chunks keep their order.
    client.on('data', (chunk) => setTimeout(() => store.writable && store.write(chunk), delayMs));
    client.once('end', () => setTimeout(() => store.end(), delayMs));
    store.pipe(client);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
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
