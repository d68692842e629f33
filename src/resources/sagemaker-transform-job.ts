import type { LiveResource } from './handler.js';
import { onResource } from './common.js';
import { jobRetained, jobUses, listedJob, sagemakerType, stopJob, siblingArn } from './sagemaker-common.js';

const statusOf = (r: LiveResource): unknown => r.described.config.TransformJobStatus;

/**
 * A SageMaker batch transform job (batch inference with a model). A running one (InProgress) is stopped
 * and waited for; a finished one (Completed, Failed, Stopped) is retained by AWS: the API has no delete
 * for it. A transform job runs no role of its own: it runs the model it names (ModelName, a model in the
 * same account and region), and uses that model only while it runs, so the model is deleted after the
 * job has stopped; a finished job holds nothing back. A job stopped early stores no output in S3.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and batch transform jobs are taggable SageMaker resources (AddTags): returned.
 * moto's Tagging API returns them too.
 */
export const sagemakerTransformJob = sagemakerType({
  kind: 'transform-job',
  description: 'SageMaker batch transform job (a running one: StopTransformJob, then waits until it has stopped; a finished one is retained by AWS)',
  references: ['sagemaker:model'],
  taggingApi: true,
  describe: (s, name) => new s.DescribeTransformJobCommand({ TransformJobName: name }),
  uses: (out, ref) => jobUses(out.TransformJobStatus, out.ModelName && siblingArn(ref, 'model', out.ModelName)),
  list: {
    paginator: (s) => s.paginateListTransformJobs,
    arns: (page) => page.TransformJobSummaries?.map((j) => listedJob(j.TransformJobArn, j.TransformJobStatus)),
  },
  retained: (r) => jobRetained(statusOf(r)),
  deleteActions: { tagged: ['sagemaker:StopTransformJob'] },
  actions: (r) => (statusOf(r) === 'InProgress' ? onResource(r.ref.arn, ['sagemaker:StopTransformJob']) : []),

  deleteSteps: (r, { sdk, client, waiter }, steps) => {
    const input = { TransformJobName: r.ref.name };
    return stopJob(steps, {
      status: async () => (await client.send(new sdk.DescribeTransformJobCommand(input))).TransformJobStatus,
      stop: () => client.send(new sdk.StopTransformJobCommand(input)),
      waitUntilStopped: () => sdk.waitUntilTransformJobCompletedOrStopped(waiter(), input),
    });
  },
});
