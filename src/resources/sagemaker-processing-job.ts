import type { LiveResource } from './handler.js';
import { onResource } from './common.js';
import { jobRetained, jobUses, listedJob, sagemakerType, stopJob } from './sagemaker-common.js';

const statusOf = (r: LiveResource): unknown => r.described.config.ProcessingJobStatus;

/**
 * A SageMaker processing job (data preparation, evaluation). A running one (InProgress) is stopped and
 * waited for; a finished one (Completed, Failed, Stopped) is retained by AWS and uses nothing any more:
 * the role it names is not held back. Only a running job uses its role.
 *
 * AWS added DeleteProcessingJob in 2025 (terminal jobs only; the installed SDK has
 * DeleteProcessingJobCommand), but this type does not send it: deleting a finished job's record frees
 * nothing that is billed (its outputs in S3 stay either way), and moto does not implement it.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and processing jobs are taggable SageMaker resources: returned. moto's Tagging
 * API returns them too.
 */
export const sagemakerProcessingJob = sagemakerType({
  kind: 'processing-job',
  description: 'SageMaker processing job (a running one: StopProcessingJob, then waits until it has stopped; a finished one is retained by AWS)',
  references: ['iam:role'],
  taggingApi: true,
  describe: (s, name) => new s.DescribeProcessingJobCommand({ ProcessingJobName: name }),
  uses: (out) => jobUses(out.ProcessingJobStatus, out.RoleArn),
  list: {
    paginator: (s) => s.paginateListProcessingJobs,
    arns: (page) => page.ProcessingJobSummaries?.map((j) => listedJob(j.ProcessingJobArn, j.ProcessingJobStatus)),
  },
  retained: (r) => jobRetained(statusOf(r)),
  deleteActions: { tagged: ['sagemaker:StopProcessingJob'] },
  actions: (r) => (statusOf(r) === 'InProgress' ? onResource(r.ref.arn, ['sagemaker:StopProcessingJob']) : []),

  deleteSteps: (r, { sdk, client, waiter }, steps) => {
    const input = { ProcessingJobName: r.ref.name };
    return stopJob(steps, {
      status: async () => (await client.send(new sdk.DescribeProcessingJobCommand(input))).ProcessingJobStatus,
      stop: () => client.send(new sdk.StopProcessingJobCommand(input)),
      waitUntilStopped: () => sdk.waitUntilProcessingJobCompletedOrStopped(waiter(), input),
    });
  },
});
