import { BedrockClient, DeleteImportedModelCommand, GetImportedModelCommand, ListImportedModelsCommand, ListTagsForResourceCommand } from '@aws-sdk/client-bedrock';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { bedrockImportedModel as handler } from '../../../src/resources/bedrock-imported-model.js';
import { GONE } from '../../../src/resources/handler.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const bedrock = mockClient(BedrockClient);
const ARN = 'arn:aws:bedrock:us-east-1:123456789012:imported-model/imp123imp456';
const OTHER = 'arn:aws:bedrock:us-east-1:123456789012:imported-model/imp999imp000';
const JOB = 'arn:aws:bedrock:us-east-1:123456789012:model-import-job/job123job456';
const ctx = () => testContext();
const notFound = () => awsError('ResourceNotFoundException', 'Imported model not found', 404);
const ops = () => bedrock.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const imported = {
  modelArn: ARN,
  modelName: 'llama-tuned',
  jobName: 'import-llama',
  jobArn: JOB,
  modelDataSource: { s3DataSource: { s3Uri: 's3://nova-data/llama/' } },
  creationTime: new Date(0),
  modelArchitecture: 'llama3',
};

describe('bedrock:imported-model', () => {
  beforeEach(() => bedrock.reset());

  it('owns imported-model ARNs only (not custom models imported with CreateCustomModel, nor import jobs) and uses nothing', () => {
    expect(handler.type).toBe('bedrock:imported-model');
    expect(handler.client).toBe('bedrock');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:bedrock:us-east-1:123456789012:custom-model/imported/xyz987uvw654')).toBe(false);
    expect(handler.arnPattern.test(JOB)).toBe(false);
    expect(handler.nameOf(ARN)).toBe('imp123imp456');
    expect(handler.references).toEqual([]);
    expect(handler.taggingApi).toBe(true);
    expect(handler.notFound).toEqual(['ResourceNotFoundException']);
    expect(handler.reads).toEqual(['GetImportedModel', 'ListImportedModels', 'ListTagsForResource']);
  });

  describe('describe', () => {
    it('reads the configuration by ARN and the live tags; it uses nothing', async () => {
      bedrock.on(GetImportedModelCommand, { modelIdentifier: ARN }).resolves({ ...imported, $metadata: { httpStatusCode: 200 } });
      bedrock.on(ListTagsForResourceCommand, { resourceARN: ARN }).resolves({ tags: [{ key: 'project', value: 'nova' }] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([]);
      expect(d.config).toMatchObject({ modelName: 'llama-tuned', jobArn: JOB, modelDataSource: { s3DataSource: { s3Uri: 's3://nova-data/llama/' } } });
      expect(d.config).not.toHaveProperty('$metadata');
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('takes the tags discovery already read, without asking again', async () => {
      bedrock.on(GetImportedModelCommand).resolves(imported);
      expect(await handler.describe(refFor(handler, ARN), ctx(), { tags: { project: 'nova' } })).toMatchObject({ tags: { project: 'nova' } });
      expect(bedrock).not.toHaveReceivedCommand(ListTagsForResourceCommand);
    });

    it('is GONE when the model, or its tags, can no longer be found', async () => {
      bedrock.on(GetImportedModelCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(bedrock).not.toHaveReceivedCommand(ListTagsForResourceCommand);
      bedrock.reset();
      bedrock.on(GetImportedModelCommand).resolves(imported);
      bedrock.on(ListTagsForResourceCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    });

    it('throws any other error', async () => {
      bedrock.on(GetImportedModelCommand).rejects(awsError('AccessDeniedException', 'not authorized', 403));
      await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('not authorized');
    });
  });

  describe('list', () => {
    it('lists every page at 1000, each using nothing', async () => {
      bedrock
        .on(ListImportedModelsCommand)
        .resolvesOnce({ modelSummaries: [{ modelArn: ARN, modelName: 'a', creationTime: new Date(0) }], nextToken: 'page-2' })
        .resolvesOnce({ modelSummaries: [{ modelArn: OTHER, modelName: 'b', creationTime: new Date(0) }] });
      expect(await handler.list(ctx(), 'us-east-1')).toEqual([
        { arn: ARN, uses: [] },
        { arn: OTHER, uses: [] },
      ]);
      expect(bedrock).toHaveReceivedCommandTimes(ListImportedModelsCommand, 2);
      expect(bedrock).toHaveReceivedNthCommandWith(1, ListImportedModelsCommand, { maxResults: 1000 });
      expect(bedrock).toHaveReceivedNthCommandWith(2, ListImportedModelsCommand, { maxResults: 1000, nextToken: 'page-2' });
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

  it('needs the tag read and DeleteImportedModel on the model, and blocks, protects, retains or waits for nothing', () => {
    expect(handler.actions(liveFor(handler, ARN, { config: { ...imported } }))).toEqual([
      { action: 'bedrock:ListTagsForResource', resource: ARN },
      { action: 'bedrock:DeleteImportedModel', resource: ARN },
    ]);
    expect(handler.children).toBeUndefined();
    expect(handler.blocked).toBeUndefined();
    expect(handler.protect).toBeUndefined();
    expect(handler.retained).toBeUndefined();
    expect(handler.waitUntilGone).toBeUndefined();
  });

  describe('delete', () => {
    it('deletes it by ARN in one step', async () => {
      bedrock.on(DeleteImportedModelCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(liveFor(handler, ARN), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete' }]);
      expect(bedrock).toHaveReceivedCommandWith(DeleteImportedModelCommand, { modelIdentifier: ARN });
      expect(ops()).toEqual(['DeleteImportedModel']);
    });

    it('sends nothing when its step is stopped', async () => {
      await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(ops()).toEqual([]);
    });

    it('leaves not-found and a conflict (a throughput still serving it) to the core', async () => {
      bedrock.on(DeleteImportedModelCommand).rejects(notFound());
      await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      bedrock.reset();
      bedrock.on(DeleteImportedModelCommand).rejects(awsError('ConflictException', 'the model is in use'));
      await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ConflictException' });
    });
  });
});
