import {
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  GetModelPackageGroupPolicyCommand,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  ListTagsCommand,
  SageMakerClient,
  type ModelPackageGroupStatus,
  type ModelPackageSummary,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerModelPackageGroup as handler } from '../../../src/resources/sagemaker-model-package-group.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model-package-group/nova-models';
const GROUP = { ModelPackageGroupName: 'nova-models' };
const version = (n: number) => `arn:aws:sagemaker:us-east-1:123456789012:model-package/nova-models/${n}`;
const summary = (n: number): ModelPackageSummary => ({
  ModelPackageArn: version(n),
  ModelPackageGroupName: 'nova-models',
  ModelPackageVersion: n,
  ModelPackageStatus: 'Completed',
  CreationTime: new Date(0),
});
const full = (n: number) => ({
  ModelPackageArn: version(n),
  ModelPackageGroupName: 'nova-models',
  ModelPackageVersion: n,
  ModelApprovalStatus: 'Approved' as const,
  InferenceSpecification: { Containers: [{ Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/nova:1', ModelDataUrl: `s3://nova-models/v${n}/model.tar.gz` }] },
});
const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: 'sagemaker:DescribeModelPackage', Resource: `${ARN}/*` }] };
const LOST = 'its version number and approval history; the backup keeps its description, its artifacts in S3 and images in ECR stay';
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ValidationException', `ModelPackageGroup ${ARN} does not exist.`);
const noPolicy = () => awsError('ValidationException', 'Cannot find resource policy for nova-models');

/** The operations the mock received, in order, without `Command`. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

/** A group as describe leaves it: these versions (full descriptions) in its config. */
const live = (versions: number[] = []) =>
  liveFor(handler, ARN, { config: { ...GROUP, ModelPackageGroupArn: ARN, ModelPackageGroupStatus: 'Completed', ResourcePolicy: null, ModelPackages: versions.map(full) } });

/** Describe answers `status`; ListModelPackages answers these listings in turn (the last repeats); the deletes succeed. */
function world(status: ModelPackageGroupStatus, ...listings: number[][]): void {
  sm.on(DescribeModelPackageGroupCommand).resolves({ ...GROUP, ModelPackageGroupArn: ARN, ModelPackageGroupStatus: status });
  let chain = sm.on(ListModelPackagesCommand);
  for (const l of listings.slice(0, -1)) chain = chain.resolvesOnce({ ModelPackageSummaryList: l.map(summary) });
  chain.resolves({ ModelPackageSummaryList: (listings.at(-1) ?? []).map(summary) });
  sm.on(DeleteModelPackageCommand).resolves({});
  sm.on(DeleteModelPackageGroupCommand).resolves({});
}

/** Runs the delete of `r`, steps recorded: the steps run, their names, and its error. */
async function deleteIt(r = live(), opts: { stopAt?: string; ctx?: ReturnType<typeof ctx> } = {}) {
  const steps = recordingSteps(opts);
  const error: unknown = await handler.delete(r, opts.ctx ?? ctx(), steps).then(() => undefined, (err: unknown) => err);
  return { steps: steps.log, names: steps.log.map((s) => s.name), ...(error === undefined ? {} : { error }) };
}

