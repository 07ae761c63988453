import { BatchClient } from '@aws-sdk/client-batch';
import { describe, expect, it } from 'vitest';
import { BatchBuildLauncher, JOB_COMMAND, JobSubmissionError } from '../../../lambdas/adapters/batch/build-launcher.ts';

/** A Batch client that never reaches the network: it records each SubmitJob input and answers `answer`. */
function fakeBatch(answer: () => Record<string, unknown>) {
  const inputs: Array<Record<string, unknown>> = [];
  const client = new BatchClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  client.middlewareStack.add(
    () => async (args) => {
      inputs.push(args.input as Record<string, unknown>);
      return { output: { $metadata: {}, ...answer() }, response: {} };
    },
    { step: 'initialize', name: 'fakeSubmitJob' },
  );
  return { client, inputs };
}

describe('BatchBuildLauncher', () => {
  it('submits the rebuild command of the type to the configured queue and definition', async () => {
    const { client, inputs } = fakeBatch(() => ({ jobId: 'job-123', jobName: 'freshindex-rebuild-video-5' }));
    const launcher = new BatchBuildLauncher({ client, jobQueue: 'queue-arn', jobDefinition: 'definition-arn', clock: () => 5 });

    const submitted = await launcher.submit({ type: 'video', requestedBy: 'arn:aws:iam::1:user/ops' });

    expect(submitted).toEqual({ jobId: 'job-123', jobName: 'freshindex-rebuild-video-5' });
    expect(inputs[0]).toMatchObject({
      jobName: 'freshindex-rebuild-video-5',
      jobQueue: 'queue-arn',
      jobDefinition: 'definition-arn',
      containerOverrides: { command: [...JOB_COMMAND, 'rebuild', '--type', 'video'] },
      tags: { 'freshindex:type': 'video', 'freshindex:requested-by': 'arn:aws:iam::1:user/ops' },
    });
  });

  it('submits the audit command of the type when the request names the audit job', async () => {
    const { client, inputs } = fakeBatch(() => ({ jobId: 'job-9', jobName: 'freshindex-audit-video-7' }));
    const launcher = new BatchBuildLauncher({ client, jobQueue: 'queue-arn', jobDefinition: 'definition-arn', clock: () => 7 });

    const submitted = await launcher.submit({ type: 'video', job: 'audit' });

    expect(submitted).toEqual({ jobId: 'job-9', jobName: 'freshindex-audit-video-7' });
    expect(inputs[0]).toMatchObject({
      jobName: 'freshindex-audit-video-7',
      containerOverrides: { command: [...JOB_COMMAND, 'audit', '--type', 'video'] },
      tags: { 'freshindex:type': 'video', 'freshindex:job': 'audit' },
    });
  });

  it('turns a refused submission into a JobSubmissionError', async () => {
    const client = new BatchClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    client.middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error('job queue not found'), { name: 'ClientException', $metadata: { httpStatusCode: 400 } });
      },
      { step: 'initialize', name: 'refuse' },
    );
    const launcher = new BatchBuildLauncher({ client, jobQueue: 'q', jobDefinition: 'd' });

    const failure = launcher.submit({ type: 'video' });

    await expect(failure).rejects.toBeInstanceOf(JobSubmissionError);
    await expect(failure).rejects.toMatchObject({ status: 502, retryable: false });
  });
});
