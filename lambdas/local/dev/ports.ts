/**
 * The local runtime's ports. By default they are fixed (so bookmarks and scripts keep working):
 * `base` for SNS+SQS (fauxqs), then DynamoDB, the ops API, the control API, the demo CMS and Redis.
 * A base of 0 picks free ports (tests).
 */
import { createServer } from 'node:net';

/** The default first port: 4560..4565. */
export const DEFAULT_PORT_BASE = 4560;

export interface DevPorts {
  sqs: number;
  dynamodb: number;
  api: number;
  control: number;
  cms: number;
  redis: number;
}

const OFFSETS: Record<keyof DevPorts, number> = { sqs: 0, dynamodb: 1, api: 2, control: 3, cms: 4, redis: 5 };

/** The ports from `base` (0: each a free port, found now). */
export async function planPorts(base: number = DEFAULT_PORT_BASE): Promise<DevPorts> {
  const ports = {} as DevPorts;
  for (const [name, offset] of Object.entries(OFFSETS) as Array<[keyof DevPorts, number]>) {
    ports[name] = base === 0 ? await freePort() : base + offset;
  }
  return ports;
}

/** A port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether `port` can be bound on loopback now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
