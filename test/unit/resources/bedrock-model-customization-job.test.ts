import {
  BedrockClient,
  GetModelCustomizationJobCommand,
  ListModelCustomizationJobsCommand,
  ListTagsForResourceCommand,
  StopModelCustomizationJobCommand,
  type GetModelCustomizationJobResponse,
  type ModelCustomizationJobStatus,
} from '@aws-sdk/client-bedrock';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bedrockModelCustomizationJob as handler } from '../../../src/resources/bedrock-model-customization-job.js';
import { GONE } from '../../../src/resources/handler.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const bedrock = mockClient(BedrockClient);
/** AWS's form: the base model and a 12-character id, no name. */
const ARN = 'arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/job123job456';
/** moto's form: the job's name. */
const MOTO_ARN = 'arn:aws:bedrock:us-east-1:123456789012:model-customization-job/nova-job';
const ROLE = 'arn:aws:iam::123456789012:role/nova-customization';
const MODEL = 'arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/abc123def456';
const ctx = () => testContext({ waitTimeoutSeconds: 600 });
const notFound = () => awsError('ResourceNotFoundException', 'Model customization job not found', 404);
const ops = () => bedrock.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

const job = (status?: ModelCustomizationJobStatus): GetModelCustomizationJobResponse => ({
  jobArn: ARN,
  jobName: 'nova-job',
  outputModelName: 'nova-tuned',
  outputModelArn: MODEL,
  roleArn: ROLE,
  status,
  creationTime: new Date(0),
  baseModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k',
  trainingDataConfig: { s3Uri: 's3://nova-data/train.jsonl' },
  validationDataConfig: undefined,
  outputDataConfig: { s3Uri: 's3://nova-data/out/' },
});
const live = (status?: ModelCustomizationJobStatus, arn = ARN) => liveFor(handler, arn, { config: { ...job(status) } });

/** GetModelCustomizationJob answers these statuses in turn (the last one repeats); Stop succeeds. */
function statuses(...list: ModelCustomizationJobStatus[]): void {
  let chain = bedrock.on(GetModelCustomizationJobCommand);
  for (const s of list.slice(0, -1)) chain = chain.resolvesOnce(job(s));
  chain.resolves(job(list.at(-1)));
  bedrock.on(StopModelCustomizationJobCommand).resolves({});
}

