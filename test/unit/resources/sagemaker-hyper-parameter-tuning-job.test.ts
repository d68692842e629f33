import {
  DeleteHyperParameterTuningJobCommand,
  DescribeHyperParameterTuningJobCommand,
  ListHyperParameterTuningJobsCommand,
  ListTagsCommand,
  SageMakerClient,
  StopHyperParameterTuningJobCommand,
  type DescribeHyperParameterTuningJobCommandOutput,
  type HyperParameterTuningJobStatus,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerHyperParameterTuningJob as handler, TUNING_FINISHED } from '../../../src/resources/sagemaker-hyper-parameter-tuning-job.js';
import { JOB_RETAINED } from '../../../src/resources/sagemaker-common.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/nova-hpo';
const ROLE = 'arn:aws:iam::123456789012:role/nova-hpo';
const ROLE_B = 'arn:aws:iam::123456789012:role/nova-hpo-b';
const INPUT = { HyperParameterTuningJobName: 'nova-hpo' };
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ResourceNotFound', "Could not find hyper parameter tuning job 'nova-hpo'.");
const live = (status?: HyperParameterTuningJobStatus) =>
  liveFor(handler, ARN, { config: { HyperParameterTuningJobName: 'nova-hpo', HyperParameterTuningJobStatus: status, TrainingJobDefinition: { RoleArn: ROLE } } });
const definition = (RoleArn: string, name?: string) => ({
  ...(name ? { DefinitionName: name } : {}),
  RoleArn,
  AlgorithmSpecification: { TrainingInputMode: 'File' as const, TrainingImage: 'img' },
  OutputDataConfig: { S3OutputPath: 's3://nova-out/' },
  StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  ResourceConfig: { InstanceType: 'ml.m5.large' as const, InstanceCount: 1, VolumeSizeInGB: 10 },
});
const job = (status: HyperParameterTuningJobStatus, more: Partial<DescribeHyperParameterTuningJobCommandOutput> = {}) => ({
  HyperParameterTuningJobName: 'nova-hpo',
  HyperParameterTuningJobArn: ARN,
  HyperParameterTuningJobStatus: status,
  HyperParameterTuningJobConfig: { Strategy: 'Bayesian' as const, ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 } },
  TrainingJobDefinition: definition(ROLE),
  CreationTime: new Date(0),
  TrainingJobStatusCounters: { InProgress: 2 },
  ObjectiveStatusCounters: { Pending: 2 },
  ...more,
});

/** Describe answers these statuses in turn (the last one repeats); Stop succeeds. */
function statuses(...list: HyperParameterTuningJobStatus[]): void {
  let chain = sm.on(DescribeHyperParameterTuningJobCommand);
  for (const s of list.slice(0, -1)) chain = chain.resolvesOnce(job(s));
  chain.resolves(job(list.at(-1)!));
  sm.on(StopHyperParameterTuningJobCommand).resolves({});
}

const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const sent = () => ops().map((op) => op.replace(/HyperParameterTuningJob$/, ''));

async function deleteIt(status?: HyperParameterTuningJobStatus, opts: { stopAt?: string; signal?: AbortSignal } = {}): Promise<{ steps: string[]; error?: unknown }> {
  const steps = recordingSteps(opts);
  const run = handler.delete(live(status), testContext({ waitTimeoutSeconds: 60, ...(opts.signal ? { signal: opts.signal } : {}) }), steps);
  const error: unknown = await run.then(() => undefined, (err: unknown) => err);
  return { steps: steps.log.map((step) => step.name), ...(error === undefined ? {} : { error }) };
}

