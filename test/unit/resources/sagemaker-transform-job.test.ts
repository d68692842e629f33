import {
  DescribeTransformJobCommand,
  ListTagsCommand,
  ListTransformJobsCommand,
  SageMakerClient,
  StopTransformJobCommand,
  type TransformJobStatus,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerModel } from '../../../src/resources/sagemaker-model.js';
import { JOB_RETAINED } from '../../../src/resources/sagemaker-common.js';
import { sagemakerTransformJob as handler } from '../../../src/resources/sagemaker-transform-job.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:transform-job/nova-batch';
const MODEL = 'arn:aws:sagemaker:us-east-1:123456789012:model/Nova-Model';
const INPUT = { TransformJobName: 'nova-batch' };
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ValidationException', "Could not find transform job 'nova-batch'.");
const live = (status?: TransformJobStatus) => liveFor(handler, ARN, { config: { TransformJobName: 'nova-batch', TransformJobStatus: status, ModelName: 'Nova-Model' } });
const job = (status: TransformJobStatus) => ({
  TransformJobName: 'nova-batch',
  TransformJobArn: ARN,
  TransformJobStatus: status,
  ModelName: 'Nova-Model',
  TransformOutput: { S3OutputPath: 's3://nova-out/' },
});

/** Describe answers these statuses in turn (the last one repeats); Stop succeeds. */
function statuses(...list: TransformJobStatus[]): void {
  let chain = sm.on(DescribeTransformJobCommand);
  for (const s of list.slice(0, -1)) chain = chain.resolvesOnce(job(s));
  chain.resolves(job(list.at(-1)!));
  sm.on(StopTransformJobCommand).resolves({});
}

const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const sent = () => ops().map((op) => op.replace(/TransformJob$/, ''));

async function deleteIt(status?: TransformJobStatus, opts: { stopAt?: string } = {}): Promise<{ steps: string[]; error?: unknown }> {
  const steps = recordingSteps(opts);
  const error: unknown = await handler.delete(live(status), ctx(), steps).then(() => undefined, (err: unknown) => err);
  return { steps: steps.log.map((step) => step.name), ...(error === undefined ? {} : { error }) };
}

