/**
 * The CloudWatch metrics reader of the ops API's metrics route, against moto_server (started by
 * this file on a free port): what the apply function published under namespace `freshindex`,
 * dimensions `service` and `type`, comes back per minute, one type apart from another.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchMetricsReader } from '../../../lambdas/adapters/metrics/cloudwatch.ts';
import { MetricsError } from '../../../lambdas/core/metrics.ts';
import { freePort } from '../../../lambdas/local/dev/ports.ts';

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const dimensions = (type: string) => [
  { Name: 'service', Value: 'freshindex-apply' },
  { Name: 'type', Value: type },
];

describe('the CloudWatch metrics reader', () => {
  let moto: ChildProcess;
  let client: CloudWatchClient;

  beforeAll(async () => {
    const port = await freePort();
    moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    client = new CloudWatchClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: CREDENTIALS });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const up = await fetch(`http://127.0.0.1:${port}/moto-api/`).then(() => true, () => false);
      if (up) break;
      if (Date.now() > deadline) throw new Error('moto_server did not start');
      await new Promise((done) => setTimeout(done, 200));
    }
  }, 40_000);
  afterAll(() => {
    client?.destroy();
    moto?.kill('SIGTERM');
  });

  it("answers a type's changes applied per second, per minute, and leaves other types out", async () => {
    const now = Date.now();
    const at = new Date(Math.floor(now / 60_000) * 60_000 - 120_000 + 5_000);
    await client.send(
      new PutMetricDataCommand({
        Namespace: 'freshindex',
        MetricData: [
          { MetricName: 'ApplyApplied', Dimensions: dimensions('movie'), Value: 120, Unit: 'Count', Timestamp: at },
          { MetricName: 'ApplyApplied', Dimensions: dimensions('book'), Value: 6, Unit: 'Count', Timestamp: at },
        ],
      }),
    );

    const series = await new CloudWatchMetricsReader(() => client).applySeries('movie', 15, now);

    expect(series).toMatchObject({ source: 'cloudwatch', periodSeconds: 60 });
    expect(series.points).toHaveLength(15);
    expect(series.points.filter((point) => point.appliedPerSecond > 0)).toEqual([expect.objectContaining({ at: at.getTime() - 5_000, appliedPerSecond: 2 })]);
  });

  it('fails with a MetricsError (503) when CloudWatch cannot be reached', async () => {
    const unreachable = new CloudWatchClient({ endpoint: `http://127.0.0.1:${await freePort()}`, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });

    await expect(new CloudWatchMetricsReader(() => unreachable).applySeries('movie', 15, Date.now())).rejects.toBeInstanceOf(MetricsError);
    unreachable.destroy();
  });
});
