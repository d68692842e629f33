import type { GlueClient, Job, JobRun } from '@aws-sdk/client-glue';
import { sdkPackage } from '../aws/sdk.js';
import { formatArn, parseArn } from '../aws/arn.js';
import type { Tags } from '../model.js';
import { bucketArn, callerWhere, describeOrGone, onResource, pollUntilDone } from './common.js';
import { GONE, waiterOptions, type HandlerContext, type Listed, type LiveResource, type ResourceHandler, type Steps } from './handler.js';

const sdk = () => sdkPackage('@aws-sdk/client-glue');

/** What Glue answers for a job it does not know (GetJob, GetJobRuns, GetTags). DeleteJob never says it. */
const NOT_FOUND = ['EntityNotFoundException'];
/** The largest pages: GetJobs 1000, GetJobRuns 200; BatchStopJobRun takes at most 25 run ids. */
const JOB_PAGE = 1000;
const RUN_PAGE = 200;
const STOP_BATCH = 25;
const WAIT_DELAYS = { minDelay: 5, maxDelay: 30 };

/** The run states BatchStopJobRun stops, and those the delete waits out (a run being stopped). */
const STOPPABLE: readonly string[] = ['STARTING', 'RUNNING', 'WAITING'];
const stoppable = (r: JobRun): boolean => STOPPABLE.includes(String(r.JobRunState));
const unsettled = (r: JobRun): boolean => stoppable(r) || r.JobRunState === 'STOPPING';

