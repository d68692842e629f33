import { BedrockClient, DeleteCustomModelCommand, GetCustomModelCommand, ListCustomModelsCommand, ListTagsForResourceCommand } from '@aws-sdk/client-bedrock';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { bedrockIdentifier } from '../../../src/resources/bedrock-common.js';
import { bedrockCustomModel as handler } from '../../../src/resources/bedrock-custom-model.js';
import { GONE } from '../../../src/resources/handler.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const bedrock = mockClient(BedrockClient);
/** AWS's form: the base model and a 12-character id, no name. */
const ARN = 'arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/abc123def456';
const IMPORTED = 'arn:aws:bedrock:us-east-1:123456789012:custom-model/imported/xyz987uvw654';
/** moto's form: the model's name. */
const MOTO_ARN = 'arn:aws:bedrock:us-east-1:123456789012:custom-model/nova-tuned';
const ctx = () => testContext();
const notFound = () => awsError('ResourceNotFoundException', 'Custom model not found', 404);
const ops = () => bedrock.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

describe('bedrock:custom-model', () => {
  beforeEach(() => bedrock.reset());

  it('owns custom-model ARNs only (not deployments, jobs or foundation models) and uses nothing', () => {
    expect(handler.type).toBe('bedrock:custom-model');
    expect(handler.client).toBe('bedrock');
    for (const arn of [ARN, IMPORTED, MOTO_ARN]) expect(handler.arnPattern.test(arn)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/abc123def456')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/abc123def456')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('abc123def456');
    expect(handler.nameOf(MOTO_ARN)).toBe('nova-tuned');
    expect(handler.references).toEqual([]);
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['GetCustomModel', 'ListCustomModels', 'ListTagsForResource']);
  });

  it('calls Bedrock with the ARN, or with the name an ARN of one segment ends in', () => {
    expect(bedrockIdentifier(ARN)).toBe(ARN);
    expect(bedrockIdentifier(IMPORTED)).toBe(IMPORTED);
    expect(bedrockIdentifier(MOTO_ARN)).toBe('nova-tuned');
    expect(bedrockIdentifier('arn:aws:bedrock:us-east-1:123456789012:model-customization-job/nova-job')).toBe('nova-job');
  });

  describe('describe', () => {
    it('reads the configuration and the live tags; it uses nothing', async () => {
      bedrock.on(GetCustomModelCommand, { modelIdentifier: ARN }).resolves({
        modelArn: ARN,
        modelName: 'nova-tuned',
        jobArn: 'arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/job123job456',
        customizationType: 'FINE_TUNING',
        modelStatus: 'Active',
        $metadata: { httpStatusCode: 200 },
      });
      bedrock.on(ListTagsForResourceCommand, { resourceARN: ARN }).resolves({ tags: [{ key: 'project', value: 'nova' }, { key: 'empty', value: undefined }] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova', empty: '' });
      expect(d.uses).toEqual([]);
      expect(d.config).toMatchObject({ modelName: 'nova-tuned', customizationType: 'FINE_TUNING', modelStatus: 'Active' });
      expect(d.config).not.toHaveProperty('$metadata');
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('takes the tags discovery already read, without asking again', async () => {
      bedrock.on(GetCustomModelCommand).resolves({ modelArn: MOTO_ARN, modelName: 'nova-tuned', creationTime: new Date(0) });
      const d = await handler.describe(refFor(handler, MOTO_ARN), ctx(), { tags: { project: 'nova' } });
      expect(d).toMatchObject({ tags: { project: 'nova' } });
      expect(bedrock).toHaveReceivedCommandWith(GetCustomModelCommand, { modelIdentifier: 'nova-tuned' });
      expect(bedrock).not.toHaveReceivedCommand(ListTagsForResourceCommand);
    });

    it('is GONE when the model, or its tags, can no longer be found', async () => {
      bedrock.on(GetCustomModelCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(bedrock).not.toHaveReceivedCommand(ListTagsForResourceCommand);
      bedrock.reset();
      bedrock.on(GetCustomModelCommand).resolves({ modelArn: ARN, modelName: 'nova-tuned', creationTime: new Date(0) });
      bedrock.on(ListTagsForResourceCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    });

    it('throws any other error', async () => {
      bedrock.on(GetCustomModelCommand).rejects(awsError('AccessDeniedException', 'not authorized', 403));
      await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('not authorized');
    });
  });

  describe('list', () => {
    it('lists the models this account owns, every page at 1000, each using nothing', async () => {
      bedrock
        .on(ListCustomModelsCommand)
        .resolvesOnce({ modelSummaries: [{ modelArn: ARN, modelName: 'a', creationTime: new Date(0), baseModelArn: 'b', baseModelName: 'b' }], nextToken: 'page-2' })
        .resolvesOnce({ modelSummaries: [{ modelArn: IMPORTED, modelName: 'b', creationTime: new Date(0), baseModelArn: 'b', baseModelName: 'b' }] });
      expect(await handler.list(ctx(), 'us-east-1')).toEqual([
        { arn: ARN, uses: [] },
        { arn: IMPORTED, uses: [] },
      ]);
      expect(bedrock).toHaveReceivedCommandTimes(ListCustomModelsCommand, 2);
      expect(bedrock).toHaveReceivedNthCommandWith(1, ListCustomModelsCommand, { maxResults: 1000, isOwned: true });
      expect(bedrock).toHaveReceivedNthCommandWith(2, ListCustomModelsCommand, { maxResults: 1000, isOwned: true, nextToken: 'page-2' });
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });
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

  it('needs the tag read and DeleteCustomModel on the model, and blocks or protects nothing by itself', () => {
    const r = liveFor(handler, ARN, { config: { modelStatus: 'Active' } });
    expect(handler.actions(r)).toEqual([
      { action: 'bedrock:ListTagsForResource', resource: ARN },
      { action: 'bedrock:DeleteCustomModel', resource: ARN },
    ]);
    expect(handler.children).toBeUndefined();
    expect(handler.blocked).toBeUndefined();
    expect(handler.protect).toBeUndefined();
    expect(handler.retained).toBeUndefined();
    expect(handler.waitUntilGone).toBeUndefined();
  });

  describe('delete', () => {
    it('deletes it in one step', async () => {
      bedrock.on(DeleteCustomModelCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(liveFor(handler, ARN), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete' }]);
      expect(bedrock).toHaveReceivedCommandWith(DeleteCustomModelCommand, { modelIdentifier: ARN });
      expect(ops()).toEqual(['DeleteCustomModel']);
    });

    it('sends nothing when its step is stopped', async () => {
      await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(ops()).toEqual([]);
    });

    it('leaves not-found and a conflict (a throughput still serving it) to the core', async () => {
      bedrock.on(DeleteCustomModelCommand).rejects(notFound());
      await expect(handler.delete(liveFor(handler, MOTO_ARN), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      expect(bedrock).toHaveReceivedCommandWith(DeleteCustomModelCommand, { modelIdentifier: 'nova-tuned' });
      bedrock.reset();
      bedrock.on(DeleteCustomModelCommand).rejects(awsError('ConflictException', 'the model is in use'));
      await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ConflictException' });
    });
  });
});
