import {
  BedrockClient,
  DeleteProvisionedModelThroughputCommand,
  GetProvisionedModelThroughputCommand,
  ListProvisionedModelThroughputsCommand,
  ListTagsForResourceCommand,
  type GetProvisionedModelThroughputResponse,
  type ProvisionedModelStatus,
  type ProvisionedModelSummary,
} from '@aws-sdk/client-bedrock';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bedrockProvisionedModel as handler } from '../../../src/resources/bedrock-provisioned-model.js';
import { GONE } from '../../../src/resources/handler.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const bedrock = mockClient(BedrockClient);
const ARN = 'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/pt1abc2def3g';
const OTHER = 'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/pt9xyz8uvw7t';
const CUSTOM = 'arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/abc123def456';
const CUSTOM_NEXT = 'arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/next12next34';
const IMPORTED = 'arn:aws:bedrock:us-east-1:123456789012:imported-model/imp123imp456';
const FOUNDATION = 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k';
const ctx = () => testContext({ waitTimeoutSeconds: 600 });
const notFound = () => awsError('ResourceNotFoundException', 'Provisioned model not found', 404);
const ops = () => bedrock.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

const throughput = (over: Partial<GetProvisionedModelThroughputResponse> = {}): GetProvisionedModelThroughputResponse => ({
  provisionedModelArn: ARN,
  provisionedModelName: 'nova-pt',
  modelArn: CUSTOM,
  desiredModelArn: CUSTOM,
  foundationModelArn: FOUNDATION,
  modelUnits: 1,
  desiredModelUnits: 1,
  status: 'InService',
  creationTime: new Date(0),
  lastModifiedTime: new Date(0),
  ...over,
});
const summary = (arn: string, modelArn: string): ProvisionedModelSummary => ({ ...throughput({ modelArn, desiredModelArn: modelArn }), provisionedModelArn: arn });
const live = (over: Partial<GetProvisionedModelThroughputResponse> | Record<string, unknown> = {}) =>
  liveFor(handler, ARN, { config: { ...throughput(), ...over } });

/** GetProvisionedModelThroughput answers these in turn (a status, or not-found for `gone`); the last repeats. */
function polls(...list: (ProvisionedModelStatus | 'gone')[]): void {
  let chain = bedrock.on(GetProvisionedModelThroughputCommand);
  for (const s of list.slice(0, -1)) chain = s === 'gone' ? chain.rejectsOnce(notFound()) : chain.resolvesOnce(throughput({ status: s }));
  const last = list.at(-1)!;
  if (last === 'gone') chain.rejects(notFound());
  else chain.resolves(throughput({ status: last }));
}