const glue = (ctx: HandlerContext, region: string): Promise<GlueClient> => ctx.aws.get('glue', region);
const jobName = (arn: string): string => (parseArn(arn)?.resource ?? arn).replace(/^job\//, '');

/**
 * What a job uses: its role (Glue takes a name or an ARN; a name is a role of the job's account), the
 * bucket its script is in, and the buckets its arguments name (`--TempDir`, `--extra-py-files` lists...):
 * an untagged job keeps the tagged buckets it reads from.
 */
function usesOf(job: Job, at: { partition: string; account: string }): string[] {
  const role = job.Role;
  const roleArn = !role ? undefined : role.startsWith('arn:') ? role : formatArn({ partition: at.partition, service: 'iam', region: '', account: at.account, resource: `role/${role}` });
  const args = Object.values({ ...job.DefaultArguments, ...job.NonOverridableArguments }).flatMap((v) => v.split(',').map((s) => s.trim()));
  const buckets = [job.Command?.ScriptLocation, ...args].map((uri) => bucketArn(at.partition, uri));
  return [...new Set([roleArn, ...buckets].filter((a): a is string => Boolean(a)))];
}

async function getJob(client: GlueClient, JobName: string): Promise<Job> {
  const { GetJobCommand } = await sdk();
  const job = (await client.send(new GetJobCommand({ JobName }))).Job;
  if (!job) throw new Error(`GetJob returned no job for ${JobName}`);
  return job;
}

async function jobTags(client: GlueClient, arn: string): Promise<Tags> {
  const { GetTagsCommand } = await sdk();
  return { ...(await client.send(new GetTagsCommand({ ResourceArn: arn }))).Tags };
}

/** The job's runs that have not finished (every page of GetJobRuns: it has no state filter). */
async function unsettledRuns(client: GlueClient, JobName: string): Promise<JobRun[]> {
  const { paginateGetJobRuns } = await sdk();
  const found: JobRun[] = [];
  for await (const page of paginateGetJobRuns({ client, pageSize: RUN_PAGE }, { JobName })) found.push(...(page.JobRuns ?? []).filter(unsettled));
  return found;
}

/** The ids of the runs describe found running: what the delete stops. */
function plannedRuns(r: LiveResource): string[] {
  const runs = (r.described.config.UnfinishedRuns ?? []) as readonly JobRun[];
  return runs.filter(stoppable).flatMap((run) => (run.Id ? [run.Id] : []));
}

/**
 * Stops the runs, 25 a step. A run that BatchStopJobRun names among its errors fails the delete unless
 * it has finished meanwhile (Glue cannot stop a finished run).
 */
async function stopRuns(client: GlueClient, r: LiveResource, ids: readonly string[], steps: Steps): Promise<void> {
  const { BatchStopJobRunCommand } = await sdk();
  for (let i = 0; i < ids.length; i += STOP_BATCH) {
    const JobRunIds = ids.slice(i, i + STOP_BATCH);
    const [only] = JobRunIds;
    const step = {
      name: 'stop',
      child: JobRunIds.length === 1 && only ? { kind: 'job-run', id: only } : undefined,
      done: `stopped job ${JobRunIds.length === 1 ? 'run' : 'runs'} ${JobRunIds.join(', ')}`,
    };
    await steps.run(step, async () => {
      const failed = (await client.send(new BatchStopJobRunCommand({ JobName: r.ref.name, JobRunIds }))).Errors ?? [];
      if (failed.length === 0) return;
      const running = new Set((await unsettledRuns(client, r.ref.name)).filter(stoppable).map((run) => run.Id));
      const real = failed.filter((e) => e.JobRunId && running.has(e.JobRunId));
      const [first] = real;
      if (first) {
        const detail = `${first.ErrorDetail?.ErrorCode ?? 'Error'}: ${first.ErrorDetail?.ErrorMessage ?? ''}`;
        throw Object.assign(new Error(`${real.length} of ${JobRunIds.length} job runs could not be stopped (${real.map((e) => e.JobRunId).join(', ')}); first: ${detail}`), {
          name: 'BatchStopJobRunFailed',
        });
      }
    });
  }
}

/**
 * Resolves once no run of the job is starting, running, waiting or stopping (the SDK has no waiter for
 * job runs). A job gone meanwhile has nothing left running; any other error ends the wait at once.
 */
function waitUntilSettled(client: GlueClient, ctx: HandlerContext, JobName: string): Promise<void> {
  return pollUntilDone(waiterOptions(client, ctx, WAIT_DELAYS), { JobName }, {
    read: (c, input) => unsettledRuns(c, input.JobName),
    done: (left) => left.length === 0,
    notFound: NOT_FOUND,
  });
}

/**
 * An AWS Glue job (the Nova customization SDK's data preparation jobs are `nova-forge-*`, untagged: `tag
 * --preset nova` finds them). A job's running runs are stopped first (BatchStopJobRun, 25 a step), and
 * waited for until none is starting, running, waiting or stopping; then DeleteJob. Its script in S3 is
 * not deleted (the bucket is a separate resource, kept while an untagged job's script is in it), nor are
 * triggers that start it.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and Glue jobs are taggable (TagResource, GetTags): returned. moto's returns them too.
 */
export const glueJob: ResourceHandler = {
  type: 'glue:job',
  description: 'AWS Glue job (stops its running runs and waits, then DeleteJob; its script in S3 stays)',
  arnPattern: /^arn:[\w-]+:glue:[\w-]+:\d{12}:job\/.+$/,
  client: 'glue',
  taggingApi: true,
  references: ['iam:role', 's3:bucket'],
  notFound: NOT_FOUND,
  reads: ['GetJobs', 'GetJob', 'GetTags', 'GetJobRuns'],
  nameOf: jobName,

  /** GetJobs (1000 a page) gives each job's role and script: what it uses. Jobs carry no ARN: it is built in the caller's account. */
  async list(ctx, region) {
    const { paginateGetJobs } = await sdk();
    const client = await glue(ctx, region);
    const jobs: Job[] = [];
    for await (const page of paginateGetJobs({ client, pageSize: JOB_PAGE }, {})) jobs.push(...(page.Jobs ?? []));
    if (jobs.length === 0) return [];
    const w = await callerWhere(ctx, region);
    return jobs.flatMap((j): Listed[] => (j.Name ? [{ arn: formatArn({ ...w, service: 'glue', resource: `job/${j.Name}` }), uses: usesOf(j, w) }] : []));
  },

  async readUses(ref, ctx) {
    const job = await describeOrGone(NOT_FOUND, async () => getJob(await glue(ctx, ref.region), ref.name));
    return job === GONE ? GONE : usesOf(job, ref);
  },

  async describe(ref, ctx, hint) {
    const client = await glue(ctx, ref.region);
    const read = await describeOrGone(NOT_FOUND, () => Promise.all([getJob(client, ref.name), hint?.tags ?? jobTags(client, ref.arn), unsettledRuns(client, ref.name)]));
    if (read === GONE) return GONE;
    const [job, tags, runs] = read;
    // The runs not finished yet, for the plan, the backup and `children`.
    return { tags, config: { ...job, UnfinishedRuns: runs }, uses: usesOf(job, ref) };
  },

  children: (r) => plannedRuns(r).map((id) => ({ kind: 'job-run', id, lost: 'the run is stopped: what it had not written yet is lost' })),

  deleteActions: { tagged: ['glue:GetTags', 'glue:GetJobRuns', 'glue:BatchStopJobRun', 'glue:DeleteJob'] },
  actions: (r) =>
    onResource(r.ref.arn, [
      // The re-check; the re-list of runs before the delete, which the wait polls too.
      'glue:GetTags',
      'glue:GetJobRuns',
      ...(plannedRuns(r).length > 0 ? ['glue:BatchStopJobRun'] : []),
      'glue:DeleteJob',
    ]),

  async currentTags(ref, ctx) {
    const client = await glue(ctx, ref.region);
    const tags = await describeOrGone(NOT_FOUND, () => jobTags(client, ref.arn));
    if (tags === GONE || Object.keys(tags).length > 0) return tags;
    // No tags may also be a job that does not exist (moto answers GetTags so): GetJob says which.
    const job = await describeOrGone(NOT_FOUND, () => getJob(client, ref.name));
    return job === GONE ? GONE : tags;
  },

  /** Stops the runs running now (listed again: one started since the plan is stopped too), waits, then DeleteJob. */
  async delete(r, ctx, steps) {
    const { DeleteJobCommand } = await sdk();
    const client = await glue(ctx, r.ref.region);
    // A job gone since the plan has no runs; its DeleteJob then succeeds (Glue does not say not-found).
    const now = await describeOrGone(NOT_FOUND, () => unsettledRuns(client, r.ref.name));
    const left = now === GONE ? [] : now;
    await stopRuns(client, r, left.filter(stoppable).flatMap((run) => (run.Id ? [run.Id] : [])), steps);
    if (left.length > 0) await waitUntilSettled(client, ctx, r.ref.name);
    await steps.run({ name: 'delete', done: `deleted job ${r.ref.name}` }, () => client.send(new DeleteJobCommand({ JobName: r.ref.name })));
  },
};
