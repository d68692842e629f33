import {
  BedrockClient,
  DeleteCustomModelDeploymentCommand,
  GetCustomModelDeploymentCommand,
  ListCustomModelDeploymentsCommand,
  ListTagsForResourceCommand,
  type CustomModelDeploymentSummary,
  type GetCustomModelDeploymentResponse,
} from '@aws-sdk/client-bedrock';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bedrockCustomModelDeployment as handler } from '../../../src/resources/bedrock-custom-model-deployment.js';
import { GONE } from '../../../src/resources/handler.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const bedrock = mockClient(BedrockClient);
const ARN = 'arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/dep123dep456';
const OTHER = 'arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/dep999dep000';
const MODEL = 'arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/abc123def456';
const NEXT = 'arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/next12next34';
const FOUNDATION = 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k';
const ctx = () => testContext({ waitTimeoutSeconds: 600 });
const notFound = () => awsError('ResourceNotFoundException', 'Custom model deployment not found', 404);
const ops = () => bedrock.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

/** `status` as Bedrock reports it; `Deleting` is not in the SDK's enum but is what a deletion shows. */
const deployment = (over: Partial<Omit<GetCustomModelDeploymentResponse, 'status'>> & { status?: string } = {}): GetCustomModelDeploymentResponse =>
  ({
    customModelDeploymentArn: ARN,
    modelDeploymentName: 'nova-on-demand',
    modelArn: MODEL,
    createdAt: new Date(0),
    status: 'Active',
    description: 'serves the tuned Nova',
    ...over,
  }) as GetCustomModelDeploymentResponse;
const summary = (arn: string): CustomModelDeploymentSummary => ({ customModelDeploymentArn: arn, customModelDeploymentName: 'd', modelArn: MODEL, createdAt: new Date(0), status: 'Active' });
const live = () => liveFor(handler, ARN, { config: { ...deployment() }, uses: [MODEL] });

/** GetCustomModelDeployment answers these in turn (a status, or not-found for `gone`); the last repeats. */
function polls(...list: string[]): void {
  let chain = bedrock.on(GetCustomModelDeploymentCommand);
  for (const s of list.slice(0, -1)) chain = s === 'gone' ? chain.rejectsOnce(notFound()) : chain.resolvesOnce(deployment({ status: s }));
  const last = list.at(-1)!;
  if (last === 'gone') chain.rejects(notFound());
  else chain.resolves(deployment({ status: last }));
}

