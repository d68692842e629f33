import { onResource } from './common.js';
import type { LiveResource } from './handler.js';
import { jobRetained, jobUses, listedJob, sagemakerType, stopJob, waitUntilJobFinished } from './sagemaker-common.js';

const statusOf = (r: LiveResource): unknown => r.described.config.AutoMLJobStatus;

/**
 * A SageMaker Autopilot (AutoML) job, made by CreateAutoMLJob or CreateAutoMLJobV2: DescribeAutoMLJobV2
 * describes both ("an AutoML job created by calling CreateAutoMLJobV2 or CreateAutoMLJob";
 * DescribeAutoMLJob refuses V2 jobs), and ListAutoMLJobs lists both. A running one (InProgress) is
 * stopped (StopAutoMLJob) and waited for (the SDK has no AutoML waiter); a finished one (Completed,
 * Failed, Stopped) is retained by AWS: there is no delete. While it runs it uses its role, and the
 * EMR Serverless execution role of its AutoMLComputeConfig when it has one; a finished one uses nothing.
 * The candidates' training, processing and transform jobs, and an endpoint it deployed, are resources
 * of their own types.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and AutoML jobs are taggable SageMaker resources (ARN `automl-job/<name>`):
 * returned. moto's Tagging API returns them too.
 */
export const sagemakerAutomlJob = sagemakerType({
  kind: 'automl-job',
  description: 'SageMaker AutoML (Autopilot) job, V1 or V2 (a running one: StopAutoMLJob, then waits until it has stopped; a finished one is retained by AWS)',
  references: ['iam:role'],
  taggingApi: true,
  operations: { describe: 'DescribeAutoMLJobV2', list: 'ListAutoMLJobs' },
  describe: (s, name) => new s.DescribeAutoMLJobV2Command({ AutoMLJobName: name }),
  uses: (out) => [out.RoleArn, out.AutoMLComputeConfig?.EmrServerlessComputeConfig?.ExecutionRoleARN].flatMap((role) => jobUses(out.AutoMLJobStatus, role)),
  list: {
    paginator: (s) => s.paginateListAutoMLJobs,
    arns: (page) => page.AutoMLJobSummaries?.map((j) => listedJob(j.AutoMLJobArn, j.AutoMLJobStatus)),
  },
  retained: (r) => jobRetained(statusOf(r)),
  deleteActions: { tagged: ['sagemaker:StopAutoMLJob'] },
  actions: (r) => (statusOf(r) === 'InProgress' ? onResource(r.ref.arn, ['sagemaker:StopAutoMLJob']) : []),

  deleteSteps: (r, { sdk, client, waiter }, steps) => {
    const input = { AutoMLJobName: r.ref.name };
    const status = async () => (await client.send(new sdk.DescribeAutoMLJobV2Command(input))).AutoMLJobStatus;
    return stopJob(steps, {
      status,
      stop: () => client.send(new sdk.StopAutoMLJobCommand(input)),
      waitUntilStopped: () => waitUntilJobFinished(waiter(), status),
    });
  },
});
