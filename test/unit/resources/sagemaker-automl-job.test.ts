import {
  DescribeAutoMLJobCommand,
  DescribeAutoMLJobV2Command,
  ListAutoMLJobsCommand,
  ListTagsCommand,
  SageMakerClient,
  StopAutoMLJobCommand,
  type AutoMLJobStatus,
  type DescribeAutoMLJobV2CommandOutput,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerAutomlJob as handler } from '../../../src/resources/sagemaker-automl-job.js';
import { JOB_RETAINED } from '../../../src/resources/sagemaker-common.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:automl-job/nova-automl';
const ROLE = 'arn:aws:iam::123456789012:role/nova-automl';
const EMR_ROLE = 'arn:aws:iam::123456789012:role/nova-automl-emr';
const INPUT = { AutoMLJobName: 'nova-automl' };
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ResourceNotFound', 'Could not find AutoML job with name nova-automl.');
const live = (status?: AutoMLJobStatus) => liveFor(handler, ARN, { config: { AutoMLJobName: 'nova-automl', AutoMLJobStatus: status, RoleArn: ROLE } });
const job = (status: AutoMLJobStatus, more: Partial<DescribeAutoMLJobV2CommandOutput> = {}) => ({
  AutoMLJobName: 'nova-automl',
  AutoMLJobArn: ARN,
  AutoMLJobStatus: status,
  AutoMLJobSecondaryStatus: 'Starting' as const,
  AutoMLJobInputDataConfig: [{ ChannelType: 'training' as const, DataSource: { S3DataSource: { S3DataType: 'S3Prefix' as const, S3Uri: 's3://nova-data/in/' } } }],
  OutputDataConfig: { S3OutputPath: 's3://nova-data/out/' },
  RoleArn: ROLE,
  CreationTime: new Date(0),
  LastModifiedTime: new Date(0),
  ...more,
});

/** Describe answers these statuses in turn (the last one repeats); Stop succeeds. */
function statuses(...list: AutoMLJobStatus[]): void {
  let chain = sm.on(DescribeAutoMLJobV2Command);
  for (const s of list.slice(0, -1)) chain = chain.resolvesOnce(job(s));
  chain.resolves(job(list.at(-1)!));
  sm.on(StopAutoMLJobCommand).resolves({});
}

const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const sent = () => ops().map((op) => op.replace(/AutoMLJob(V2)?$/, ''));

async function deleteIt(status?: AutoMLJobStatus, opts: { stopAt?: string; signal?: AbortSignal } = {}): Promise<{ steps: string[]; error?: unknown }> {
  const steps = recordingSteps(opts);
  const run = handler.delete(live(status), testContext({ waitTimeoutSeconds: 60, ...(opts.signal ? { signal: opts.signal } : {}) }), steps);
  const error: unknown = await run.then(() => undefined, (err: unknown) => err);
  return { steps: steps.log.map((step) => step.name), ...(error === undefined ? {} : { error }) };
}

