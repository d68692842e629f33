import type { LiveResource } from './handler.js';
import { onResource } from './common.js';
import { jobRetained, jobUses, listedJob, sagemakerType, stopJob } from './sagemaker-common.js';

const statusOf = (r: LiveResource): unknown => r.described.config.TrainingJobStatus;

/**
 * A SageMaker training job (Nova fine-tuning runs on these). A running one (InProgress) is stopped and
 * waited for; a finished one (Completed, Failed, Stopped) is retained by AWS and uses nothing any more:
 * the role it names is not held back. Only a running job uses its role.
 *
 * AWS added DeleteTrainingJob in 2025 (terminal jobs only; the installed SDK has DeleteTrainingJobCommand),
 * but this type does not send it: deleting a finished job's record frees nothing that is billed (the
 * model artifacts in S3 stay either way), and moto does not implement it. A Completed job's managed warm
 * pool, if it kept one, ends by itself after its KeepAlivePeriodInSeconds (at most an hour).
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and training jobs are taggable SageMaker resources (AddTags): returned. moto's
 * Tagging API returns them too.
 */
export const sagemakerTrainingJob = sagemakerType({
  kind: 'training-job',
  description: 'SageMaker training job (a running one: StopTrainingJob, then waits until it has stopped; a finished one is retained by AWS)',
  references: ['iam:role'],
  taggingApi: true,
  describe: (s, name) => new s.DescribeTrainingJobCommand({ TrainingJobName: name }),
  uses: (out) => jobUses(out.TrainingJobStatus, out.RoleArn),
  list: {
    paginator: (s) => s.paginateListTrainingJobs,
    arns: (page) => page.TrainingJobSummaries?.map((j) => listedJob(j.TrainingJobArn, j.TrainingJobStatus)),
  },
  retained: (r) => jobRetained(statusOf(r)),
  deleteActions: { tagged: ['sagemaker:StopTrainingJob'] },
  actions: (r) => (statusOf(r) === 'InProgress' ? onResource(r.ref.arn, ['sagemaker:StopTrainingJob']) : []),

  deleteSteps: (r, { sdk, client, waiter }, steps) => {
    const input = { TrainingJobName: r.ref.name };
    return stopJob(steps, {
      status: async () => (await client.send(new sdk.DescribeTrainingJobCommand(input))).TrainingJobStatus,
      stop: () => client.send(new sdk.StopTrainingJobCommand(input)),
      waitUntilStopped: () => sdk.waitUntilTrainingJobCompletedOrStopped(waiter(), input),
    });
  },
});
