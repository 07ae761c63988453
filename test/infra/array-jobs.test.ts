/** The job role's grants for a split rebuild's array job (docs/rebuild.md, "Array jobs on AWS Batch"). */
import { describe, expect, it } from 'vitest';
import { actionsOf, statementsOfRole, synthFreshindex } from './support.ts';

describe('the job role and the array job of a split rebuild', () => {
  it('lets the job submit only its own job definition on its own queue, poll any job, and terminate jobs', async () => {
    // Prepare
    const { compute, computeTemplate } = await synthFreshindex();
    const jobRole = compute.getLogicalId(compute.compute.jobs.jobRole.node.defaultChild as never);

    // Act
    const statements = statementsOfRole(computeTemplate, jobRole).filter((statement) => actionsOf([statement]).some((action) => action.startsWith('batch:')));

    // Assess
    expect(actionsOf(statements)).toEqual(['batch:DescribeJobs', 'batch:SubmitJob', 'batch:TerminateJob']);
    const resourcesOf = (action: string) => JSON.stringify(statements.find((statement) => statement['Action'] === action)?.['Resource']);
    expect(resourcesOf('batch:SubmitJob')).toMatch(/JobQueue.*JobQueueArn.*JobDefinition/);
    expect(resourcesOf('batch:DescribeJobs')).toBe('"*"');
    expect(resourcesOf('batch:TerminateJob')).toMatch(/:batch:.*:job\/\*/);
  });
});