describe('bedrock:provisioned-model', () => {
  beforeEach(() => bedrock.reset());
  afterEach(() => vi.useRealTimers());

  it('owns provisioned-model ARNs only, may use custom and imported models, and says it bills hourly', () => {
    expect(handler.type).toBe('bedrock:provisioned-model');
    expect(handler.client).toBe('bedrock');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    for (const arn of [CUSTOM, IMPORTED, FOUNDATION, 'arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/dep123dep456']) {
      expect(handler.arnPattern.test(arn)).toBe(false);
    }
    expect(handler.nameOf(ARN)).toBe('pt1abc2def3g');
    expect(handler.references).toEqual(['bedrock:custom-model', 'bedrock:imported-model']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.notFound).toEqual(['ResourceNotFoundException']);
    expect(handler.reads).toEqual(['GetProvisionedModelThroughput', 'ListProvisionedModelThroughputs', 'ListTagsForResource']);
    expect(handler.description).toMatch(/billed hourly/);
  });

  describe('describe', () => {
    it('reads the configuration by ARN and the live tags; it uses the custom model it serves', async () => {
      bedrock.on(GetProvisionedModelThroughputCommand, { provisionedModelId: ARN }).resolves({ ...throughput(), $metadata: { httpStatusCode: 200 } });
      bedrock.on(ListTagsForResourceCommand, { resourceARN: ARN }).resolves({ tags: [{ key: 'project', value: 'nova' }] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([CUSTOM]);
      expect(d.config).toMatchObject({ provisionedModelName: 'nova-pt', modelUnits: 1, status: 'InService', foundationModelArn: FOUNDATION });
      expect(d.config).not.toHaveProperty('$metadata');
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('uses an imported model it serves, both models while an update moves it, and no foundation model', async () => {
      bedrock.on(ListTagsForResourceCommand).resolves({ tags: [] });
      bedrock.on(GetProvisionedModelThroughputCommand).resolves(throughput({ modelArn: IMPORTED, desiredModelArn: IMPORTED }));
      expect(await handler.describe(refFor(handler, ARN), ctx())).toMatchObject({ uses: [IMPORTED] });
      bedrock.on(GetProvisionedModelThroughputCommand).resolves(throughput({ status: 'Updating', modelArn: CUSTOM, desiredModelArn: CUSTOM_NEXT }));
      expect(await handler.describe(refFor(handler, ARN), ctx())).toMatchObject({ uses: [CUSTOM, CUSTOM_NEXT] });
      bedrock.on(GetProvisionedModelThroughputCommand).resolves(throughput({ modelArn: FOUNDATION, desiredModelArn: FOUNDATION }));
      expect(await handler.describe(refFor(handler, ARN), ctx())).toMatchObject({ uses: [] });
    });

    it('takes the tags discovery already read, without asking again', async () => {
      bedrock.on(GetProvisionedModelThroughputCommand).resolves(throughput());
      expect(await handler.describe(refFor(handler, ARN), ctx(), { tags: { project: 'nova' } })).toMatchObject({ tags: { project: 'nova' } });
      expect(bedrock).not.toHaveReceivedCommand(ListTagsForResourceCommand);
    });

    it('is GONE when it, or its tags, can no longer be found', async () => {
      bedrock.on(GetProvisionedModelThroughputCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(bedrock).not.toHaveReceivedCommand(ListTagsForResourceCommand);
      bedrock.reset();
      bedrock.on(GetProvisionedModelThroughputCommand).resolves(throughput());
      bedrock.on(ListTagsForResourceCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    });

    it('throws any other error', async () => {
      bedrock.on(GetProvisionedModelThroughputCommand).rejects(awsError('AccessDeniedException', 'not authorized', 403));
      await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('not authorized');
    });
  });

  describe('list', () => {
    it('lists every page at 1000, each with the models it serves from the list itself', async () => {
      bedrock
        .on(ListProvisionedModelThroughputsCommand)
        .resolvesOnce({ provisionedModelSummaries: [summary(ARN, CUSTOM)], nextToken: 'page-2' })
        .resolvesOnce({ provisionedModelSummaries: [summary(OTHER, FOUNDATION)] });
      expect(await handler.list(ctx(), 'us-east-1')).toEqual([
        { arn: ARN, uses: [CUSTOM] },
        { arn: OTHER, uses: [] },
      ]);
      expect(bedrock).toHaveReceivedCommandTimes(ListProvisionedModelThroughputsCommand, 2);
      expect(bedrock).toHaveReceivedNthCommandWith(1, ListProvisionedModelThroughputsCommand, { maxResults: 1000 });
      expect(bedrock).toHaveReceivedNthCommandWith(2, ListProvisionedModelThroughputsCommand, { maxResults: 1000, nextToken: 'page-2' });
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
      expect(handler.readUses).toBeUndefined();
    });
  });

  describe('blocked', () => {
    beforeEach(() => {
      vi.useFakeTimers();
      vi.setSystemTime(new Date('2026-06-01T00:00:00Z'));
    });

    it('is not blocked without a commitment', () => {
      expect(handler.blocked?.(live())).toBeUndefined();
    });

    it('is blocked while its commitment term runs, with the date it ends', () => {
      const reason = handler.blocked?.(live({ commitmentDuration: 'SixMonths', commitmentExpirationTime: new Date('2026-09-01T12:00:00Z') }));
      expect(reason).toContain('SixMonths commitment');
      expect(reason).toContain('2026-09-01T12:00:00.000Z');
      expect(reason).toMatch(/before its commitment term is over/);
    });

    it('reads the end date from a saved plan (an ISO string) too', () => {
      expect(handler.blocked?.(live({ commitmentDuration: 'OneMonth', commitmentExpirationTime: '2026-06-15T00:00:00.000Z' }))).toContain('until 2026-06-15T00:00:00.000Z');
    });

    it('is not blocked once the term is over', () => {
      expect(handler.blocked?.(live({ commitmentDuration: 'OneMonth', commitmentExpirationTime: new Date('2026-05-31T23:59:59Z') }))).toBeUndefined();
    });

    it('is blocked when a commitment is reported without its end', () => {
      expect(handler.blocked?.(live({ commitmentDuration: 'OneMonth' }))).toMatch(/OneMonth commitment whose end Bedrock does not report/);
    });
  });

  it('needs the tag read, the delete and the polls on the throughput; protects and retains nothing', () => {
    expect(handler.actions(live())).toEqual([
      { action: 'bedrock:ListTagsForResource', resource: ARN },
      { action: 'bedrock:DeleteProvisionedModelThroughput', resource: ARN },
      { action: 'bedrock:GetProvisionedModelThroughput', resource: ARN },
    ]);
    expect(handler.children).toBeUndefined();
    expect(handler.protect).toBeUndefined();
    expect(handler.retained).toBeUndefined();
  });

  describe('currentTags', () => {
    it('reads ListTagsForResource alone', async () => {
      bedrock.on(ListTagsForResourceCommand, { resourceARN: ARN }).resolves({ tags: [{ key: 'project', value: 'nova' }] });
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
      expect(ops()).toEqual(['ListTagsForResource']);
    });

    it('is GONE on not-found and throws anything else', async () => {
      bedrock.on(ListTagsForResourceCommand).rejects(notFound());
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
      bedrock.reset();
      bedrock.on(ListTagsForResourceCommand).rejects(awsError('ThrottlingException', 'slow down', 429));
      await expect(handler.currentTags(refFor(handler, ARN), ctx())).rejects.toThrow('slow down');
    });
  });

  describe('delete', () => {
    it('deletes it by ARN in one step', async () => {
      bedrock.on(DeleteProvisionedModelThroughputCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(live(), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete' }]);
      expect(bedrock).toHaveReceivedCommandWith(DeleteProvisionedModelThroughputCommand, { provisionedModelId: ARN });
      expect(ops()).toEqual(['DeleteProvisionedModelThroughput']);
    });

    it('sends nothing when its step is stopped', async () => {
      await expect(handler.delete(live(), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(ops()).toEqual([]);
    });

    it('leaves not-found and a refusal (a commitment term) to the core', async () => {
      bedrock.on(DeleteProvisionedModelThroughputCommand).rejects(notFound());
      await expect(handler.delete(live(), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      bedrock.reset();
      bedrock.on(DeleteProvisionedModelThroughputCommand).rejects(awsError('ValidationException', 'commitment term is not over'));
      await expect(handler.delete(live(), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ValidationException' });
    });
  });

  describe('waitUntilGone', () => {
    it('polls GetProvisionedModelThroughput by ARN until it is not found', async () => {
      vi.useFakeTimers();
      polls('InService', 'InService', 'gone');
      const done = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      await vi.advanceTimersByTimeAsync(120_000);
      await expect(done).resolves.toBeUndefined();
      expect(bedrock).toHaveReceivedCommandTimes(GetProvisionedModelThroughputCommand, 3);
      expect(bedrock).toHaveReceivedCommandWith(GetProvisionedModelThroughputCommand, { provisionedModelId: ARN });
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('is done at once when it is already gone', async () => {
      polls('gone');
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
      expect(bedrock).toHaveReceivedCommandTimes(GetProvisionedModelThroughputCommand, 1);
    });

    it('fails at once on another error', async () => {
      bedrock.on(GetProvisionedModelThroughputCommand).rejects(awsError('AccessDeniedException', 'not authorized', 403));
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).rejects.toThrow(/FAILURE/);
      expect(bedrock).toHaveReceivedCommandTimes(GetProvisionedModelThroughputCommand, 1);
    });

    it('fails when it is still there after the wait timeout (a Failed one too)', async () => {
      vi.useFakeTimers();
      polls('Failed');
      const done = handler.waitUntilGone?.(refFor(handler, ARN), testContext({ waitTimeoutSeconds: 30 }));
      const failed = expect(done).rejects.toMatchObject({ name: 'TimeoutError' });
      await vi.advanceTimersByTimeAsync(60_000);
      await failed;
    });

    it('stops waiting when the run is aborted', async () => {
      polls('InService');
      const abort = new AbortController();
      abort.abort();
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), testContext({ waitTimeoutSeconds: 60, signal: abort.signal }))).rejects.toMatchObject({
        name: 'AbortError',
      });
    });
  });
});
