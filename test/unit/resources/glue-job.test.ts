import {
  BatchStopJobRunCommand,
  DeleteJobCommand,
  GetJobCommand,
  GetJobRunsCommand,
  GetJobsCommand,
  GetTagsCommand,
  GlueClient,
  type Job,
  type JobRun,
  type JobRunState,
} from '@aws-sdk/client-glue';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { glueJob as handler } from '../../../src/resources/glue-job.js';
import { GONE } from '../../../src/resources/handler.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const glue = mockClient(GlueClient);
const sts = mockClient(STSClient);
const ACCOUNT = '123456789012';
const arnOf = (name: string, region = 'us-east-1') => `arn:aws:glue:${region}:${ACCOUNT}:job/${name}`;
const NAME = 'nova-forge-dataprep-7f3a';
const ARN = arnOf(NAME);
const ROLE = `arn:aws:iam::${ACCOUNT}:role/GlueDataPrepExecutionRole`;
const BUCKET = 'arn:aws:s3:::sagemaker-forge-dataprep-123456789012-us-east-1';
const SCRIPT = 's3://sagemaker-forge-dataprep-123456789012-us-east-1/scripts/prep.py';
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const ref = () => refFor(handler, ARN);

const job = (name = NAME, extra: Partial<Job> = {}): Job => ({
  Name: name,
  Role: 'GlueDataPrepExecutionRole',
  Command: { Name: 'glueray', ScriptLocation: SCRIPT, PythonVersion: '3.9' },
  GlueVersion: '4.0',
  WorkerType: 'Z.2X',
  NumberOfWorkers: 5,
  ...extra,
});
const run = (id: string, state: JobRunState): JobRun => ({ Id: id, JobName: NAME, JobRunState: state });

/** A job as describe leaves it: these unfinished runs in its config. */
const live = (runs: JobRun[] = []) => liveFor(handler, ARN, { config: { ...job(), UnfinishedRuns: runs }, uses: [ROLE, BUCKET] });

/** The Glue operations the mock received, in order, without `Command`. */
const ops = () => glue.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

/** GetJobRuns answers these listings in turn (the last repeats); the stop and the delete succeed. */
function world(...listings: JobRun[][]): void {
  let chain = glue.on(GetJobRunsCommand);
  for (const l of listings.slice(0, -1)) chain = chain.resolvesOnce({ JobRuns: l });
  chain.resolves({ JobRuns: listings.at(-1) ?? [] });
  glue.on(BatchStopJobRunCommand).callsFake((input: { JobRunIds: string[] }) => ({ SuccessfulSubmissions: input.JobRunIds.map((JobRunId) => ({ JobName: NAME, JobRunId })), Errors: [] }));
  glue.on(DeleteJobCommand).resolves({ JobName: NAME });
}

async function deleteIt(r = live(), opts: { stopAt?: string; ctx?: ReturnType<typeof ctx> } = {}) {
  const steps = recordingSteps(opts);
  const error: unknown = await handler.delete(r, opts.ctx ?? ctx(), steps).then(() => undefined, (err: unknown) => err);
  return { steps: steps.log, names: steps.log.map((s) => s.name), ...(error === undefined ? {} : { error }) };
}

