import {
  DeletePipelineCommand,
  DescribePipelineCommand,
  ListPipelinesCommand,
  type DescribePipelineCommandOutput,
  type ListPipelinesCommandOutput,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { arnKey } from '../../../src/aws/arn.js';
import { GONE } from '../../../src/resources/handler.js';
import { SAGEMAKER_NOT_FOUND, sagemakerType, siblingArn, type SageMakerSdk } from '../../../src/resources/sagemaker-common.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:eu-west-1:123456789012:pipeline/nova-pipe';
const ROLE = 'arn:aws:iam::123456789012:role/nova-pipe-role';
const notFound = () => awsError('ValidationException', 'Could not find pipeline "nova-pipe".');

/** A made-up SageMaker type declared through the factory: what every SageMaker type gets. */
const declaration = {
  kind: 'pipeline',
  description: 'a pipeline, for the factory test',
  references: ['iam:role'],
  describe: (s: SageMakerSdk, name: string) => new s.DescribePipelineCommand({ PipelineName: name }),
  uses: (out: DescribePipelineCommandOutput) => [out.RoleArn, out.RoleArn, undefined],
  list: {
    paginator: (s: SageMakerSdk) => s.paginateListPipelines,
    arns: (page: ListPipelinesCommandOutput) => page.PipelineSummaries?.map((p) => p.PipelineArn),
  },
  delete: (s: SageMakerSdk, name: string) => new s.DeletePipelineCommand({ PipelineName: name, ClientRequestToken: 'token-of-the-test' }),
};
const handler = sagemakerType(declaration);
const ctx = () => testContext({ waitTimeoutSeconds: 60 });

/** The operations the mock received, without `Command`. */
const sent = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

describe('sagemakerType (the SageMaker factory)', () => {
  beforeEach(() => sm.reset());

  it('derives the type, the ARN pattern, the name and the not-found codes from the kind', () => {
    expect(handler.type).toBe('sagemaker:pipeline');
    expect(handler.description).toBe('a pipeline, for the factory test');
    expect(handler.references).toEqual(['iam:role']);
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:eu-west-1:123456789012:pipeline/nova-pipe/execution/x')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:sagemaker:eu-west-1:123456789012:pipeline-execution/nova-pipe')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:lambda:eu-west-1:123456789012:pipeline/nova-pipe')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-pipe');
    expect(handler.notFound).toEqual(['ValidationException', 'ResourceNotFound']);
    expect(SAGEMAKER_NOT_FOUND).toBe(handler.notFound);
    expect(handler.client).toBeUndefined(); // the sagemaker client, from the type
  });

  it('declares the Describe, List and ListTags operations as its reads, named after the kind unless told', () => {
    expect(handler.reads).toEqual(['DescribePipeline', 'ListPipelines', 'ListTags']);
    const irregular = sagemakerType({ ...declaration, kind: 'code-repository', operations: { list: 'ListCodeRepositories' } });
    expect(irregular.reads).toEqual(['DescribeCodeRepository', 'ListCodeRepositories', 'ListTags']);
    expect(irregular.actions(liveFor(irregular, 'arn:aws:sagemaker:eu-west-1:123456789012:code-repository/r')).map((a) => a.action))
      .toEqual(['sagemaker:ListTags', 'sagemaker:DeleteCodeRepository']);
  });

  it('describes: the Describe output without $metadata, every page of ListTags (100 a page), distinct uses', async () => {
    sm.on(DescribePipelineCommand, { PipelineName: 'nova-pipe' }).resolves({ PipelineName: 'nova-pipe', RoleArn: ROLE, $metadata: { httpStatusCode: 200 } });
    sm.on(ListTagsCommand)
      .resolvesOnce({ Tags: [{ Key: 'project', Value: 'nova' }], NextToken: 'page-2' })
      .resolvesOnce({ Tags: [{ Key: 'team', Value: 'ml' }] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d.config).toEqual({ PipelineName: 'nova-pipe', RoleArn: ROLE });
    expect(d.tags).toEqual({ project: 'nova', team: 'ml' });
    expect(d.uses).toEqual([ROLE]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListTagsCommand, { ResourceArn: ARN, MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListTagsCommand, { ResourceArn: ARN, MaxResults: 100, NextToken: 'page-2' });
  });

  it('takes live tags from the hint instead of reading them again', async () => {
    sm.on(DescribePipelineCommand).resolves({ PipelineName: 'nova-pipe' });
    const d = await handler.describe(refFor(handler, ARN), ctx(), { tags: { project: 'nova' } });
    expect(d !== GONE && d.tags).toEqual({ project: 'nova' });
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
  });

  it.each([
    ['ValidationException', notFound()],
    ['ResourceNotFound', awsError('ResourceNotFound', 'no such pipeline')],
  ])('reports a resource whose Describe says %s as gone, without reading its tags', async (_name, err) => {
    sm.on(DescribePipelineCommand).rejects(err);
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
  });

  it('lets any other error of describe and readUses through (never matched on its text)', async () => {
    sm.on(DescribePipelineCommand).rejects(awsError('AccessDeniedException', 'Could not find: not allowed', 403));
    await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('not allowed');
    await expect(handler.readUses?.(refFor(handler, ARN), ctx())).rejects.toThrow('not allowed');
  });

  it('reads what it uses with the Describe call alone', async () => {
    sm.on(DescribePipelineCommand, { PipelineName: 'nova-pipe' }).resolves({ RoleArn: ROLE });
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ROLE]);
    expect(sent()).toEqual(['DescribePipeline']);
  });

  it('lists every page of the region (100 a page), ARNs only: the list call carries no references', async () => {
    const arn = (n: string) => `arn:aws:sagemaker:eu-west-1:123456789012:pipeline/${n}`;
    sm.on(ListPipelinesCommand)
      .resolvesOnce({ PipelineSummaries: [{ PipelineArn: arn('a') }, { PipelineName: 'no-arn' }], NextToken: 'p2' })
      .resolvesOnce({ PipelineSummaries: [{ PipelineArn: arn('b') }] });
    const listed = await handler.list?.(ctx(), 'eu-west-1');
    expect(listed).toEqual([{ arn: arn('a') }, { arn: arn('b') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListPipelinesCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListPipelinesCommand, { MaxResults: 100, NextToken: 'p2' });
    expect(await sm.call(0).thisValue.config.region()).toBe('eu-west-1');
  });

  it('proves the current tags with ListTags alone', async () => {
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
    expect(sent()).toEqual(['ListTags']);
  });

  it('asks Describe only when ListTags fails: gone when Describe says not-found', async () => {
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'the emulator cannot tag a missing resource', 500));
    sm.on(DescribePipelineCommand).rejects(notFound());
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(sent()).toEqual(['ListTags', 'DescribePipeline']);
  });

  it.each([
    ['the resource still exists', () => sm.on(DescribePipelineCommand).resolves({ PipelineName: 'nova-pipe' })],
    ['Describe fails too', () => sm.on(DescribePipelineCommand).rejects(awsError('AccessDeniedException', 'no describe', 403))],
  ])('rethrows the ListTags error when %s', async (_case, arrange) => {
    sm.on(ListTagsCommand).rejects(awsError('AccessDeniedException', 'no ListTags', 403));
    arrange();
    await expect(handler.currentTags(refFor(handler, ARN), ctx())).rejects.toThrow('no ListTags');
  });

  it('sends only its declared reads from describe, readUses, list and currentTags', async () => {
    sm.on(DescribePipelineCommand).resolves({ RoleArn: ROLE });
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListPipelinesCommand).resolves({ PipelineSummaries: [] });
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list?.(ctx(), 'eu-west-1');
    await handler.currentTags(refFor(handler, ARN), ctx());
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await expect(handler.currentTags(refFor(handler, ARN), ctx())).rejects.toThrow('x');
    expect(new Set(sent())).toEqual(new Set(['DescribePipeline', 'ListTags', 'ListPipelines']));
    for (const op of sent()) expect(handler.reads).toContain(op);
  });

  it('needs ListTags and the Delete on the resource ARN, plus Describe once it waits or deletes in steps', () => {
    const r = liveFor(handler, ARN);
    expect(handler.actions(r)).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DeletePipeline', resource: ARN },
    ]);
    const waiting = sagemakerType({ ...declaration, waitUntilGone: async () => undefined });
    expect(waiting.actions(r).map((a) => a.action)).toEqual(['sagemaker:ListTags', 'sagemaker:DescribePipeline', 'sagemaker:DeletePipeline']);
    const stepwise = sagemakerType({ ...declaration, deleteSteps: async () => undefined });
    expect(stepwise.actions(r).map((a) => a.action)).toContain('sagemaker:DescribePipeline');
  });

  it("adds the type's own actions, children, blocked and protect, which see the described state", () => {
    const running = sagemakerType({
      ...declaration,
      actions: (r) => (r.described.config.PipelineStatus === 'Active' ? [{ action: 'sagemaker:StopPipelineExecution', resource: `${r.ref.arn}/execution/*` }] : []),
      children: (r) => (r.described.config.PipelineStatus === 'Active' ? [{ kind: 'execution', id: 'e1' }] : []),
      blocked: (r) => (r.described.config.Locked ? 'locked' : undefined),
      protect: (r) => (r.ref.name.startsWith('aws-') ? 'owned by AWS' : undefined),
    });
    const active = liveFor(running, ARN, { config: { PipelineStatus: 'Active', Locked: true } });
    expect(running.actions(active)).toContainEqual({ action: 'sagemaker:StopPipelineExecution', resource: `${ARN}/execution/*` });
    expect(running.actions(liveFor(running, ARN)).map((a) => a.action)).not.toContain('sagemaker:StopPipelineExecution');
    expect(running.children?.(active)).toEqual([{ kind: 'execution', id: 'e1' }]);
    expect(running.blocked?.(active)).toBe('locked');
    expect(running.protect?.(liveFor(running, 'arn:aws:sagemaker:eu-west-1:123456789012:pipeline/aws-owned'), {})).toBe('owned by AWS');
    expect(running.protect?.(liveFor(running, ARN), {})).toBeUndefined();
    // Without them, the handler has none.
    expect(handler.children).toBeUndefined();
    expect(handler.blocked).toBeUndefined();
    expect(handler.protect).toBeUndefined();
    expect(handler.retained).toBeUndefined();
    expect(handler.waitUntilGone).toBeUndefined();
  });

  it("passes the run's explicit settings to the type's protect", () => {
    const seen: unknown[] = [];
    const domain = sagemakerType({
      ...declaration,
      protect: (_r, settings) => (seen.push(settings), settings.deleteStudioEfs ? undefined : 'its EFS home volume is retained; pass --delete-studio-efs'),
    });
    const r = liveFor(domain, ARN);
    expect(domain.protect?.(r, {})).toMatch(/--delete-studio-efs/);
    expect(domain.protect?.(r, { deleteStudioEfs: true })).toBeUndefined();
    expect(seen).toEqual([{}, { deleteStudioEfs: true }]);
  });

  it("adds the type's retained, which sees the described state", () => {
    const job = sagemakerType({ ...declaration, retained: (r) => (r.described.config.PipelineStatus === 'Deleted' ? 'AWS keeps the record of a finished job' : undefined) });
    expect(job.retained?.(liveFor(job, ARN, { config: { PipelineStatus: 'Deleted' } }))).toBe('AWS keeps the record of a finished job');
    expect(job.retained?.(liveFor(job, ARN, { config: { PipelineStatus: 'Active' } }))).toBeUndefined();
  });

  it('is returned by the Tagging API unless the declaration says otherwise', () => {
    expect(handler.taggingApi).toBe(true);
    expect(sagemakerType({ ...declaration, taggingApi: false }).taggingApi).toBe(false);
    expect(sagemakerType({ ...declaration, taggingApi: true }).taggingApi).toBe(true);
  });

  it('deletes in one step named delete, sending the Delete command', async () => {
    sm.on(DeletePipelineCommand).resolves({});
    const steps = recordingSteps();
    await handler.delete(liveFor(handler, ARN), ctx(), steps);
    expect(steps.log).toEqual([{ name: 'delete' }]);
    expect(sm).toHaveReceivedCommandWith(DeletePipelineCommand, { PipelineName: 'nova-pipe' });
    expect(sent()).toEqual(['DeletePipeline']);
  });

  it('sends nothing when the delete step is stopped, and lets a failed delete through (not-found included: the core decides)', async () => {
    sm.on(DeletePipelineCommand).rejects(notFound());
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toMatchObject({ name: 'TagsChanged' });
    expect(sm).not.toHaveReceivedCommand(DeletePipelineCommand);
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('gives a custom delete the SDK, the client, waiter options, Describe and the final step', async () => {
    sm.on(DescribePipelineCommand).resolves({ PipelineName: 'nova-pipe', PipelineStatus: 'Active' });
    sm.on(DeletePipelineCommand).resolves({});
    const seen: unknown[] = [];
    const custom = sagemakerType({
      ...declaration,
      async deleteSteps(r, kit, steps) {
        const now = await kit.describe();
        const waiter = kit.waiter();
        seen.push(now === GONE ? GONE : now.PipelineStatus, waiter.maxWaitTime, waiter.minDelay, waiter.maxDelay, waiter.client === kit.client);
        await steps.run({ name: 'stop', done: 'stopped it' }, async () => r.ref.name);
        await kit.deleteStep();
      },
    });
    const steps = recordingSteps();
    await custom.delete(liveFor(custom, ARN), testContext({ waitTimeoutSeconds: 120 }), steps);
    expect(seen).toEqual(['Active', 120, 5, 30, true]);
    expect(steps.log.map((s) => s.name)).toEqual(['stop', 'delete']);
    expect(sent()).toEqual(['DescribePipeline', 'DeletePipeline']);
  });

  it('waits with the declared waiter, the run timeout and abort signal, polling every 5 to 30 s', async () => {
    const waiter = vi.fn(async (_options: object, _name: string) => ({ state: 'SUCCESS' }));
    const waiting = sagemakerType({ ...declaration, waitUntilGone: (_s, options, name) => waiter(options, name) });
    const abort = new AbortController();
    await waiting.waitUntilGone?.(refFor(waiting, ARN), testContext({ waitTimeoutSeconds: 300, signal: abort.signal }));
    expect(waiter).toHaveBeenCalledWith(
      expect.objectContaining({ maxWaitTime: 300, minDelay: 5, maxDelay: 30, abortSignal: abort.signal, client: expect.any(SageMakerClient) }),
      'nova-pipe',
    );
    const failing = sagemakerType({ ...declaration, waitUntilGone: async () => Promise.reject(new Error('FAILURE')) });
    await expect(failing.waitUntilGone?.(refFor(failing, ARN), ctx())).rejects.toThrow('FAILURE');
  });

  it('builds sibling ARNs in the same partition, account and region, keeping the name as the API gave it', () => {
    const ref = refFor(handler, 'arn:aws-cn:sagemaker:cn-north-1:123456789012:pipeline/nova-pipe');
    const sibling = siblingArn(ref, 'model', 'Nova-Model');
    expect(sibling).toBe('arn:aws-cn:sagemaker:cn-north-1:123456789012:model/Nova-Model');
    // SageMaker's own ARNs carry the name in lower case: the two are the same resource.
    expect(arnKey(sibling)).toBe(arnKey('arn:aws-cn:sagemaker:cn-north-1:123456789012:model/nova-model'));
  });
});