describe('sagemaker:automl-job', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns automl-job ARNs, may use IAM roles, and declares its reads (DescribeAutoMLJobV2, ListAutoMLJobs)', () => {
    expect(handler.type).toBe('sagemaker:automl-job');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:auto-ml-job/nova-automl')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-automl');
    expect(handler.references).toEqual(['iam:role']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.notFound).toEqual(['ValidationException', 'ResourceNotFound']);
    expect(handler.reads).toEqual(['DescribeAutoMLJobV2', 'ListAutoMLJobs', 'ListTags']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  it('describes a running job with DescribeAutoMLJobV2 (V1 jobs too): config, live tags, its role', async () => {
    sm.on(DescribeAutoMLJobV2Command, INPUT).resolves({ ...job('InProgress'), $metadata: {} });
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d).toEqual({ tags: { project: 'nova' }, config: job('InProgress'), uses: [ROLE] });
    expect(sm).not.toHaveReceivedCommand(DescribeAutoMLJobCommand);
  });

  it('a running job with an EMR Serverless compute config uses that execution role too', async () => {
    sm.on(DescribeAutoMLJobV2Command).resolves(job('Stopping', { AutoMLComputeConfig: { EmrServerlessComputeConfig: { ExecutionRoleARN: EMR_ROLE } } }));
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ROLE, EMR_ROLE]);
  });

  it.each([
    ['InProgress', [ROLE]],
    ['Stopping', [ROLE]],
    ['Completed', []],
    ['Failed', []],
    ['Stopped', []],
  ] as const)('a %s job uses %j', async (status, uses) => {
    sm.on(DescribeAutoMLJobV2Command).resolves(job(status, { AutoMLComputeConfig: { EmrServerlessComputeConfig: { ExecutionRoleARN: ROLE } } }));
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual(uses);
  });

  it('reports a job that no longer exists as gone, and reads the tags with ListTags alone', async () => {
    sm.on(DescribeAutoMLJobV2Command).rejects(notFound());
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
    sm.reset();
    sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
    expect(ops()).toEqual(['ListTags']);
  });

  it('lists every job, all pages; a finished one says at once that it uses nothing', async () => {
    const j = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:automl-job/${n}`;
    const summary = (n: string, s: AutoMLJobStatus) => ({
      AutoMLJobName: n,
      AutoMLJobArn: j(n),
      AutoMLJobStatus: s,
      AutoMLJobSecondaryStatus: 'Completed' as const,
      CreationTime: new Date(),
      LastModifiedTime: new Date(),
    });
    sm.on(ListAutoMLJobsCommand)
      .resolvesOnce({ AutoMLJobSummaries: [summary('running', 'InProgress'), summary('done', 'Completed')], NextToken: 'n' })
      .resolvesOnce({ AutoMLJobSummaries: [summary('stopping', 'Stopping'), summary('broke', 'Failed'), summary('halted', 'Stopped')] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([
      { arn: j('running') },
      { arn: j('done'), uses: [] },
      { arn: j('stopping') },
      { arn: j('broke'), uses: [] },
      { arn: j('halted'), uses: [] },
    ]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListAutoMLJobsCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListAutoMLJobsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads, the delete and its waiter included', async () => {
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListAutoMLJobsCommand).resolves({ AutoMLJobSummaries: [] });
    statuses('InProgress');
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    expect(new Set(ops())).toEqual(new Set(['DescribeAutoMLJobV2', 'ListTags', 'ListAutoMLJobs']));
    for (const op of ops()) expect(handler.reads).toContain(op);
    sm.reset();
    statuses('InProgress', 'Stopping', 'Stopped');
    vi.useFakeTimers();
    const run = deleteIt('InProgress');
    await vi.advanceTimersByTimeAsync(30_000);
    await run;
    expect(ops()).toContain('StopAutoMLJob');
    for (const op of ops().filter((o) => o !== 'StopAutoMLJob')) expect(handler.reads).toContain(op);
  });

  it('a finished job is retained by AWS; a running one is not', () => {
    for (const s of ['Completed', 'Failed', 'Stopped'] as const) expect(handler.retained?.(live(s))).toBe(JOB_RETAINED);
    for (const s of ['InProgress', 'Stopping'] as const) expect(handler.retained?.(live(s))).toBeUndefined();
  });

  it('needs StopAutoMLJob only for a job InProgress; the waiter reads with DescribeAutoMLJobV2', () => {
    expect(handler.actions(live('InProgress'))).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DescribeAutoMLJobV2', resource: ARN },
      { action: 'sagemaker:StopAutoMLJob', resource: ARN },
    ]);
    expect(handler.actions(live('Stopping')).map((a) => a.action)).toEqual(['sagemaker:ListTags', 'sagemaker:DescribeAutoMLJobV2']);
    expect(handler.children).toBeUndefined();
  });

  it('stops a job InProgress (its own step), polls until it has Stopped, and deletes nothing', async () => {
    vi.useFakeTimers();
    statuses('InProgress', 'Stopping', 'Stopping', 'Stopped');
    const steps = recordingSteps();
    const run = handler.delete(live('InProgress'), ctx(), steps);
    await vi.advanceTimersByTimeAsync(60_000);
    await run;
    expect(steps.log).toEqual([{ name: 'stop', done: "stopped; AWS keeps the job's record" }]);
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe', 'Describe', 'Describe']);
    expect(sm).toHaveReceivedCommandWith(StopAutoMLJobCommand, INPUT);
  });

  it('a stop that takes effect at once (moto: Stopped) is read once more and done', async () => {
    statuses('InProgress', 'Stopped');
    expect(await deleteIt('InProgress')).toEqual({ steps: ['stop'] });
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe']);
  });

  it.each(['Completed', 'Failed'] as const)('the wait ends when a Stopping job turns %s, and it is not stopped again', async (end) => {
    statuses('Stopping', end);
    expect(await deleteIt('Stopping')).toEqual({ steps: [] });
    expect(sent()).toEqual(['Describe', 'Describe']);
  });

  it('needs nothing for a job that finished since the plan', async () => {
    statuses('Failed');
    expect(await deleteIt('InProgress')).toEqual({ steps: [] });
    expect(sent()).toEqual(['Describe']);
  });

  it('a job that finished between the read and the stop (the stop is refused) needs nothing more', async () => {
    statuses('InProgress', 'Completed');
    sm.on(StopAutoMLJobCommand).rejects(awsError('ValidationException', 'The job is not in progress'));
    expect(await deleteIt('InProgress')).toEqual({ steps: ['stop'] });
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe']);
  });

  it('sends no Stop when the stop step is stopped, and lets errors of the stop through', async () => {
    statuses('InProgress');
    expect(await deleteIt('InProgress', { stopAt: 'stop' })).toMatchObject({ steps: [], error: { name: 'TagsChanged' } });
    expect(sm).not.toHaveReceivedCommand(StopAutoMLJobCommand);
    sm.on(StopAutoMLJobCommand).rejects(awsError('AccessDeniedException', 'no stop', 403));
    expect(await deleteIt('InProgress')).toMatchObject({ steps: ['stop'], error: { message: 'no stop' } });
  });

  it('lets the not-found of a job gone since the plan through, for the core to report it gone', async () => {
    sm.on(DescribeAutoMLJobV2Command).rejects(notFound());
    expect(await deleteIt('InProgress')).toMatchObject({ steps: [], error: { name: 'ResourceNotFound' } });
    expect(sm).not.toHaveReceivedCommand(StopAutoMLJobCommand);
  });

  it('times out on a job that does not stop, and stops waiting when the run is aborted', async () => {
    vi.useFakeTimers();
    statuses('InProgress', 'Stopping');
    const run = deleteIt('InProgress');
    await vi.advanceTimersByTimeAsync(61_000);
    expect(await run).toMatchObject({ steps: ['stop'], error: { name: 'TimeoutError' } });
    vi.useRealTimers();

    sm.reset();
    statuses('Stopping');
    const abort = new AbortController();
    abort.abort();
    expect(await deleteIt('Stopping', { signal: abort.signal })).toMatchObject({ steps: [], error: { name: 'AbortError' } });
  });
});
