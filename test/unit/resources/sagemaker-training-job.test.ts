import {
  DeleteTrainingJobCommand,
  DescribeTrainingJobCommand,
  ListTagsCommand,
  ListTrainingJobsCommand,
  SageMakerClient,
  StopTrainingJobCommand,
  type TrainingJobStatus,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { JOB_RETAINED } from '../../../src/resources/sagemaker-common.js';
import { sagemakerTrainingJob as handler } from '../../../src/resources/sagemaker-training-job.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:training-job/nova-finetune';
const ROLE = 'arn:aws:iam::123456789012:role/nova-training';
const INPUT = { TrainingJobName: 'nova-finetune' };
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ValidationException', 'Requested resource not found.');
const live = (status?: TrainingJobStatus) => liveFor(handler, ARN, { config: { TrainingJobName: 'nova-finetune', TrainingJobStatus: status, RoleArn: ROLE } });
const job = (status: TrainingJobStatus) => ({ TrainingJobName: 'nova-finetune', TrainingJobArn: ARN, TrainingJobStatus: status, RoleArn: ROLE });

/** Describe answers these statuses in turn (the last one repeats); Stop succeeds. */
function statuses(...list: TrainingJobStatus[]): void {
  let chain = sm.on(DescribeTrainingJobCommand);
  for (const s of list.slice(0, -1)) chain = chain.resolvesOnce(job(s));
  chain.resolves(job(list.at(-1)!));
  sm.on(StopTrainingJobCommand).resolves({});
}

/** The operations the mock received, short: `Describe`, `Stop`. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const sent = () => ops().map((op) => op.replace(/TrainingJob$/, ''));

async function deleteIt(status?: TrainingJobStatus, opts: { stopAt?: string; signal?: AbortSignal } = {}): Promise<{ steps: string[]; error?: unknown }> {
  const steps = recordingSteps(opts);
  const run = handler.delete(live(status), testContext({ waitTimeoutSeconds: 60, ...(opts.signal ? { signal: opts.signal } : {}) }), steps);
  const error: unknown = await run.then(() => undefined, (err: unknown) => err);
  return { steps: steps.log.map((step) => step.name), ...(error === undefined ? {} : { error }) };
}

describe('sagemaker:training-job', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns training-job ARNs, may use IAM roles, and declares its reads', () => {
    expect(handler.type).toBe('sagemaker:training-job');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:processing-job/nova-finetune')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-finetune');
    expect(handler.references).toEqual(['iam:role']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['DescribeTrainingJob', 'ListTrainingJobs', 'ListTags']);
    expect(handler.waitUntilGone).toBeUndefined(); // the delete waits for the stop itself; the record stays
  });

  it.each(['InProgress', 'Stopping'] as const)('describes a %s job: config, live tags, and the role it runs as', async (status) => {
    sm.on(DescribeTrainingJobCommand, INPUT).resolves({ ...job(status), $metadata: {} });
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d.tags).toEqual({ project: 'nova' });
    expect(d.uses).toEqual([ROLE]);
    expect(d.config).toMatchObject({ TrainingJobStatus: status, RoleArn: ROLE });
    expect(d.config).not.toHaveProperty('$metadata');
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ROLE]);
  });

  it.each(['Completed', 'Failed', 'Stopped', 'Deleting'] as const)('a %s job uses nothing any more: its role is not held back', async (status) => {
    sm.on(DescribeTrainingJobCommand).resolves(job(status));
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d.uses).toEqual([]);
    expect(d.config.RoleArn).toBe(ROLE); // still in the backup
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([]);
  });

  it('reports a job that no longer exists as gone, and reads the tags with ListTags alone', async () => {
    sm.on(DescribeTrainingJobCommand).rejects(notFound());
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
    const j = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:training-job/${n}`;
    const summary = (n: string, s: TrainingJobStatus) => ({ TrainingJobName: n, TrainingJobArn: j(n), TrainingJobStatus: s, CreationTime: new Date() });
    sm.on(ListTrainingJobsCommand)
      .resolvesOnce({ TrainingJobSummaries: [summary('running', 'InProgress'), summary('done', 'Completed')], NextToken: 'n' })
      .resolvesOnce({ TrainingJobSummaries: [summary('stopping', 'Stopping'), summary('broke', 'Failed'), summary('halted', 'Stopped')] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([
      { arn: j('running') },
      { arn: j('done'), uses: [] },
      { arn: j('stopping') },
      { arn: j('broke'), uses: [] },
      { arn: j('halted'), uses: [] },
    ]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListTrainingJobsCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListTrainingJobsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads, the delete and its waiter included', async () => {
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListTrainingJobsCommand).resolves({ TrainingJobSummaries: [] });
    statuses('InProgress', 'Stopped');
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    expect(new Set(ops())).toEqual(new Set(['DescribeTrainingJob', 'ListTags', 'ListTrainingJobs']));
    for (const op of ops()) expect(handler.reads).toContain(op);
    sm.reset();
    statuses('InProgress', 'Stopped');
    await deleteIt('InProgress');
    for (const op of ops().filter((o) => o !== 'StopTrainingJob')) expect(handler.reads).toContain(op);
  });

  it.each(['Completed', 'Failed', 'Stopped', 'Deleting'] as const)('a %s job is retained by AWS', (status) => {
    expect(handler.retained?.(live(status))).toBe(JOB_RETAINED);
    expect(JOB_RETAINED).toBe("retained by AWS: a finished job's record has no delete here; nothing to do");
  });

  it.each(['InProgress', 'Stopping'] as const)('a %s job is not retained: it is stopped', (status) => {
    expect(handler.retained?.(live(status))).toBeUndefined();
  });

  it('needs StopTrainingJob only for a job InProgress, and never DeleteTrainingJob', () => {
    expect(handler.actions(live('InProgress'))).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DescribeTrainingJob', resource: ARN },
      { action: 'sagemaker:StopTrainingJob', resource: ARN },
    ]);
    expect(handler.actions(live('Stopping')).map((a) => a.action)).toEqual(['sagemaker:ListTags', 'sagemaker:DescribeTrainingJob']);
  });

  it('stops a job InProgress (its own step), waits until it has Stopped, and deletes nothing', async () => {
    statuses('InProgress', 'Stopped');
    const steps = recordingSteps();
    await handler.delete(live('InProgress'), ctx(), steps);
    expect(steps.log).toEqual([{ name: 'stop', done: "stopped; AWS keeps the job's record" }]);
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe']);
    expect(sm).toHaveReceivedCommandWith(StopTrainingJobCommand, INPUT);
    expect(sm).not.toHaveReceivedCommand(DeleteTrainingJobCommand);
  });

  it('polls a stopping job until it has stopped', async () => {
    vi.useFakeTimers();
    statuses('InProgress', 'Stopping', 'Stopping', 'Stopped');
    const run = deleteIt('InProgress');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await run).toEqual({ steps: ['stop'] });
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe', 'Describe', 'Describe']);
  });

  it('waits for a Stopping job without stopping it again', async () => {
    statuses('Stopping', 'Stopped');
    expect(await deleteIt('Stopping')).toEqual({ steps: [] });
    expect(sent()).toEqual(['Describe', 'Describe']);
  });

  it('reads the status it starts from: a job planned InProgress that has finished since needs nothing', async () => {
    statuses('Completed');
    expect(await deleteIt('InProgress')).toEqual({ steps: [] });
    expect(sent()).toEqual(['Describe']);
  });

  it('a job that turns Failed while stopping has stopped all the same', async () => {
    statuses('InProgress', 'Failed');
    expect(await deleteIt('InProgress')).toEqual({ steps: ['stop'] });
    // The waiter gives up on Failed; the status is read again and Failed is the end of the job.
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe', 'Describe']);
  });

  it('a job that finished between the read and the stop (the stop is refused) needs nothing more', async () => {
    statuses('InProgress', 'Completed');
    sm.on(StopTrainingJobCommand).rejects(awsError('ValidationException', 'The job is not in progress'));
    expect(await deleteIt('InProgress')).toEqual({ steps: ['stop'] });
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe']);
  });

  it('lets a refused stop of a job still running through (moto has no StopTrainingJob: 500)', async () => {
    statuses('InProgress');
    sm.on(StopTrainingJobCommand).rejects(awsError('InternalFailure', 'not implemented', 500));
    expect(await deleteIt('InProgress')).toMatchObject({ steps: ['stop'], error: { message: 'not implemented' } });
    expect(sent()).toEqual(['Describe', 'Stop', 'Describe']);
  });

  it('sends no Stop when the stop step is stopped', async () => {
    statuses('InProgress', 'Stopped');
    expect(await deleteIt('InProgress', { stopAt: 'stop' })).toMatchObject({ steps: [], error: { name: 'TagsChanged' } });
    expect(sent()).toEqual(['Describe']);
  });

  it('lets the not-found of a job gone since the plan through, for the core to report it gone', async () => {
    sm.on(DescribeTrainingJobCommand).rejects(notFound());
    expect(await deleteIt('InProgress')).toMatchObject({ steps: [], error: { name: 'ValidationException' } });
    expect(sm).not.toHaveReceivedCommand(StopTrainingJobCommand);
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