describe('bedrock:model-customization-job', () => {
  beforeEach(() => bedrock.reset());
  afterEach(() => vi.useRealTimers());

  it('owns customization-job ARNs only, and may use roles and the custom model it writes', () => {
    expect(handler.type).toBe('bedrock:model-customization-job');
    expect(handler.client).toBe('bedrock');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(MOTO_ARN)).toBe(true);
    expect(handler.arnPattern.test(MODEL)).toBe(false);
    expect(handler.arnPattern.test('arn:aws:bedrock:us-east-1:123456789012:model-import-job/abc123def456')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('job123job456');
    expect(handler.nameOf(MOTO_ARN)).toBe('nova-job');
    expect(handler.references).toEqual(['iam:role', 'bedrock:custom-model']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['GetModelCustomizationJob', 'ListModelCustomizationJobs', 'ListTagsForResource']);
  });

  describe('describe', () => {
    it('reads a running job: its configuration, live tags, and the role and the model it uses', async () => {
      bedrock.on(GetModelCustomizationJobCommand, { jobIdentifier: ARN }).resolves({ ...job('InProgress'), $metadata: { httpStatusCode: 200 } });
      bedrock.on(ListTagsForResourceCommand, { resourceARN: ARN }).resolves({ tags: [{ key: 'project', value: 'nova' }] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([ROLE, MODEL]);
      expect(d.config).toMatchObject({ jobName: 'nova-job', status: 'InProgress', trainingDataConfig: { s3Uri: 's3://nova-data/train.jsonl' } });
      expect(d.config).not.toHaveProperty('$metadata');
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('a Stopping job still uses both; a job without an output model yet uses its role alone', async () => {
      bedrock.on(GetModelCustomizationJobCommand).resolves(job('Stopping'));
      bedrock.on(ListTagsForResourceCommand).resolves({ tags: [] });
      expect(await handler.describe(refFor(handler, ARN), ctx())).toMatchObject({ uses: [ROLE, MODEL] });
      bedrock.on(GetModelCustomizationJobCommand).resolves({ ...job('InProgress'), outputModelArn: undefined });
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ROLE]);
    });

    it.each(['Completed', 'Failed', 'Stopped'] as const)('a %s job uses nothing, and is retained by AWS', async (status) => {
      bedrock.on(GetModelCustomizationJobCommand).resolves(job(status));
      bedrock.on(ListTagsForResourceCommand).resolves({ tags: [{ key: 'project', value: 'nova' }] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.uses).toEqual([]);
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([]);
      expect(handler.retained?.({ ref: refFor(handler, ARN), described: d })).toBe(`retained by AWS: a finished job's record has no delete (${status})`);
      expect(handler.actions({ ref: refFor(handler, ARN), described: d })).toEqual([]);
    });

    it('a running job is not retained', () => {
      expect(handler.retained?.(live('InProgress'))).toBeUndefined();
      expect(handler.retained?.(live('Stopping'))).toBeUndefined();
    });

    it('calls Bedrock with the name an ARN of one segment ends in (moto), and takes the tags discovery read', async () => {
      bedrock.on(GetModelCustomizationJobCommand, { jobIdentifier: 'nova-job' }).resolves(job('InProgress'));
      expect(await handler.describe(refFor(handler, MOTO_ARN), ctx(), { tags: { project: 'nova' } })).toMatchObject({ tags: { project: 'nova' } });
      expect(bedrock).not.toHaveReceivedCommand(ListTagsForResourceCommand);
    });

    it('is GONE when the job, or its tags, can no longer be found', async () => {
      bedrock.on(GetModelCustomizationJobCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(bedrock).not.toHaveReceivedCommand(ListTagsForResourceCommand);
      bedrock.reset();
      bedrock.on(GetModelCustomizationJobCommand).resolves(job('InProgress'));
      bedrock.on(ListTagsForResourceCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    });
  });

  describe('list', () => {
    it('lists every page at 1000; a finished job uses nothing, a running one is read with readUses', async () => {
      const summary = (jobArn: string, status: ModelCustomizationJobStatus) => ({ jobArn, status, jobName: 'j', baseModelArn: 'b', creationTime: new Date(0), customModelArn: MODEL });
      bedrock
        .on(ListModelCustomizationJobsCommand)
        .resolvesOnce({ modelCustomizationJobSummaries: [summary(ARN, 'InProgress'), summary(`${ARN}x`, 'Completed')], nextToken: 'page-2' })
        .resolvesOnce({ modelCustomizationJobSummaries: [summary(MOTO_ARN, 'Stopping'), summary(`${MOTO_ARN}-2`, 'Stopped')] });
      expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: ARN }, { arn: `${ARN}x`, uses: [] }, { arn: MOTO_ARN }, { arn: `${MOTO_ARN}-2`, uses: [] }]);
      expect(bedrock).toHaveReceivedNthCommandWith(1, ListModelCustomizationJobsCommand, { maxResults: 1000 });
      expect(bedrock).toHaveReceivedNthCommandWith(2, ListModelCustomizationJobsCommand, { maxResults: 1000, nextToken: 'page-2' });
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });
  });

  describe('currentTags', () => {
    it('reads ListTagsForResource alone; GONE on not-found', async () => {
      bedrock.on(ListTagsForResourceCommand, { resourceARN: ARN }).resolves({ tags: [{ key: 'project', value: 'nova' }] });
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
      expect(ops()).toEqual(['ListTagsForResource']);
      bedrock.reset();
      bedrock.on(ListTagsForResourceCommand).rejects(notFound());
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
    });
  });

  describe('actions', () => {
    it('an InProgress job: the tag read, the status read the delete and the wait make, and the stop', () => {
      expect(handler.actions(live('InProgress'))).toEqual([
        { action: 'bedrock:ListTagsForResource', resource: ARN },
        { action: 'bedrock:GetModelCustomizationJob', resource: ARN },
        { action: 'bedrock:StopModelCustomizationJob', resource: ARN },
      ]);
    });

    it('a Stopping job: only the reads (it is waited for, not stopped again)', () => {
      expect(handler.actions(live('Stopping')).map((a) => a.action)).toEqual(['bedrock:ListTagsForResource', 'bedrock:GetModelCustomizationJob']);
    });

    it('has no children, and nothing blocks or protects it', () => {
      expect(handler.children).toBeUndefined();
      expect(handler.blocked).toBeUndefined();
      expect(handler.protect).toBeUndefined();
    });
  });

  describe('delete', () => {
    it('stops an InProgress job in one step, and sends no delete', async () => {
      statuses('InProgress');
      const steps = recordingSteps();
      await handler.delete(live('InProgress'), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'stop', done: 'stopped the customization job' }]);
      expect(bedrock).toHaveReceivedCommandWith(StopModelCustomizationJobCommand, { jobIdentifier: ARN });
      expect(ops()).toEqual(['GetModelCustomizationJob', 'StopModelCustomizationJob']);
    });

    it('stops a job by the name its moto ARN ends in', async () => {
      statuses('InProgress');
      await handler.delete(live('InProgress', MOTO_ARN), ctx(), recordingSteps());
      expect(bedrock).toHaveReceivedCommandWith(GetModelCustomizationJobCommand, { jobIdentifier: 'nova-job' });
      expect(bedrock).toHaveReceivedCommandWith(StopModelCustomizationJobCommand, { jobIdentifier: 'nova-job' });
    });

    it.each(['Stopping', 'Completed', 'Failed', 'Stopped'] as const)('does not stop a job that is %s by now', async (status) => {
      statuses(status);
      const steps = recordingSteps();
      await handler.delete(live('InProgress'), ctx(), steps);
      expect(steps.log).toEqual([]);
      expect(bedrock).not.toHaveReceivedCommand(StopModelCustomizationJobCommand);
    });

    it('sends no stop when its step is stopped', async () => {
      statuses('InProgress');
      await expect(handler.delete(live('InProgress'), ctx(), recordingSteps({ stopAt: 'stop' }))).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(ops()).toEqual(['GetModelCustomizationJob']);
    });

    it('leaves not-found to the core, and throws a failed stop', async () => {
      bedrock.on(GetModelCustomizationJobCommand).rejects(notFound());
      await expect(handler.delete(live('InProgress'), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      expect(bedrock).not.toHaveReceivedCommand(StopModelCustomizationJobCommand);
      bedrock.reset();
      statuses('InProgress');
      bedrock.on(StopModelCustomizationJobCommand).rejects(awsError('ConflictException', 'the job is not in progress'));
      await expect(handler.delete(live('InProgress'), ctx(), recordingSteps())).rejects.toThrow('the job is not in progress');
    });
  });

  describe('waitUntilGone', () => {
    it('polls GetModelCustomizationJob until the job has left InProgress and Stopping', async () => {
      vi.useFakeTimers();
      statuses('InProgress', 'Stopping', 'Stopped');
      const done = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      await vi.advanceTimersByTimeAsync(300_000);
      await expect(done).resolves.toBeUndefined();
      expect(bedrock).toHaveReceivedCommandTimes(GetModelCustomizationJobCommand, 3);
      expect(bedrock).toHaveReceivedCommandWith(GetModelCustomizationJobCommand, { jobIdentifier: ARN });
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it.each(['Completed', 'Failed'] as const)('is done at once when the job is %s (first poll, no sleeping)', async (status) => {
      statuses(status);
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
      expect(bedrock).toHaveReceivedCommandTimes(GetModelCustomizationJobCommand, 1);
    });

    it('is done when the job can no longer be found', async () => {
      bedrock.on(GetModelCustomizationJobCommand).rejects(notFound());
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
    });

    it('fails at once on another error', async () => {
      bedrock.on(GetModelCustomizationJobCommand).rejects(awsError('AccessDeniedException', 'not authorized', 403));
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).rejects.toThrow(/FAILURE/);
      expect(bedrock).toHaveReceivedCommandTimes(GetModelCustomizationJobCommand, 1);
    });

    it('fails when the job is still stopping after the wait timeout', async () => {
      vi.useFakeTimers();
      statuses('Stopping');
      const done = handler.waitUntilGone?.(refFor(handler, ARN), testContext({ waitTimeoutSeconds: 30 }));
      const failed = expect(done).rejects.toMatchObject({ name: 'TimeoutError' });
      await vi.advanceTimersByTimeAsync(60_000);
      await failed;
    });

    it('stops waiting when the run is aborted', async () => {
      statuses('Stopping');
      const abort = new AbortController();
      abort.abort();
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), testContext({ waitTimeoutSeconds: 60, signal: abort.signal }))).rejects.toMatchObject({ name: 'AbortError' });
    });
  });
});
