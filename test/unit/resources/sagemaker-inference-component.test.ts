import {
  DeleteInferenceComponentCommand,
  DescribeInferenceComponentCommand,
  ListInferenceComponentsCommand,
  ListTagsCommand,
  SageMakerClient,
  type InferenceComponentStatus,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerInferenceComponent as handler } from '../../../src/resources/sagemaker-inference-component.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:inference-component/nova-ic';
const ENDPOINT = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/nova-ep';
const MODEL = 'arn:aws:sagemaker:us-east-1:123456789012:model/Nova-Model';
const MODEL_B = 'arn:aws:sagemaker:us-east-1:123456789012:model/nova-model-b';
const INPUT = { InferenceComponentName: 'nova-ic' };
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ValidationException', 'Could not find inference component "nova-ic".');

const COMPONENT = {
  InferenceComponentName: 'nova-ic',
  InferenceComponentArn: ARN,
  EndpointName: 'nova-ep',
  EndpointArn: ENDPOINT,
  VariantName: 'AllTraffic',
  InferenceComponentStatus: 'InService' as InferenceComponentStatus,
  Specification: { ModelName: 'Nova-Model', ComputeResourceRequirements: { MinMemoryRequiredInMb: 1024 } },
  RuntimeConfig: { DesiredCopyCount: 1, CurrentCopyCount: 1 },
  CreationTime: new Date(0),
  LastModifiedTime: new Date(0),
};

/** The operations the mock received, in order, without `Command`. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

/** Describe answers these statuses in turn (the last one repeats); `gone` rejects with not-found. */
function statuses(...list: (InferenceComponentStatus | 'gone')[]): void {
  let chain = sm.on(DescribeInferenceComponentCommand);
  for (const s of list.slice(0, -1)) chain = s === 'gone' ? chain.rejectsOnce(notFound()) : chain.resolvesOnce({ ...COMPONENT, InferenceComponentStatus: s });
  const last = list.at(-1);
  if (last === 'gone') chain.rejects(notFound());
  else chain.resolves({ ...COMPONENT, InferenceComponentStatus: last });
}

