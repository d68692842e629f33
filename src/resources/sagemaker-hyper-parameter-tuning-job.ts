import { onResource } from './common.js';
import type { LiveResource } from './handler.js';
import { JOB_FINISHED, JOB_RETAINED, jobUses, listedJob, sagemakerType, stopJob, waitUntilJobFinished } from './sagemaker-common.js';

/** A tuning job is over in these states too: a DeleteHyperParameterTuningJob that failed leaves the record. */
export const TUNING_FINISHED: readonly string[] = [...JOB_FINISHED, 'DeleteFailed'];

const statusOf = (r: LiveResource): unknown => r.described.config.HyperParameterTuningJobStatus;

/**
 * A SageMaker hyperparameter tuning job. A running one (InProgress) is stopped, which also stops every
 * training job it launched (StopHyperParameterTuningJob), and waited for; a finished one (Completed,
 * Failed, Stopped, or Deleting / DeleteFailed) is retained by AWS. While it runs it uses the role of its
 * training job definition (or of each of its TrainingJobDefinitions); a finished one uses nothing.
 *
 * AWS has DeleteHyperParameterTuningJob (it "deletes only the tuning job entry"), but this type does not
 * send it, as for training jobs: the record costs nothing, and the training jobs the tuning job launched
 * (tagged with its creation tags) are training-job resources of their own, found and stopped as such.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and hyperparameter tuning jobs are taggable SageMaker resources (AddTags):
 * returned. moto's Tagging API returns them too.
 */
export const sagemakerHyperParameterTuningJob = sagemakerType({
  kind: 'hyper-parameter-tuning-job',
  description: 'SageMaker hyperparameter tuning job (a running one: StopHyperParameterTuningJob, which stops its training jobs, then waits until it has stopped; a finished one is retained by AWS)',
  references: ['iam:role'],
  taggingApi: true,
  describe: (s, name) => new s.DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }),
  uses: (out) =>
    [out.TrainingJobDefinition, ...(out.TrainingJobDefinitions ?? [])].flatMap((d) => jobUses(out.HyperParameterTuningJobStatus, d?.RoleArn)),
  list: {
    paginator: (s) => s.paginateListHyperParameterTuningJobs,
    arns: (page) => page.HyperParameterTuningJobSummaries?.map((j) => listedJob(j.HyperParameterTuningJobArn, j.HyperParameterTuningJobStatus)),
  },
  retained: (r) => (TUNING_FINISHED.includes(String(statusOf(r))) ? JOB_RETAINED : undefined),
  deleteActions: { tagged: ['sagemaker:StopHyperParameterTuningJob'] },
  actions: (r) => (statusOf(r) === 'InProgress' ? onResource(r.ref.arn, ['sagemaker:StopHyperParameterTuningJob']) : []),

  deleteSteps: (r, { sdk, client, waiter }, steps) => {
    const input = { HyperParameterTuningJobName: r.ref.name };
    const status = async () => (await client.send(new sdk.DescribeHyperParameterTuningJobCommand(input))).HyperParameterTuningJobStatus;
    return stopJob(steps, {
      status,
      stop: () => client.send(new sdk.StopHyperParameterTuningJobCommand(input)),
      waitUntilStopped: () => waitUntilJobFinished(waiter(), status, TUNING_FINISHED),
    });
  },
});