describe('bedrock:custom-model-deployment', () => {
  beforeEach(() => bedrock.reset());
  afterEach(() => vi.useRealTimers());

  it('owns custom-model-deployment ARNs only (not the models) and may use custom models', () => {
    expect(handler.type).toBe('bedrock:custom-model-deployment');
    expect(handler.client).toBe('bedrock');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(MODEL)).toBe(false);
    expect(handler.arnPattern.test('arn:aws:bedrock:us-east-1:123456789012:provisioned-model/pt1abc2def3g')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('dep123dep456');
    expect(handler.references).toEqual(['bedrock:custom-model']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.notFound).toEqual(['ResourceNotFoundException']);
    expect(handler.reads).toEqual(['GetCustomModelDeployment', 'ListCustomModelDeployments', 'ListTagsForResource']);
  });

  describe('describe', () => {
    it('reads the configuration by ARN and the live tags; it uses its custom model', async () => {
      bedrock.on(GetCustomModelDeploymentCommand, { customModelDeploymentIdentifier: ARN }).resolves({ ...deployment(), $metadata: { httpStatusCode: 200 } });
      bedrock.on(ListTagsForResourceCommand, { resourceARN: ARN }).resolves({ tags: [{ key: 'project', value: 'nova' }] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([MODEL]);
      expect(d.config).toMatchObject({ modelDeploymentName: 'nova-on-demand', status: 'Active', description: 'serves the tuned Nova' });
      expect(d.config).not.toHaveProperty('$metadata');
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('uses the model an update is moving it to while the update runs, and never a foundation model', async () => {
      bedrock.on(ListTagsForResourceCommand).resolves({ tags: [] });
      bedrock.on(GetCustomModelDeploymentCommand).resolves(deployment({ updateDetails: { modelArn: NEXT, updateStatus: 'Updating' } }));
      expect(await handler.describe(refFor(handler, ARN), ctx())).toMatchObject({ uses: [MODEL, NEXT] });
      bedrock.on(GetCustomModelDeploymentCommand).resolves(deployment({ updateDetails: { modelArn: NEXT, updateStatus: 'UpdateFailed' } }));
      expect(await handler.describe(refFor(handler, ARN), ctx())).toMatchObject({ uses: [MODEL] });
      bedrock.on(GetCustomModelDeploymentCommand).resolves(deployment({ modelArn: FOUNDATION }));
      expect(await handler.describe(refFor(handler, ARN), ctx())).toMatchObject({ uses: [] });
    });

    it('takes the tags discovery already read, without asking again', async () => {
      bedrock.on(GetCustomModelDeploymentCommand).resolves(deployment());
      expect(await handler.describe(refFor(handler, ARN), ctx(), { tags: { project: 'nova' } })).toMatchObject({ tags: { project: 'nova' } });
      expect(bedrock).not.toHaveReceivedCommand(ListTagsForResourceCommand);
    });

    it('is GONE when it, or its tags, can no longer be found', async () => {
      bedrock.on(GetCustomModelDeploymentCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(bedrock).not.toHaveReceivedCommand(ListTagsForResourceCommand);
      bedrock.reset();
      bedrock.on(GetCustomModelDeploymentCommand).resolves(deployment());
      bedrock.on(ListTagsForResourceCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    });

    it('throws any other error', async () => {
      bedrock.on(GetCustomModelDeploymentCommand).rejects(awsError('AccessDeniedException', 'not authorized', 403));
      await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('not authorized');
    });
  });

  describe('list and readUses', () => {
    it('lists every page at 1000, leaving what each uses to readUses', async () => {
      bedrock
        .on(ListCustomModelDeploymentsCommand)
        .resolvesOnce({ modelDeploymentSummaries: [summary(ARN)], nextToken: 'page-2' })
        .resolvesOnce({ modelDeploymentSummaries: [summary(OTHER)] });
      expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: ARN }, { arn: OTHER }]);
      expect(bedrock).toHaveReceivedCommandTimes(ListCustomModelDeploymentsCommand, 2);
      expect(bedrock).toHaveReceivedNthCommandWith(1, ListCustomModelDeploymentsCommand, { maxResults: 1000 });
      expect(bedrock).toHaveReceivedNthCommandWith(2, ListCustomModelDeploymentsCommand, { maxResults: 1000, nextToken: 'page-2' });
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('readUses is one GetCustomModelDeployment, with the update target', async () => {
      bedrock.on(GetCustomModelDeploymentCommand).resolves(deployment({ updateDetails: { modelArn: NEXT, updateStatus: 'Updating' } }));
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([MODEL, NEXT]);
      expect(ops()).toEqual(['GetCustomModelDeployment']);
    });
  });

  it('needs the tag read, the delete and the polls on the deployment; blocks, protects and retains nothing', () => {
    expect(handler.actions(live())).toEqual([
      { action: 'bedrock:ListTagsForResource', resource: ARN },
      { action: 'bedrock:DeleteCustomModelDeployment', resource: ARN },
      { action: 'bedrock:GetCustomModelDeployment', resource: ARN },
    ]);
    expect(handler.children).toBeUndefined();
    expect(handler.blocked).toBeUndefined();
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
      bedrock.on(DeleteCustomModelDeploymentCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(live(), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete' }]);
      expect(bedrock).toHaveReceivedCommandWith(DeleteCustomModelDeploymentCommand, { customModelDeploymentIdentifier: ARN });
      expect(ops()).toEqual(['DeleteCustomModelDeployment']);
    });

    it('sends nothing when its step is stopped', async () => {
      await expect(handler.delete(live(), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(ops()).toEqual([]);
    });

    it('leaves not-found and a conflict to the core', async () => {
      bedrock.on(DeleteCustomModelDeploymentCommand).rejects(notFound());
      await expect(handler.delete(live(), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      bedrock.reset();
      bedrock.on(DeleteCustomModelDeploymentCommand).rejects(awsError('ConflictException', 'the deployment is being created'));
      await expect(handler.delete(live(), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ConflictException' });
    });
  });

  describe('waitUntilGone', () => {
    it('polls GetCustomModelDeployment by ARN through Deleting until it is not found', async () => {
      vi.useFakeTimers();
      polls('Deleting', 'Deleting', 'gone');
      const done = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      await vi.advanceTimersByTimeAsync(300_000);
      await expect(done).resolves.toBeUndefined();
      expect(bedrock).toHaveReceivedCommandTimes(GetCustomModelDeploymentCommand, 3);
      expect(bedrock).toHaveReceivedCommandWith(GetCustomModelDeploymentCommand, { customModelDeploymentIdentifier: ARN });
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('is done at once when it is already gone', async () => {
      polls('gone');
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
      expect(bedrock).toHaveReceivedCommandTimes(GetCustomModelDeploymentCommand, 1);
    });

    it('fails at once on another error', async () => {
      bedrock.on(GetCustomModelDeploymentCommand).rejects(awsError('AccessDeniedException', 'not authorized', 403));
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).rejects.toThrow(/FAILURE/);
      expect(bedrock).toHaveReceivedCommandTimes(GetCustomModelDeploymentCommand, 1);
    });

    it('fails when it is still deleting after the wait timeout', async () => {
      vi.useFakeTimers();
      polls('Deleting');
      const done = handler.waitUntilGone?.(refFor(handler, ARN), testContext({ waitTimeoutSeconds: 30 }));
      const failed = expect(done).rejects.toMatchObject({ name: 'TimeoutError' });
      await vi.advanceTimersByTimeAsync(60_000);
      await failed;
    });
  });
});
