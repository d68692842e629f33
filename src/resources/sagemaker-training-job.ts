import type { Listed, LiveResource, Steps } from './handler.js';
import { onResource } from './common.js';
import { sagemakerType } from './sagemaker-common.js';

/** What the SageMaker job types share (training here, processing in its own file). */

/** A job in one of these states is over (Deleting: a DeleteTrainingJob under way, terminal jobs only). */
export const JOB_FINISHED: readonly string[] = ['Completed', 'Failed', 'Stopped', 'Deleting'];
/** A job runs, and needs its role, while InProgress or Stopping. */
export const JOB_RUNNING: readonly string[] = ['InProgress', 'Stopping'];
export const JOB_RETAINED = "retained by AWS: a finished job's record has no delete here; nothing to do";

/** The role a job names, only while it runs: a finished job no longer needs it. */
export const jobUses = (status: string | undefined, role: string | undefined): (string | undefined)[] => (JOB_RUNNING.includes(String(status)) ? [role] : []);

/** A listed job: a finished one uses nothing (said at once), a running one is read for its role. */
export const listedJob = (arn: string | undefined, status: string | undefined): string | Listed | undefined =>
  arn && (JOB_RUNNING.includes(String(status)) ? arn : { arn, uses: [] });

export const jobRetained = (status: unknown): string | undefined => (JOB_FINISHED.includes(String(status)) ? JOB_RETAINED : undefined);

/** How a job's delete reads its status, stops it and waits until it has stopped. */
export interface JobControl {
  /** Describe: the status now (a not-found error goes through: the core then says gone). */
  status(): Promise<string | undefined>;
  stop(): Promise<unknown>;
  /** The SDK's CompletedOrStopped waiter: it gives up on Failed, and on a job that vanished. */
  waitUntilStopped(): Promise<unknown>;
}

/**
 * The delete of a job: there is none. A job InProgress is stopped (its own step), and the delete waits
 * until it is Stopped (or Completed or Failed meanwhile); a Stopping one is waited for; a finished one
 * needs nothing. AWS keeps the record either way.
 */
export async function stopJob(steps: Steps, job: JobControl): Promise<void> {
  let status = await job.status();
  if (status === 'InProgress') {
    status = await steps.run({ name: 'stop', done: "stopped; AWS keeps the job's record" }, async () => {
      try {
        await job.stop();
        return 'Stopping';
      } catch (err) {
        // It finished between the read and the stop (AWS refuses to stop a finished job): nothing to stop.
        const now = await job.status();
        if (!JOB_FINISHED.includes(String(now))) throw err;
        return now;
      }
    });
  }
  if (status !== 'Stopping') return;
  try {
    await job.waitUntilStopped();
  } catch (err) {
    // The waiter gives up on Failed: a job that failed while stopping has stopped all the same.
    if (!JOB_FINISHED.includes(String(await job.status()))) throw err;
  }
}

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
  actions: (r) => (statusOf(r) === 'InProgress' ? onResource(r.ref.arn, ['sagemaker:StopTrainingJob']) : []),

  deleteSteps: (r, { sdk, client, waiter }, steps) => {
    const input = { TrainingJobName: r.ref.name };
    return stopJob(steps, {
      status: async () => (await client.send(new sdk.DescribeTrainingJobCommand(input))).TrainingJobStatus,
      stop: () => client.send(new sdk.StopTrainingJobCommand(input)),
      waitUntilStopped: () => sdk.waitUntilTrainingJobCompletedOrStopped(waiter, input),
    });
  },
});