describe('glue:job', () => {
  beforeEach(() => {
    glue.reset();
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/cleaner/s` });
  });
  afterEach(() => vi.useRealTimers());

  it('owns job ARNs (any name), uses roles and buckets, reads with four operations', () => {
    expect(handler.type).toBe('glue:job');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(arnOf('my job: v2'))).toBe(true);
    expect(handler.arnPattern.test(`arn:aws:glue:us-east-1:${ACCOUNT}:trigger/${NAME}`)).toBe(false);
    expect(handler.arnPattern.test(`arn:aws:glue:us-east-1:${ACCOUNT}:job/`)).toBe(false);
    expect(handler.nameOf(ARN)).toBe(NAME);
    expect(handler.nameOf(arnOf('my job: v2'))).toBe('my job: v2');
    expect(handler.client).toBe('glue');
    expect(handler.taggingApi).toBe(true);
    expect(handler.references).toEqual(['iam:role', 's3:bucket']);
    expect(handler.notFound).toEqual(['EntityNotFoundException']);
    expect(handler.reads).toEqual(['GetJobs', 'GetJob', 'GetTags', 'GetJobRuns']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  describe('list', () => {
    it('lists every job, 1000 a page, with the role (a name or an ARN) and script bucket it uses, in the caller account', async () => {
      glue.on(GetJobsCommand)
        .resolvesOnce({ Jobs: [job('a'), job('b', { Role: 'arn:aws:iam::999999999999:role/path/cross' })], NextToken: 'n2' })
        .resolvesOnce({ Jobs: [job('c', { Role: 'service-role/AWSGlueServiceRole-x', Command: { Name: 'glueetl' } }), { Role: 'nameless' }] });
      const listed = await handler.list(ctx(), 'eu-west-1');
      expect(listed).toEqual([
        { arn: arnOf('a', 'eu-west-1'), uses: [ROLE, BUCKET] },
        { arn: arnOf('b', 'eu-west-1'), uses: ['arn:aws:iam::999999999999:role/path/cross', BUCKET] },
        { arn: arnOf('c', 'eu-west-1'), uses: [`arn:aws:iam::${ACCOUNT}:role/service-role/AWSGlueServiceRole-x`] },
      ]);
      expect(glue).toHaveReceivedNthSpecificCommandWith(1, GetJobsCommand, { MaxResults: 1000 });
      expect(glue).toHaveReceivedNthSpecificCommandWith(2, GetJobsCommand, { MaxResults: 1000, NextToken: 'n2' });
      expect(await glue.call(0).thisValue.config.region()).toBe('eu-west-1');
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('asks STS nothing for a region without jobs', async () => {
      glue.on(GetJobsCommand).resolves({ Jobs: [] });
      expect(await handler.list(ctx(), 'us-east-1')).toEqual([]);
      expect(sts).not.toHaveReceivedCommand(GetCallerIdentityCommand);
    });
  });

  describe('describe, readUses and currentTags', () => {
    it('gives the job, its unfinished runs (every page, 200 a page), live tags and what it uses', async () => {
      glue.on(GetJobCommand, { JobName: NAME }).resolves({ Job: job(), $metadata: { httpStatusCode: 200 } });
      glue.on(GetTagsCommand, { ResourceArn: ARN }).resolves({ Tags: { project: 'nova' } });
      glue.on(GetJobRunsCommand)
        .resolvesOnce({ JobRuns: [run('jr_1', 'RUNNING'), run('jr_0', 'SUCCEEDED')], NextToken: 'p2' })
        .resolvesOnce({ JobRuns: [run('jr_s', 'STOPPING'), run('jr_w', 'WAITING'), run('jr_f', 'FAILED'), run('jr_t', 'TIMEOUT')] });
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.config).toEqual({ ...job(), UnfinishedRuns: [run('jr_1', 'RUNNING'), run('jr_s', 'STOPPING'), run('jr_w', 'WAITING')] });
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([ROLE, BUCKET]);
      expect(glue).toHaveReceivedNthSpecificCommandWith(1, GetJobRunsCommand, { JobName: NAME, MaxResults: 200 });
      expect(glue).toHaveReceivedNthSpecificCommandWith(2, GetJobRunsCommand, { JobName: NAME, MaxResults: 200, NextToken: 'p2' });
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('takes a tags hint instead of reading them', async () => {
      glue.on(GetJobCommand).resolves({ Job: job() });
      glue.on(GetJobRunsCommand).resolves({ JobRuns: [] });
      const d = await handler.describe(ref(), ctx(), { tags: { project: 'hinted' } });
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'hinted' });
      expect(glue).not.toHaveReceivedCommand(GetTagsCommand);
    });

    it('is gone when GetJob, or a read after it, cannot find it; other errors go through', async () => {
      glue.on(GetJobCommand).rejects(awsError('EntityNotFoundException', `Job ${NAME} not found.`));
      glue.on(GetTagsCommand).resolves({ Tags: {} });
      glue.on(GetJobRunsCommand).resolves({ JobRuns: [] });
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
      expect(await handler.readUses?.(ref(), ctx())).toBe(GONE);
      glue.on(GetJobCommand).resolves({ Job: job() });
      glue.on(GetJobRunsCommand).rejects(awsError('EntityNotFoundException', 'gone since'));
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
      glue.on(GetJobRunsCommand).rejects(awsError('AccessDeniedException', 'no glue:GetJobRuns', 403));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('no glue:GetJobRuns');
    });

    it('uses the buckets its arguments name too, each once', async () => {
      const args = { '--TempDir': 's3://glue-temp/tmp/', '--extra-py-files': `s3://glue-libs/a.py, ${SCRIPT}`, '--job-language': 'python', '--enable-metrics': '' };
      glue.on(GetJobCommand).resolves({ Job: job(NAME, { DefaultArguments: args, NonOverridableArguments: { '--conf': 'x', '--datalake': 's3://lake/raw' } }) });
      expect(await handler.readUses?.(ref(), ctx())).toEqual([ROLE, BUCKET, 'arn:aws:s3:::glue-temp', 'arn:aws:s3:::glue-libs', 'arn:aws:s3:::lake']);
    });

    it('reads what it uses with GetJob alone', async () => {
      glue.on(GetJobCommand).resolves({ Job: job(NAME, { Role: ROLE }) });
      expect(await handler.readUses?.(ref(), ctx())).toEqual([ROLE, BUCKET]);
      expect(ops()).toEqual(['GetJob']);
    });

    it('reads the live tags with GetTags; no tags are proved by GetJob, which may say it is gone', async () => {
      glue.on(GetTagsCommand).resolves({ Tags: { project: 'nova', team: '' } });
      expect(await handler.currentTags(ref(), ctx())).toEqual({ project: 'nova', team: '' });
      expect(ops()).toEqual(['GetTags']);

      glue.reset();
      glue.on(GetTagsCommand).resolves({ Tags: {} });
      glue.on(GetJobCommand).resolves({ Job: job() });
      expect(await handler.currentTags(ref(), ctx())).toEqual({});
      glue.on(GetJobCommand).rejects(awsError('EntityNotFoundException', 'not found'));
      expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
      expect(ops()).toEqual(['GetTags', 'GetJob', 'GetTags', 'GetJob']);

      glue.on(GetTagsCommand).rejects(awsError('EntityNotFoundException', 'not found'));
      expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
      glue.on(GetTagsCommand).rejects(awsError('AccessDeniedException', 'no glue:GetTags', 403));
      await expect(handler.currentTags(ref(), ctx())).rejects.toThrow('no glue:GetTags');
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });
  });

  describe('children and actions', () => {
    it('has its running runs as children; stopping and finished ones are not', () => {
      const lost = 'the run is stopped: what it had not written yet is lost';
      expect(handler.children?.(live([run('jr_1', 'RUNNING'), run('jr_2', 'STARTING'), run('jr_3', 'WAITING'), run('jr_4', 'STOPPING')]))).toEqual([
        { kind: 'job-run', id: 'jr_1', lost },
        { kind: 'job-run', id: 'jr_2', lost },
        { kind: 'job-run', id: 'jr_3', lost },
      ]);
      expect(handler.children?.(live([run('jr_4', 'STOPPING')]))).toEqual([]);
    });

    it('needs BatchStopJobRun only when a run is running', () => {
      const needs = (r: ReturnType<typeof live>) => handler.actions(r).map((a) => `${a.action} ${a.resource}`);
      expect(needs(live([run('jr_1', 'RUNNING')]))).toEqual([`glue:GetTags ${ARN}`, `glue:GetJobRuns ${ARN}`, `glue:BatchStopJobRun ${ARN}`, `glue:DeleteJob ${ARN}`]);
      expect(needs(live([run('jr_4', 'STOPPING')]))).toEqual([`glue:GetTags ${ARN}`, `glue:GetJobRuns ${ARN}`, `glue:DeleteJob ${ARN}`]);
      expect(needs(live())).toEqual([`glue:GetTags ${ARN}`, `glue:GetJobRuns ${ARN}`, `glue:DeleteJob ${ARN}`]);
    });
  });

  describe('delete', () => {
    it('deletes a job with nothing running in one step, after listing its runs', async () => {
      world([run('jr_0', 'SUCCEEDED')]);
      const { steps } = await deleteIt();
      expect(steps).toEqual([{ name: 'delete', done: `deleted job ${NAME}` }]);
      expect(ops()).toEqual(['GetJobRuns', 'DeleteJob']);
      expect(glue).toHaveReceivedCommandWith(DeleteJobCommand, { JobName: NAME });
    });

    it('stops the running runs in one step, waits until none is unfinished, then deletes', async () => {
      world([run('jr_1', 'RUNNING'), run('jr_2', 'STARTING'), run('jr_0', 'SUCCEEDED')], [run('jr_1', 'STOPPED'), run('jr_2', 'STOPPED')]);
      const { steps } = await deleteIt(live([run('jr_1', 'RUNNING')]));
      expect(steps).toEqual([
        { name: 'stop', child: undefined, done: 'stopped job runs jr_1, jr_2' },
        { name: 'delete', done: `deleted job ${NAME}` },
      ]);
      // The wait polls at once: both runs have stopped by then.
      expect(ops()).toEqual(['GetJobRuns', 'BatchStopJobRun', 'GetJobRuns', 'DeleteJob']);
      expect(glue).toHaveReceivedCommandWith(BatchStopJobRunCommand, { JobName: NAME, JobRunIds: ['jr_1', 'jr_2'] });
    });

    it('names the one run a step stops as its child, and stops more than 25 runs 25 a step', async () => {
      world([run('jr_1', 'RUNNING')], []);
      expect((await deleteIt(live([run('jr_1', 'RUNNING')]))).steps[0]).toEqual({ name: 'stop', child: { kind: 'job-run', id: 'jr_1' }, done: 'stopped job run jr_1' });
      glue.reset();
      const many = Array.from({ length: 30 }, (_, i) => run(`jr_${i}`, 'RUNNING'));
      world(many, []);
      expect((await deleteIt(live(many))).names).toEqual(['stop', 'stop', 'delete']);
      expect(glue).toHaveReceivedNthSpecificCommandWith(1, BatchStopJobRunCommand, { JobName: NAME, JobRunIds: many.slice(0, 25).map((r) => r.Id) });
      expect(glue).toHaveReceivedNthSpecificCommandWith(2, BatchStopJobRunCommand, { JobName: NAME, JobRunIds: many.slice(25).map((r) => r.Id) });
    });

    it('lists again: a run started since the plan is stopped too; one finished since is not', async () => {
      world([run('jr_new', 'RUNNING'), run('jr_planned', 'SUCCEEDED')], []);
      expect((await deleteIt(live([run('jr_planned', 'RUNNING')]))).names).toEqual(['stop', 'delete']);
      expect(glue).toHaveReceivedCommandWith(BatchStopJobRunCommand, { JobName: NAME, JobRunIds: ['jr_new'] });
    });

    it('waits for a run already stopping without stopping it, polling until it has stopped', async () => {
      vi.useFakeTimers();
      world([run('jr_4', 'STOPPING')], [run('jr_4', 'STOPPING')], [run('jr_4', 'STOPPED')]);
      const done = deleteIt(live([run('jr_4', 'STOPPING')]));
      await vi.advanceTimersByTimeAsync(60_000);
      const { names, error } = await done;
      expect(error).toBeUndefined();
      expect(names).toEqual(['delete']);
      expect(glue).not.toHaveReceivedCommand(BatchStopJobRunCommand);
      expect(ops()).toEqual(['GetJobRuns', 'GetJobRuns', 'GetJobRuns', 'DeleteJob']);
    });

    it('fails with a TimeoutError when a run is still stopping after --wait-timeout, and deletes nothing', async () => {
      vi.useFakeTimers();
      world([run('jr_1', 'RUNNING')], [run('jr_1', 'STOPPING')]);
      const done = deleteIt(live([run('jr_1', 'RUNNING')]), { ctx: testContext({ waitTimeoutSeconds: 30 }) });
      await vi.advanceTimersByTimeAsync(60_000);
      const { names, error } = await done;
      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect(names).toEqual(['stop']);
      expect(glue).not.toHaveReceivedCommand(DeleteJobCommand);
    });

    it('ends the wait at once on an error other than not-found; a job gone meanwhile ends it as settled', async () => {
      world([run('jr_1', 'RUNNING')]);
      glue.on(GetJobRunsCommand).resolvesOnce({ JobRuns: [run('jr_1', 'RUNNING')] }).rejects(awsError('AccessDeniedException', 'no glue:GetJobRuns', 403));
      const failed = await deleteIt(live([run('jr_1', 'RUNNING')]));
      expect(String(failed.error)).toMatch(/FAILURE/);
      expect(failed.names).toEqual(['stop']);
      expect(glue).not.toHaveReceivedCommand(DeleteJobCommand);

      glue.reset();
      world([run('jr_1', 'RUNNING')]);
      glue.on(GetJobRunsCommand).resolvesOnce({ JobRuns: [run('jr_1', 'RUNNING')] }).rejects(awsError('EntityNotFoundException', 'not found'));
      expect((await deleteIt(live([run('jr_1', 'RUNNING')]))).names).toEqual(['stop', 'delete']);
    });

    it('takes a stop error for a run finished meanwhile as nothing to stop, and fails on one for a run still running', async () => {
      world([run('jr_1', 'RUNNING'), run('jr_2', 'RUNNING')], [run('jr_1', 'SUCCEEDED'), run('jr_2', 'STOPPING')], []);
      glue.on(BatchStopJobRunCommand).resolves({
        SuccessfulSubmissions: [{ JobName: NAME, JobRunId: 'jr_2' }],
        Errors: [{ JobName: NAME, JobRunId: 'jr_1', ErrorDetail: { ErrorCode: 'InvalidInputException', ErrorMessage: 'Job run jr_1 is not running' } }],
      });
      expect((await deleteIt(live())).names).toEqual(['stop', 'delete']);

      glue.reset();
      world([run('jr_1', 'RUNNING')]);
      glue.on(BatchStopJobRunCommand).resolves({
        Errors: [{ JobName: NAME, JobRunId: 'jr_1', ErrorDetail: { ErrorCode: 'ConcurrentRunsExceededException', ErrorMessage: 'try again' } }],
      });
      const { names, error } = await deleteIt(live());
      expect(error).toMatchObject({ name: 'BatchStopJobRunFailed', message: '1 of 1 job runs could not be stopped (jr_1); first: ConcurrentRunsExceededException: try again' });
      expect(names).toEqual(['stop']);
      expect(glue).not.toHaveReceivedCommand(DeleteJobCommand);
    });

    it('deletes a job gone since the plan without a stop (DeleteJob does not say not-found)', async () => {
      glue.on(GetJobRunsCommand).rejects(awsError('EntityNotFoundException', 'not found'));
      glue.on(DeleteJobCommand).resolves({ JobName: NAME });
      expect((await deleteIt(live([run('jr_1', 'RUNNING')]))).names).toEqual(['delete']);
    });

    it('sends no stop when the stop step is stopped, and no delete when the delete step is', async () => {
      world([run('jr_1', 'RUNNING')], []);
      expect(await deleteIt(live(), { stopAt: 'stop' })).toMatchObject({ names: [], error: { name: 'TagsChanged' } });
      expect(ops()).toEqual(['GetJobRuns']);
      glue.reset();
      world([run('jr_1', 'RUNNING')], []);
      expect(await deleteIt(live(), { stopAt: 'delete' })).toMatchObject({ names: ['stop'], error: { name: 'TagsChanged' } });
      expect(glue).not.toHaveReceivedCommand(DeleteJobCommand);
    });

    it('declares every read its delete and wait send (all but the stop and the delete)', async () => {
      world([run('jr_1', 'RUNNING')], []);
      await deleteIt(live());
      expect(ops().filter((op) => !/^(BatchStop|Delete)/.test(op) && !handler.reads.includes(op))).toEqual([]);
    });

    it('lets a failed delete through', async () => {
      world([]);
      glue.on(DeleteJobCommand).rejects(awsError('OperationTimeoutException', 'timed out'));
      expect((await deleteIt()).error).toMatchObject({ message: 'timed out' });
    });
  });
});