describe('sagemaker:inference-component', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns inference-component ARNs only, may use endpoints and models, and declares its reads', () => {
    expect(handler.type).toBe('sagemaker:inference-component');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(ENDPOINT)).toBe(false);
    expect(handler.arnPattern.test(`${ARN}/extra`)).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-ic');
    expect(handler.references).toEqual(['sagemaker:endpoint', 'sagemaker:model']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['DescribeInferenceComponent', 'ListInferenceComponents', 'ListTags']);
  });

  describe('describe', () => {
    it('gives the config without $metadata, live tags, and the endpoint and model it uses', async () => {
      sm.on(DescribeInferenceComponentCommand, INPUT).resolves({ ...COMPONENT, $metadata: { httpStatusCode: 200 } });
      sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([ENDPOINT, MODEL]);
      expect(d.config).toMatchObject({ InferenceComponentName: 'nova-ic', VariantName: 'AllTraffic', RuntimeConfig: { DesiredCopyCount: 1 } });
      expect(d.config).not.toHaveProperty('$metadata');
    });

    it('uses the model of each specification, once each', async () => {
      sm.on(DescribeInferenceComponentCommand).resolves({
        ...COMPONENT,
        Specifications: [{ ModelName: 'Nova-Model' }, { ModelName: 'nova-model-b' }, {}],
      });
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ENDPOINT, MODEL, MODEL_B]);
    });

    it('an adapter component names no model: it uses its endpoint only (built from the name when no ARN is given)', async () => {
      sm.on(DescribeInferenceComponentCommand).resolves({
        InferenceComponentName: 'nova-ic',
        EndpointName: 'nova-ep',
        Specification: { BaseInferenceComponentName: 'nova-base', Container: { ArtifactUrl: 's3://bucket/adapter.tar.gz' } },
      });
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ENDPOINT]);
    });

    it('reads what it uses with DescribeInferenceComponent alone, and its tags with ListTags alone', async () => {
      sm.on(DescribeInferenceComponentCommand).resolves(COMPONENT);
      sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'team', Value: 'ml' }] });
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ENDPOINT, MODEL]);
      expect(ops()).toEqual(['DescribeInferenceComponent']);
      sm.resetHistory();
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ team: 'ml' });
      expect(ops()).toEqual(['ListTags']);
    });

    it('is gone when Describe cannot find it', async () => {
      sm.on(DescribeInferenceComponentCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
      sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
    });

    it('lets other errors through', async () => {
      sm.on(DescribeInferenceComponentCommand).rejects(awsError('AccessDeniedException', 'not allowed', 403));
      await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('not allowed');
      sm.on(ListTagsCommand).rejects(awsError('AccessDeniedException', 'no ListTags', 403));
      await expect(handler.currentTags(refFor(handler, ARN), ctx())).rejects.toThrow('no ListTags');
    });
  });

  it('lists every inference component of the region by ARN, all pages, 100 a page', async () => {
    const ic = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:inference-component/${n}`;
    const summary = (n: string) => ({
      InferenceComponentName: n,
      InferenceComponentArn: ic(n),
      EndpointName: 'nova-ep',
      EndpointArn: ENDPOINT,
      VariantName: 'AllTraffic',
      CreationTime: new Date(0),
      LastModifiedTime: new Date(0),
    });
    sm.on(ListInferenceComponentsCommand)
      .resolvesOnce({ InferenceComponents: [summary('a')], NextToken: 'n' })
      .resolvesOnce({ InferenceComponents: [summary('b')] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: ic('a') }, { arn: ic('b') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListInferenceComponentsCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListInferenceComponentsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads in describe, readUses, list, currentTags and the wait', async () => {
    sm.on(DescribeInferenceComponentCommand).resolves(COMPONENT);
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListInferenceComponentsCommand).resolves({ InferenceComponents: [] });
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    sm.on(DescribeInferenceComponentCommand).rejects(notFound());
    await handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    expect(new Set(ops())).toEqual(new Set(['DescribeInferenceComponent', 'ListTags', 'ListInferenceComponents']));
    for (const op of ops()) expect(handler.reads).toContain(op);
  });

  it('needs ListTags, DescribeInferenceComponent (the wait) and DeleteInferenceComponent on the component; it has no children', () => {
    expect(handler.actions(liveFor(handler, ARN))).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DescribeInferenceComponent', resource: ARN },
      { action: 'sagemaker:DeleteInferenceComponent', resource: ARN },
    ]);
    expect(handler.children).toBeUndefined();
    expect(handler.protect).toBeUndefined();
  });

  describe('delete', () => {
    it('deletes by name in one step', async () => {
      sm.on(DeleteInferenceComponentCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(liveFor(handler, ARN), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete' }]);
      expect(ops()).toEqual(['DeleteInferenceComponent']);
      expect(sm).toHaveReceivedCommandWith(DeleteInferenceComponentCommand, INPUT);
    });

    it('lets errors through, not-found included (the core re-reads and says gone)', async () => {
      sm.on(DeleteInferenceComponentCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
      await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps())).rejects.toThrow('denied');
      sm.on(DeleteInferenceComponentCommand).rejects(notFound());
      await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ValidationException' });
    });

    it('sends nothing when the delete step is stopped', async () => {
      await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toThrow('no longer match');
      expect(sm).not.toHaveReceivedAnyCommand();
    });
  });

  describe('waitUntilGone (no SDK waiter: Describe is polled)', () => {
    it('is done once Describe says not found (first poll, no sleeping)', async () => {
      statuses('gone');
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandTimes(DescribeInferenceComponentCommand, 1);
      expect(sm).toHaveReceivedCommandWith(DescribeInferenceComponentCommand, INPUT);
    });

    it('keeps polling while Deleting, then resolves', async () => {
      vi.useFakeTimers();
      statuses('Deleting', 'Deleting', 'gone');
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      await vi.advanceTimersByTimeAsync(60_000);
      await expect(wait).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandTimes(DescribeInferenceComponentCommand, 3);
    });

    it('keeps polling a component Failed before its delete began (a failed deployment), and resolves once it is gone', async () => {
      vi.useFakeTimers();
      statuses('Failed', 'gone');
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      await vi.advanceTimersByTimeAsync(30_000);
      await expect(wait).resolves.toBeUndefined();
    });

    it('fails when the component turns Failed after Deleting: its delete failed', async () => {
      vi.useFakeTimers();
      statuses('Deleting', 'Failed');
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      const settled = expect(wait).rejects.toThrow(/FAILURE/);
      await vi.advanceTimersByTimeAsync(60_000);
      await settled;
    });

    it('fails at once on an error other than not-found', async () => {
      sm.on(DescribeInferenceComponentCommand).rejects(awsError('AccessDeniedException', 'no Describe', 403));
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).rejects.toThrow(/FAILURE/);
      expect(sm).toHaveReceivedCommandTimes(DescribeInferenceComponentCommand, 1);
    });

    it('throws a TimeoutError when still Deleting after the wait timeout', async () => {
      vi.useFakeTimers();
      statuses('Deleting');
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      const settled = expect(wait).rejects.toMatchObject({ name: 'TimeoutError' });
      await vi.advanceTimersByTimeAsync(61_000);
      await settled;
    });

    it('stops waiting when the run is aborted', async () => {
      statuses('Deleting');
      const abort = new AbortController();
      abort.abort();
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), testContext({ waitTimeoutSeconds: 60, signal: abort.signal }));
      await expect(wait).rejects.toMatchObject({ name: 'AbortError' });
    });
  });
});