describe('sagemaker:transform-job', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns transform-job ARNs, may use SageMaker models, and declares its reads', () => {
    expect(handler.type).toBe('sagemaker:transform-job');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:training-job/nova-batch')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-batch');
    expect(handler.references).toEqual([sagemakerModel.type]);
    expect(handler.taggingApi).toBe(true);
    expect(handler.notFound).toEqual(['ValidationException', 'ResourceNotFound']);
    expect(handler.reads).toEqual(['DescribeTransformJob', 'ListTransformJobs', 'ListTags']);
    expect(handler.waitUntilGone).toBeUndefined(); // the delete waits for the stop itself; the record stays
  });

  it('describes a running job: config, live tags, and the model it runs (an ARN in its own account and region)', async () => {
    sm.on(DescribeTransformJobCommand, INPUT).resolves({ ...job('InProgress'), $metadata: {} });
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d).toEqual({ tags: { project: 'nova' }, config: job('InProgress'), uses: [MODEL] });
    expect(sagemakerModel.arnPattern.test(d.uses[0]!)).toBe(true);
  });

  it('takes the live tags discovery already read instead of reading them again', async () => {
    sm.on(DescribeTransformJobCommand).resolves(job('Completed'));
    const d = await handler.describe(refFor(handler, ARN), ctx(), { tags: { project: 'hint' } });
    expect(d).toMatchObject({ tags: { project: 'hint' } });
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
  });

  it.each([
    ['InProgress', [MODEL]],
    ['Stopping', [MODEL]],
    ['Completed', []],
    ['Failed', []],
    ['Stopped', []],
  ] as const)('a %s job uses %j', async (status, uses) => {
    sm.on(DescribeTransformJobCommand).resolves(job(status));
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual(uses);
  });

  it('reports a job that no longer exists as gone, and reads the tags with ListTags alone', async () => {
    sm.on(DescribeTransformJobCommand).rejects(notFound());
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
    sm.reset();
    sm.on(ListTagsCommand).resolvesOnce({ Tags: [{ Key: 'project', Value: 'nova' }], NextToken: 't' }).resolves({ Tags: [{ Key: 'owner', Value: 'ml' }] });
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova', owner: 'ml' });
    expect(ops()).toEqual(['ListTags', 'ListTags']);
  });

  it('lets an error other than not-found through', async () => {
    sm.on(DescribeTransformJobCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
    await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('denied');
  });

  it('lists every job, all pages; a finished one says at once that it uses nothing', async () => {
    const j = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:transform-job/${n}`;
    const summary = (n: string, s: TransformJobStatus) => ({ TransformJobName: n, TransformJobArn: j(n), TransformJobStatus: s, CreationTime: new Date() });
    sm.on(ListTransformJobsCommand)
      .resolvesOnce({ TransformJobSummaries: [summary('running', 'InProgress'), summary('done', 'Completed')], NextToken: 'n' })
      .resolvesOnce({ TransformJobSummaries: [summary('stopping', 'Stopping'), summary('broke', 'Failed'), summary('halted', 'Stopped')] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([
      { arn: j('running') },
      { arn: j('done'), uses: [] },
      { arn: j('stopping') },
      { arn: j('broke'), uses: [] },
      { arn: j('halted'), uses: [] },
    ]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListTransformJobsCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListTransformJobsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads, the delete and its waiter included', async () => {
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListTransformJobsCommand).resolves({ TransformJobSummaries: [] });
    statuses('InProgress');
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    expect(new Set(ops())).toEqual(new Set(['DescribeTransformJob', 'ListTags', 'ListTransformJobs']));
    for (const op of ops()) expect(handler.reads).toContain(op);
    sm.reset();
    statuses('InProgress', 'Stopped');
    await deleteIt('InProgress');
    expect(ops()).toContain('StopTransformJob');
    for (const op of ops().filter((o) => o !== 'StopTransformJob')) expect(handler.reads).toContain(op);
  });

  it('a finished job is retained by AWS; a running one is not', () => {
    for (const s of ['Completed', 'Failed', 'Stopped'] as const) expect(handler.retained?.(live(s))).toBe(JOB_RETAINED);
    for (const s of ['InProgress', 'Stopping'] as const) expect(handler.retained?.(live(s))).toBeUndefined();
  });

  it('has no children, and needs StopTransformJob only for a job InProgress', () => {
    expect(handler.children).toBeUndefined();
    expect(handler.actions(live('InProgress'))).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DescribeTransformJob', resource: ARN },
      { action: 'sagemaker:StopTransformJob', resource: ARN },
    ]);
    expect(handler.actions(live('Stopping')).map((a) => a.action)).toEqual(['sagemaker:ListTags', 'sagemaker:DescribeTransformJob']);
  });

  it('stops a job InProgress (its own step), waits until it has Stopped, and deletes nothing', async () => {
    statuses('InProgress', 'Stopped');
    const steps = recordingSteps();
    await handler.delete(live('InProgress'), ctx(), steps);
    expect(steps.log).toEqual([{ name: 'stop', done: "stopped; AWS keeps the job's record" }]);
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe']);
    expect(sm).toHaveReceivedCommandWith(StopTransformJobCommand, INPUT);
  });

  it('polls a stopping job with the SDK waiter until it has stopped, and a Stopping one is not stopped again', async () => {
    vi.useFakeTimers();
    statuses('Stopping', 'Stopping', 'Stopping', 'Stopped');
    const run = deleteIt('Stopping');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await run).toEqual({ steps: [] });
    expect(sent()).toEqual(['Describe', 'Describe', 'Describe', 'Describe']);
  });

  it('needs nothing for a job that finished since the plan, and a job that failed while stopping has stopped', async () => {
    statuses('Completed');
    expect(await deleteIt('InProgress')).toEqual({ steps: [] });
    expect(sent()).toEqual(['Describe']);
    sm.reset();
    statuses('InProgress', 'Failed');
    expect(await deleteIt('InProgress')).toEqual({ steps: ['stop'] });
    // The waiter gives up on Failed; the status is read again and Failed is the end of the job.
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe', 'Describe']);
  });

  it('a job that finished between the read and the stop (the stop is refused) needs nothing more', async () => {
    statuses('InProgress', 'Completed');
    sm.on(StopTransformJobCommand).rejects(awsError('ValidationException', 'The job is not in progress'));
    expect(await deleteIt('InProgress')).toEqual({ steps: ['stop'] });
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe']);
  });

  it('sends no Stop when the stop step is stopped, and lets a refused stop of a running job through', async () => {
    statuses('InProgress');
    expect(await deleteIt('InProgress', { stopAt: 'stop' })).toMatchObject({ steps: [], error: { name: 'TagsChanged' } });
    expect(sm).not.toHaveReceivedCommand(StopTransformJobCommand);
    // moto has no StopTransformJob: 500.
    sm.on(StopTransformJobCommand).rejects(awsError('InternalFailure', 'not implemented', 500));
    expect(await deleteIt('InProgress')).toMatchObject({ steps: ['stop'], error: { message: 'not implemented' } });
  });

  it('lets the not-found of a job gone since the plan through, for the core to report it gone', async () => {
    sm.on(DescribeTransformJobCommand).rejects(notFound());
    expect(await deleteIt('InProgress')).toMatchObject({ steps: [], error: { name: 'ValidationException' } });
    expect(sm).not.toHaveReceivedCommand(StopTransformJobCommand);
  });

  it('times out on a job that does not stop', async () => {
    vi.useFakeTimers();
    statuses('InProgress', 'Stopping');
    const run = deleteIt('InProgress');
    await vi.advanceTimersByTimeAsync(61_000);
    expect(await run).toMatchObject({ steps: ['stop'], error: { name: 'TimeoutError' } });
  });
});
