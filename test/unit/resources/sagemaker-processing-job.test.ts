import {
  DeleteProcessingJobCommand,
  DescribeProcessingJobCommand,
  ListProcessingJobsCommand,
  ListTagsCommand,
  SageMakerClient,
  StopProcessingJobCommand,
  type ProcessingJobStatus,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerProcessingJob as handler } from '../../../src/resources/sagemaker-processing-job.js';
import { JOB_RETAINED } from '../../../src/resources/sagemaker-common.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:processing-job/nova-dataprep';
const ROLE = 'arn:aws:iam::123456789012:role/nova-processing';
const INPUT = { ProcessingJobName: 'nova-dataprep' };
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ValidationException', 'Could not find requested job with name nova-dataprep');
const live = (status?: ProcessingJobStatus) => liveFor(handler, ARN, { config: { ProcessingJobName: 'nova-dataprep', ProcessingJobStatus: status, RoleArn: ROLE } });
const job = (status: ProcessingJobStatus) => ({ ProcessingJobName: 'nova-dataprep', ProcessingJobArn: ARN, ProcessingJobStatus: status, RoleArn: ROLE });

function statuses(...list: ProcessingJobStatus[]): void {
  let chain = sm.on(DescribeProcessingJobCommand);
  for (const s of list.slice(0, -1)) chain = chain.resolvesOnce(job(s));
  chain.resolves(job(list.at(-1)!));
  sm.on(StopProcessingJobCommand).resolves({});
}

const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const sent = () => ops().map((op) => op.replace(/ProcessingJob$/, ''));

async function deleteIt(status?: ProcessingJobStatus, opts: { stopAt?: string } = {}): Promise<{ steps: string[]; error?: unknown }> {
  const steps = recordingSteps(opts);
  const error: unknown = await handler.delete(live(status), ctx(), steps).then(() => undefined, (err: unknown) => err);
  return { steps: steps.log.map((step) => step.name), ...(error === undefined ? {} : { error }) };
}

describe('sagemaker:processing-job', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns processing-job ARNs, may use IAM roles, and declares its reads', () => {
    expect(handler.type).toBe('sagemaker:processing-job');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:training-job/nova-dataprep')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-dataprep');
    expect(handler.references).toEqual(['iam:role']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['DescribeProcessingJob', 'ListProcessingJobs', 'ListTags']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  it('describes a running job: config, live tags, the role it runs as', async () => {
    sm.on(DescribeProcessingJobCommand, INPUT).resolves({ ...job('InProgress'), $metadata: {} });
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d).toEqual({ tags: { project: 'nova' }, config: job('InProgress'), uses: [ROLE] });
  });

  it.each([
    ['InProgress', [ROLE]],
    ['Stopping', [ROLE]],
    ['Completed', []],
    ['Failed', []],
    ['Stopped', []],
  ] as const)('a %s job uses %j', async (status, uses) => {
    sm.on(DescribeProcessingJobCommand).resolves(job(status));
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual(uses);
  });

  it('reports a job that no longer exists as gone', async () => {
    sm.on(DescribeProcessingJobCommand).rejects(notFound());
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
  });

  it('lists every job, all pages; a finished one says at once that it uses nothing', async () => {
    const j = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:processing-job/${n}`;
    const summary = (n: string, s: ProcessingJobStatus) => ({ ProcessingJobName: n, ProcessingJobArn: j(n), ProcessingJobStatus: s, CreationTime: new Date() });
    sm.on(ListProcessingJobsCommand)
      .resolvesOnce({ ProcessingJobSummaries: [summary('running', 'InProgress')], NextToken: 'n' })
      .resolvesOnce({ ProcessingJobSummaries: [summary('done', 'Completed'), summary('stopping', 'Stopping')] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: j('running') }, { arn: j('done'), uses: [] }, { arn: j('stopping') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListProcessingJobsCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListProcessingJobsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads, the delete and its waiter included', async () => {
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListProcessingJobsCommand).resolves({ ProcessingJobSummaries: [] });
    statuses('InProgress');
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    expect(new Set(ops())).toEqual(new Set(['DescribeProcessingJob', 'ListTags', 'ListProcessingJobs']));
    sm.reset();
    statuses('InProgress', 'Stopped');
    await deleteIt('InProgress');
    for (const op of ops().filter((o) => o !== 'StopProcessingJob')) expect(handler.reads).toContain(op);
  });

  it('a finished job is retained by AWS; a running one is not', () => {
    for (const s of ['Completed', 'Failed', 'Stopped'] as const) expect(handler.retained?.(live(s))).toBe(JOB_RETAINED);
    for (const s of ['InProgress', 'Stopping'] as const) expect(handler.retained?.(live(s))).toBeUndefined();
  });

  it('needs StopProcessingJob only for a job InProgress, and never DeleteProcessingJob', () => {
    expect(handler.actions(live('InProgress'))).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DescribeProcessingJob', resource: ARN },
      { action: 'sagemaker:StopProcessingJob', resource: ARN },
    ]);
    expect(handler.actions(live('Stopping')).map((a) => a.action)).not.toContain('sagemaker:StopProcessingJob');
  });

  it('stops a job InProgress (its own step), waits until it has Stopped, and deletes nothing', async () => {
    statuses('InProgress', 'Stopped');
    const steps = recordingSteps();
    await handler.delete(live('InProgress'), ctx(), steps);
    expect(steps.log).toEqual([{ name: 'stop', done: "stopped; AWS keeps the job's record" }]);
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe']);
    expect(sm).toHaveReceivedCommandWith(StopProcessingJobCommand, INPUT);
    expect(sm).not.toHaveReceivedCommand(DeleteProcessingJobCommand);
  });

  it('polls a stopping job until it has stopped, and a Stopping one is not stopped again', async () => {
    vi.useFakeTimers();
    statuses('Stopping', 'Stopping', 'Completed');
    const run = deleteIt('Stopping');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await run).toEqual({ steps: [] });
    expect(sent()).toEqual(['Describe', 'Describe', 'Describe']);
  });

  it('needs nothing for a job that finished since the plan, and a job that failed while stopping has stopped', async () => {
    statuses('Failed');
    expect(await deleteIt('InProgress')).toEqual({ steps: [] });
    sm.reset();
    statuses('InProgress', 'Failed');
    expect(await deleteIt('InProgress')).toEqual({ steps: ['stop'] });
  });

  it('sends no Stop when the stop step is stopped, and lets errors of the stop through', async () => {
    statuses('InProgress');
    expect(await deleteIt('InProgress', { stopAt: 'stop' })).toMatchObject({ steps: [], error: { name: 'TagsChanged' } });
    expect(sm).not.toHaveReceivedCommand(StopProcessingJobCommand);
    sm.on(StopProcessingJobCommand).rejects(awsError('AccessDeniedException', 'no stop', 403));
    expect(await deleteIt('InProgress')).toMatchObject({ steps: ['stop'], error: { message: 'no stop' } });
  });

  it('lets the not-found of a job gone since the plan through, for the core to report it gone', async () => {
    sm.on(DescribeProcessingJobCommand).rejects(notFound());
    expect(await deleteIt('InProgress')).toMatchObject({ steps: [], error: { name: 'ValidationException' } });
  });
});