describe('sagemaker:hyper-parameter-tuning-job', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns hyper-parameter-tuning-job ARNs, may use IAM roles, and declares its reads', () => {
    expect(handler.type).toBe('sagemaker:hyper-parameter-tuning-job');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:training-job/nova-hpo')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-hpo');
    expect(handler.references).toEqual(['iam:role']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.notFound).toEqual(['ValidationException', 'ResourceNotFound']);
    expect(handler.reads).toEqual(['DescribeHyperParameterTuningJob', 'ListHyperParameterTuningJobs', 'ListTags']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  it('describes a running job: config, live tags, and the role of its training job definition', async () => {
    sm.on(DescribeHyperParameterTuningJobCommand, INPUT).resolves({ ...job('InProgress'), $metadata: {} });
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d).toEqual({ tags: { project: 'nova' }, config: job('InProgress'), uses: [ROLE] });
  });

  it('a job of several training job definitions uses the role of each, once', async () => {
    sm.on(DescribeHyperParameterTuningJobCommand).resolves(
      job('Stopping', { TrainingJobDefinition: undefined, TrainingJobDefinitions: [definition(ROLE, 'a'), definition(ROLE_B, 'b'), definition(ROLE, 'c')] }),
    );
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ROLE, ROLE_B]);
  });

  it.each([
    ['InProgress', [ROLE]],
    ['Stopping', [ROLE]],
    ['Completed', []],
    ['Failed', []],
    ['Stopped', []],
    ['Deleting', []],
    ['DeleteFailed', []],
  ] as const)('a %s job uses %j', async (status, uses) => {
    sm.on(DescribeHyperParameterTuningJobCommand).resolves(job(status));
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual(uses);
  });

  it('reports a job that no longer exists as gone, and reads the tags with ListTags alone', async () => {
    sm.on(DescribeHyperParameterTuningJobCommand).rejects(notFound());
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
    const j = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/${n}`;
    const summary = (n: string, s: HyperParameterTuningJobStatus) => ({
      HyperParameterTuningJobName: n,
      HyperParameterTuningJobArn: j(n),
      HyperParameterTuningJobStatus: s,
      Strategy: 'Bayesian' as const,
      CreationTime: new Date(),
      TrainingJobStatusCounters: {},
      ObjectiveStatusCounters: {},
    });
    sm.on(ListHyperParameterTuningJobsCommand)
      .resolvesOnce({ HyperParameterTuningJobSummaries: [summary('running', 'InProgress'), summary('done', 'Completed')], NextToken: 'n' })
      .resolvesOnce({ HyperParameterTuningJobSummaries: [summary('stopping', 'Stopping'), summary('undeletable', 'DeleteFailed')] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: j('running') }, { arn: j('done'), uses: [] }, { arn: j('stopping') }, { arn: j('undeletable'), uses: [] }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListHyperParameterTuningJobsCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListHyperParameterTuningJobsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads, the delete and its waiter included', async () => {
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListHyperParameterTuningJobsCommand).resolves({ HyperParameterTuningJobSummaries: [] });
    statuses('InProgress');
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    expect(new Set(ops())).toEqual(new Set(['DescribeHyperParameterTuningJob', 'ListTags', 'ListHyperParameterTuningJobs']));
    for (const op of ops()) expect(handler.reads).toContain(op);
    sm.reset();
    statuses('InProgress', 'Stopping', 'Stopped');
    vi.useFakeTimers();
    const run = deleteIt('InProgress');
    await vi.advanceTimersByTimeAsync(30_000);
    await run;
    expect(ops()).toContain('StopHyperParameterTuningJob');
    for (const op of ops().filter((o) => o !== 'StopHyperParameterTuningJob')) expect(handler.reads).toContain(op);
  });

  it('a finished job (DeleteFailed and Deleting too) is retained by AWS; a running one is not', () => {
    expect(TUNING_FINISHED).toEqual(['Completed', 'Failed', 'Stopped', 'Deleting', 'DeleteFailed']);
    for (const s of TUNING_FINISHED) expect(handler.retained?.(live(s as HyperParameterTuningJobStatus))).toBe(JOB_RETAINED);
    for (const s of ['InProgress', 'Stopping'] as const) expect(handler.retained?.(live(s))).toBeUndefined();
  });

  it('needs StopHyperParameterTuningJob only for a job InProgress, and never the delete', () => {
    expect(handler.actions(live('InProgress'))).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DescribeHyperParameterTuningJob', resource: ARN },
      { action: 'sagemaker:StopHyperParameterTuningJob', resource: ARN },
    ]);
    expect(handler.actions(live('Stopping')).map((a) => a.action)).toEqual(['sagemaker:ListTags', 'sagemaker:DescribeHyperParameterTuningJob']);
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
    // Describe, Stop, then the waiter's polls (at once, then every 5 s or more) until Stopped.
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe', 'Describe', 'Describe']);
    expect(sm).toHaveReceivedCommandWith(StopHyperParameterTuningJobCommand, INPUT);
    expect(sm).not.toHaveReceivedCommand(DeleteHyperParameterTuningJobCommand);
  });

  it.each(['Completed', 'Failed', 'DeleteFailed'] as const)('the wait ends when the job turns %s while stopping, with one read', async (end) => {
    statuses('Stopping', end);
    expect(await deleteIt('Stopping')).toEqual({ steps: [] });
    expect(sent()).toEqual(['Describe', 'Describe']);
  });

  it('needs nothing for a job that finished since the plan', async () => {
    statuses('Completed');
    expect(await deleteIt('InProgress')).toEqual({ steps: [] });
    expect(sent()).toEqual(['Describe']);
  });

  it('a job that finished between the read and the stop (the stop is refused) needs nothing more', async () => {
    statuses('InProgress', 'Completed');
    sm.on(StopHyperParameterTuningJobCommand).rejects(awsError('ValidationException', 'The job is not in progress'));
    expect(await deleteIt('InProgress')).toEqual({ steps: ['stop'] });
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe']);
  });

  it('sends no Stop when the stop step is stopped, and lets a refused stop of a running job through', async () => {
    statuses('InProgress');
    expect(await deleteIt('InProgress', { stopAt: 'stop' })).toMatchObject({ steps: [], error: { name: 'TagsChanged' } });
    expect(sm).not.toHaveReceivedCommand(StopHyperParameterTuningJobCommand);
    // moto has no StopHyperParameterTuningJob: 500.
    sm.on(StopHyperParameterTuningJobCommand).rejects(awsError('InternalFailure', 'not implemented', 500));
    expect(await deleteIt('InProgress')).toMatchObject({ steps: ['stop'], error: { message: 'not implemented' } });
  });

  it('lets the not-found of a job gone since the plan, or while it stopped, through for the core to report it gone', async () => {
    sm.on(DescribeHyperParameterTuningJobCommand).rejects(notFound());
    expect(await deleteIt('InProgress')).toMatchObject({ steps: [], error: { name: 'ResourceNotFound' } });
    expect(sm).not.toHaveReceivedCommand(StopHyperParameterTuningJobCommand);
    sm.reset();
    sm.on(StopHyperParameterTuningJobCommand).resolves({});
    sm.on(DescribeHyperParameterTuningJobCommand).resolvesOnce(job('InProgress')).rejects(notFound());
    // The waiter ends on the not-found; the status read after it lets the not-found through.
    expect(await deleteIt('InProgress')).toMatchObject({ steps: ['stop'], error: { name: 'ResourceNotFound' } });
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe', 'Describe']);
  });

  it('ends the wait at once on another error', async () => {
    sm.on(StopHyperParameterTuningJobCommand).resolves({});
    sm.on(DescribeHyperParameterTuningJobCommand)
      .resolvesOnce(job('InProgress'))
      .rejectsOnce(awsError('AccessDeniedException', 'no describe', 403))
      .resolves(job('Stopping'));
    // The waiter ends on the error, which goes through as it came: the job is still Stopping.
    expect(await deleteIt('InProgress')).toMatchObject({ steps: ['stop'], error: { name: 'AccessDeniedException', message: 'no describe' } });
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe', 'Describe']);
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