describe('sagemaker:model-package-group', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns group ARNs, not its versions; uses nothing; declares its reads', () => {
    expect(handler.type).toBe('sagemaker:model-package-group');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(version(1))).toBe(false);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:model-package/nova-models')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-models');
    expect(handler.references).toEqual([]);
    expect(handler.taggingApi).toBe(true);
    expect(handler.notFound).toEqual(['ValidationException', 'ResourceNotFound']);
    expect(handler.reads).toEqual(['DescribeModelPackageGroup', 'ListModelPackageGroups', 'ListTags', 'GetModelPackageGroupPolicy', 'ListModelPackages', 'DescribeModelPackage']);
  });

  describe('describe', () => {
    it('gives the group, its resource policy, every version in full (all pages, 100 a page), live tags and no uses', async () => {
      sm.on(DescribeModelPackageGroupCommand, GROUP).resolves({ ...GROUP, ModelPackageGroupArn: ARN, ModelPackageGroupStatus: 'Completed', $metadata: { httpStatusCode: 200 } });
      sm.on(GetModelPackageGroupPolicyCommand, GROUP).resolves({ ResourcePolicy: JSON.stringify(POLICY), $metadata: {} });
      sm.on(ListModelPackagesCommand)
        .resolvesOnce({ ModelPackageSummaryList: [summary(1), summary(2)], NextToken: 'p2' })
        .resolvesOnce({ ModelPackageSummaryList: [summary(3)] });
      for (const n of [1, 2, 3]) sm.on(DescribeModelPackageCommand, { ModelPackageName: version(n) }).resolves({ ...full(n), $metadata: {} });
      sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.config).toEqual({ ...GROUP, ModelPackageGroupArn: ARN, ModelPackageGroupStatus: 'Completed', ResourcePolicy: POLICY, ModelPackages: [full(1), full(2), full(3)] });
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([]);
      expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListModelPackagesCommand, { ...GROUP, ModelPackageType: 'Versioned', MaxResults: 100 });
      expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListModelPackagesCommand, { ...GROUP, ModelPackageType: 'Versioned', MaxResults: 100, NextToken: 'p2' });
      expect(handler.children?.({ ref: refFor(handler, ARN), described: d })).toEqual([1, 2, 3].map((n) => ({ kind: 'model-package', id: version(n), lost: LOST })));
    });

    it('has no policy when GetModelPackageGroupPolicy finds none, and skips a version deleted since it was listed', async () => {
      world('Completed', [1, 2]);
      sm.on(GetModelPackageGroupPolicyCommand).rejects(noPolicy());
      sm.on(DescribeModelPackageCommand, { ModelPackageName: version(1) }).rejects(awsError('ValidationException', 'Model package not found'));
      sm.on(DescribeModelPackageCommand, { ModelPackageName: version(2) }).resolves(full(2));
      sm.on(ListTagsCommand).resolves({ Tags: [] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      expect(d).toMatchObject({ config: { ResourcePolicy: null, ModelPackages: [full(2)] } });
    });

    it('is gone when DescribeModelPackageGroup cannot find it', async () => {
      sm.on(DescribeModelPackageGroupCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(ops()).toEqual(['DescribeModelPackageGroup', 'DescribeModelPackageGroup']);
      sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
    });

    it('lets other errors through (a policy it may not read is not "no policy")', async () => {
      world('Completed', []);
      sm.on(GetModelPackageGroupPolicyCommand).rejects(awsError('AccessDeniedException', 'no GetModelPackageGroupPolicy', 403));
      await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('no GetModelPackageGroupPolicy');
    });

    it('reads what it uses with DescribeModelPackageGroup alone, and its tags with ListTags alone', async () => {
      world('Completed', [1]);
      sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([]);
      expect(ops()).toEqual(['DescribeModelPackageGroup']);
      sm.resetHistory();
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
      expect(ops()).toEqual(['ListTags']);
    });
  });

  it('lists every group of the region by ARN (all pages, 100 a page), each using nothing', async () => {
    const g = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:model-package-group/${n}`;
    sm.on(ListModelPackageGroupsCommand)
      .resolvesOnce({ ModelPackageGroupSummaryList: [{ ModelPackageGroupName: 'a', ModelPackageGroupArn: g('a'), CreationTime: new Date(0), ModelPackageGroupStatus: 'Completed' }], NextToken: 'n' })
      .resolvesOnce({ ModelPackageGroupSummaryList: [{ ModelPackageGroupName: 'b', ModelPackageGroupArn: g('b'), CreationTime: new Date(0), ModelPackageGroupStatus: 'Completed' }] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([
      { arn: g('a'), uses: [] },
      { arn: g('b'), uses: [] },
    ]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListModelPackageGroupsCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListModelPackageGroupsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads in describe, readUses, list, currentTags, and in the delete and its waits', async () => {
    world('Completed', [1]);
    sm.on(GetModelPackageGroupPolicyCommand).rejects(noPolicy());
    sm.on(DescribeModelPackageCommand).resolves(full(1));
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListModelPackageGroupsCommand).resolves({ ModelPackageGroupSummaryList: [] });
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    expect(new Set(ops())).toEqual(new Set(['DescribeModelPackageGroup', 'GetModelPackageGroupPolicy', 'ListModelPackages', 'DescribeModelPackage', 'ListTags', 'ListModelPackageGroups']));
    for (const op of ops()) expect(handler.reads).toContain(op);

    sm.reset();
    world('Completed', [1], []);
    expect((await deleteIt(live([1]))).names).toEqual(['delete-version', 'delete']);
    sm.on(DescribeModelPackageGroupCommand).rejects(notFound());
    await handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    const reads = ops().filter((o) => !o.startsWith('Delete'));
    expect(reads.length).toBeGreaterThan(0);
    for (const op of reads) expect(handler.reads).toContain(op);
  });

  describe('children and actions', () => {
    it('has each version as a child, and none when the group is empty', () => {
      expect(handler.children?.(live([4, 7]))).toEqual([
        { kind: 'model-package', id: version(4), lost: LOST },
        { kind: 'model-package', id: version(7), lost: LOST },
      ]);
      expect(handler.children?.(live())).toEqual([]);
      expect(handler.children?.(liveFor(handler, ARN))).toEqual([]);
    });

    it('needs DeleteModelPackage on each version, ListModelPackages on *, and the group actions on the group', () => {
      expect(handler.actions(live([1, 2]))).toEqual([
        { action: 'sagemaker:ListTags', resource: ARN },
        { action: 'sagemaker:DescribeModelPackageGroup', resource: ARN },
        { action: 'sagemaker:DeleteModelPackageGroup', resource: ARN },
        { action: 'sagemaker:ListModelPackages', resource: '*' },
        { action: 'sagemaker:DeleteModelPackage', resource: version(1) },
        { action: 'sagemaker:DeleteModelPackage', resource: version(2) },
      ]);
    });

    it('needs no DeleteModelPackage for an empty group', () => {
      expect(handler.actions(live()).map((a) => a.action)).not.toContain('sagemaker:DeleteModelPackage');
    });
  });

  describe('delete', () => {
    it('deletes an empty group in one step, after reading its state and listing its versions', async () => {
      world('Completed', []);
      const { steps } = await deleteIt();
      expect(steps).toEqual([{ name: 'delete' }]);
      expect(ops()).toEqual(['DescribeModelPackageGroup', 'ListModelPackages', 'DeleteModelPackageGroup']);
      expect(sm).toHaveReceivedCommandWith(DeleteModelPackageGroupCommand, GROUP);
    });

    it('deletes each version by ARN (its own step, children first), waits until none is left, then the group', async () => {
      world('Completed', [1, 2], []);
      const { steps } = await deleteIt(live([1, 2]));
      expect(steps).toEqual([
        { name: 'delete-version', child: { kind: 'model-package', id: version(1) }, done: 'deleted model version 1', recheck: true },
        { name: 'delete-version', child: { kind: 'model-package', id: version(2) }, done: 'deleted model version 2', recheck: false },
        { name: 'delete' },
      ]);
      expect(ops()).toEqual(['DescribeModelPackageGroup', 'ListModelPackages', 'DeleteModelPackage', 'DeleteModelPackage', 'ListModelPackages', 'DeleteModelPackageGroup']);
      expect(sm).toHaveReceivedNthSpecificCommandWith(1, DeleteModelPackageCommand, { ModelPackageName: version(1) });
      expect(sm).toHaveReceivedNthSpecificCommandWith(2, DeleteModelPackageCommand, { ModelPackageName: version(2) });
    });

    it('lists again: a version registered since the plan goes too', async () => {
      world('Completed', [1, 3], []);
      const { names } = await deleteIt(live([1]));
      expect(names).toEqual(['delete-version', 'delete-version', 'delete']);
      expect(sm).toHaveReceivedCommandWith(DeleteModelPackageCommand, { ModelPackageName: version(3) });
    });

    it('keeps polling while a version is still listed (Deleting), then deletes the group', async () => {
      vi.useFakeTimers();
      world('Completed', [1], [1], []);
      const done = deleteIt(live([1]));
      await vi.advanceTimersByTimeAsync(60_000);
      const { names, error } = await done;
      expect(error).toBeUndefined();
      expect(names).toEqual(['delete-version', 'delete']);
      expect(ops()).toEqual(['DescribeModelPackageGroup', 'ListModelPackages', 'DeleteModelPackage', 'ListModelPackages', 'ListModelPackages', 'DeleteModelPackageGroup']);
    });

    it('fails with a TimeoutError when a version is still there after --wait-timeout, and leaves the group', async () => {
      vi.useFakeTimers();
      world('Completed', [1]);
      const done = deleteIt(live([1]), { ctx: testContext({ waitTimeoutSeconds: 30 }) });
      await vi.advanceTimersByTimeAsync(60_000);
      const { names, error } = await done;
      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect(names).toEqual(['delete-version']);
      expect(sm).not.toHaveReceivedCommand(DeleteModelPackageGroupCommand);
    });

    it('takes a version gone before its delete as deleted', async () => {
      world('Completed', [1], []);
      sm.on(DeleteModelPackageCommand).rejects(awsError('ValidationException', 'Model package not found'));
      expect((await deleteIt(live([1]))).names).toEqual(['delete-version', 'delete']);
      expect(sm).toHaveReceivedCommand(DeleteModelPackageGroupCommand);
    });

    it('lets a refused version delete through and deletes nothing more', async () => {
      world('Completed', [1, 2]);
      sm.on(DeleteModelPackageCommand).rejects(awsError('ConflictException', 'in use'));
      const { names, error } = await deleteIt(live([1, 2]));
      expect(error).toMatchObject({ name: 'ConflictException' });
      expect(names).toEqual(['delete-version']);
      expect(sm).toHaveReceivedCommandTimes(DeleteModelPackageCommand, 1);
      expect(sm).not.toHaveReceivedCommand(DeleteModelPackageGroupCommand);
    });

    it('sends no version delete when that step is stopped, and no group delete when the delete step is', async () => {
      world('Completed', [1, 2], []);
      expect(await deleteIt(live([1, 2]), { stopAt: 'delete-version' })).toMatchObject({ names: [], error: { name: 'TagsChanged' } });
      expect(ops()).toEqual(['DescribeModelPackageGroup', 'ListModelPackages']);
      sm.reset();
      world('Completed', [1, 2], []);
      expect(await deleteIt(live([1, 2]), { stopAt: 'delete' })).toMatchObject({ names: ['delete-version', 'delete-version'], error: { name: 'TagsChanged' } });
      expect(sm).not.toHaveReceivedCommand(DeleteModelPackageGroupCommand);
    });

    it('goes straight to the delete step for a group gone since the plan: its not-found is for the core to report', async () => {
      world('Completed', [1]);
      sm.on(DescribeModelPackageGroupCommand).rejects(notFound());
      sm.on(DeleteModelPackageGroupCommand).rejects(notFound());
      const { names, error } = await deleteIt(live([1]));
      expect(error).toMatchObject({ name: 'ValidationException' });
      expect(names).toEqual(['delete']);
      expect(ops()).toEqual(['DescribeModelPackageGroup', 'DeleteModelPackageGroup']);
    });

    it('does nothing for a group already Deleting', async () => {
      world('Deleting', [1]);
      expect(await deleteIt(live([1]))).toMatchObject({ names: [] });
      expect(ops()).toEqual(['DescribeModelPackageGroup']);
    });
  });

  describe('waitUntilGone', () => {
    /** Describe answers these statuses in turn (the last repeats); `gone` rejects with not-found. */
    function statuses(...list: (ModelPackageGroupStatus | 'gone')[]): void {
      let chain = sm.on(DescribeModelPackageGroupCommand);
      for (const s of list.slice(0, -1)) chain = s === 'gone' ? chain.rejectsOnce(notFound()) : chain.resolvesOnce({ ...GROUP, ModelPackageGroupStatus: s });
      const last = list.at(-1);
      if (last === 'gone') chain.rejects(notFound());
      else chain.resolves({ ...GROUP, ModelPackageGroupStatus: last });
    }

    it('is done once DescribeModelPackageGroup cannot find it (first poll, no sleeping)', async () => {
      statuses('gone');
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandWith(DescribeModelPackageGroupCommand, GROUP);
      expect(sm).toHaveReceivedCommandTimes(DescribeModelPackageGroupCommand, 1);
    });

    it('polls a Deleting group until it is gone', async () => {
      vi.useFakeTimers();
      statuses('Deleting', 'Deleting', 'gone');
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      await vi.advanceTimersByTimeAsync(60_000);
      await expect(wait).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandTimes(DescribeModelPackageGroupCommand, 3);
    });

    it('fails on DeleteFailed, saying so', async () => {
      vi.useFakeTimers();
      statuses('Deleting', 'DeleteFailed');
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      const settled = expect(wait).rejects.toThrow('model package group nova-models is DeleteFailed');
      await vi.advanceTimersByTimeAsync(60_000);
      await settled;
    });

    it('ends at once with another error, times out on a group that stays, and stops when aborted', async () => {
      sm.on(DescribeModelPackageGroupCommand).rejects(awsError('AccessDeniedException', 'no DescribeModelPackageGroup', 403));
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).rejects.toThrow('no DescribeModelPackageGroup');
      expect(sm).toHaveReceivedCommandTimes(DescribeModelPackageGroupCommand, 1);

      sm.reset();
      statuses('Deleting');
      const abort = new AbortController();
      abort.abort();
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), testContext({ waitTimeoutSeconds: 60, signal: abort.signal }))).rejects.toMatchObject({ name: 'AbortError' });

      vi.useFakeTimers();
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      const settled = expect(wait).rejects.toMatchObject({ name: 'TimeoutError' });
      await vi.advanceTimersByTimeAsync(61_000);
      await settled;
    });
  });
});
