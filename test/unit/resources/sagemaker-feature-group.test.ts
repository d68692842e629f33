import {
  DeleteFeatureGroupCommand,
  DescribeFeatureGroupCommand,
  ListFeatureGroupsCommand,
  ListTagsCommand,
  SageMakerClient,
  type DescribeFeatureGroupCommandOutput,
  type FeatureGroupStatus,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerFeatureGroup as handler } from '../../../src/resources/sagemaker-feature-group.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:feature-group/nova-features';
const INPUT = { FeatureGroupName: 'nova-features' };
const ROLE = 'arn:aws:iam::123456789012:role/nova-feature-store';
const BUCKET = 'arn:aws:s3:::nova-feature-data';
const RESOLVED = 's3://nova-feature-data/fs/123456789012/sagemaker/us-east-1/offline-store/nova-features-1700000000/data';
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ResourceNotFound', 'Resource Not Found: Amazon SageMaker can\'t find a FeatureGroup with name nova-features');

const GROUP: Partial<DescribeFeatureGroupCommandOutput> = {
  FeatureGroupArn: ARN,
  FeatureGroupName: 'nova-features',
  RecordIdentifierFeatureName: 'customer_id',
  EventTimeFeatureName: 'event_time',
  FeatureDefinitions: [
    { FeatureName: 'customer_id', FeatureType: 'String' },
    { FeatureName: 'event_time', FeatureType: 'String' },
  ],
  OnlineStoreConfig: { EnableOnlineStore: true },
  OfflineStoreConfig: {
    S3StorageConfig: { S3Uri: 's3://nova-feature-data/fs', ResolvedOutputS3Uri: RESOLVED },
    DataCatalogConfig: { TableName: 'nova_features_1700000000', Catalog: 'AwsDataCatalog', Database: 'sagemaker_featurestore' },
  },
  RoleArn: ROLE,
  FeatureGroupStatus: 'Created',
  CreationTime: new Date(0),
  NextToken: undefined,
};
const ONLINE = { kind: 'online-store', id: 'nova-features', lost: 'its records are deleted with the feature group (not in the backup)' };
const OFFLINE = {
  kind: 'offline-store',
  id: RESOLVED,
  lost: `NOT deleted by AWS: its data stays in ${RESOLVED} and the Glue table sagemaker_featurestore.nova_features_1700000000, and keeps billing until you delete it`,
};

/** The operations the mock received, in order, without `Command`. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const live = (config: Partial<DescribeFeatureGroupCommandOutput> = GROUP) => liveFor(handler, ARN, { config: config as Record<string, unknown> });

/** Describe answers these statuses in turn (the last repeats); `gone` rejects with not-found. */
function statuses(...list: (FeatureGroupStatus | 'gone')[]): void {
  let chain = sm.on(DescribeFeatureGroupCommand);
  for (const s of list.slice(0, -1)) chain = s === 'gone' ? chain.rejectsOnce(notFound()) : chain.resolvesOnce({ ...GROUP, FeatureGroupStatus: s } as DescribeFeatureGroupCommandOutput);
  const last = list.at(-1);
  if (last === 'gone') chain.rejects(notFound());
  else chain.resolves({ ...GROUP, FeatureGroupStatus: last } as DescribeFeatureGroupCommandOutput);
}

async function deleteIt(opts: { stopAt?: string } = {}) {
  const steps = recordingSteps(opts);
  const error: unknown = await handler.delete(live(), ctx(), steps).then(() => undefined, (err: unknown) => err);
  return { steps: steps.log, names: steps.log.map((s) => s.name), ...(error === undefined ? {} : { error }) };
}

describe('sagemaker:feature-group', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns feature group ARNs only, may use IAM roles and S3 buckets, and declares its reads', () => {
    expect(handler.type).toBe('sagemaker:feature-group');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:feature-group/nova-features/record/1')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-features');
    expect(handler.references).toEqual(['iam:role', 's3:bucket']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['DescribeFeatureGroup', 'ListFeatureGroups', 'ListTags']);
    expect(handler.description).toMatch(/offline store data in S3 and its Glue table are NOT deleted/);
  });

  describe('describe', () => {
    it('gives its config, live tags, and uses its role and the offline store bucket', async () => {
      sm.on(DescribeFeatureGroupCommand, INPUT).resolves({ ...GROUP, $metadata: { httpStatusCode: 200 } } as DescribeFeatureGroupCommandOutput);
      sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.config).toEqual(GROUP);
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([ROLE, BUCKET]);
      sm.resetHistory();
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([ROLE, BUCKET]);
      expect(ops()).toEqual(['DescribeFeatureGroup']);
    });

    it('uses nothing when it has an online store only (no role, no bucket)', async () => {
      sm.on(DescribeFeatureGroupCommand).resolves({ ...GROUP, OfflineStoreConfig: undefined, RoleArn: undefined } as DescribeFeatureGroupCommandOutput);
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([]);
    });

    it('is gone when DescribeFeatureGroup cannot find it, and lets other errors through', async () => {
      sm.on(DescribeFeatureGroupCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
      sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
      sm.reset();
      sm.on(DescribeFeatureGroupCommand).rejects(awsError('AccessDeniedException', 'no DescribeFeatureGroup', 403));
      await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('no DescribeFeatureGroup');
    });

    it('proves its tags with ListTags alone', async () => {
      sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
      expect(ops()).toEqual(['ListTags']);
    });
  });

  it('lists every feature group of the region by ARN, all pages, 100 a page', async () => {
    const g = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:feature-group/${n}`;
    sm.on(ListFeatureGroupsCommand)
      .resolvesOnce({ FeatureGroupSummaries: [{ FeatureGroupName: 'a', FeatureGroupArn: g('a'), CreationTime: new Date(0) }], NextToken: 'n' })
      .resolvesOnce({ FeatureGroupSummaries: [{ FeatureGroupName: 'b', FeatureGroupArn: g('b'), CreationTime: new Date(0) }] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: g('a') }, { arn: g('b') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListFeatureGroupsCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListFeatureGroupsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads in describe, readUses, list, currentTags, the delete and its wait', async () => {
    statuses('Created');
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListFeatureGroupsCommand).resolves({ FeatureGroupSummaries: [] });
    sm.on(DeleteFeatureGroupCommand).resolves({});
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    await handler.currentTags(refFor(handler, ARN), ctx());
    await deleteIt();
    sm.on(DescribeFeatureGroupCommand).rejects(notFound());
    await handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    const reads = ops().filter((o) => o !== 'DeleteFeatureGroup');
    expect(new Set(reads)).toEqual(new Set(['DescribeFeatureGroup', 'ListTags', 'ListFeatureGroups']));
    for (const op of reads) expect(handler.reads).toContain(op);
  });

  describe('children', () => {
    it('shows the online store (its records are lost) and the offline store (NOT deleted: its data stays)', () => {
      expect(handler.children?.(live())).toEqual([ONLINE, OFFLINE]);
    });

    it('names the configured S3 URI when AWS has not resolved one, and no Glue table when it made none', () => {
      const offlineOnly = { ...GROUP, OnlineStoreConfig: undefined, OfflineStoreConfig: { S3StorageConfig: { S3Uri: 's3://nova-feature-data/fs' }, DisableGlueTableCreation: true } };
      expect(handler.children?.(live(offlineOnly))).toEqual([
        { kind: 'offline-store', id: 's3://nova-feature-data/fs', lost: 'NOT deleted by AWS: its data stays in s3://nova-feature-data/fs, and keeps billing until you delete it' },
      ]);
    });

    it('has only the online store when there is no offline store, and nothing when neither is there', () => {
      expect(handler.children?.(live({ ...GROUP, OfflineStoreConfig: undefined }))).toEqual([ONLINE]);
      expect(handler.children?.(live({ ...GROUP, OfflineStoreConfig: undefined, OnlineStoreConfig: { EnableOnlineStore: false } }))).toEqual([]);
    });
  });

  it('needs ListTags, DescribeFeatureGroup (its state and the wait) and DeleteFeatureGroup on the group', () => {
    expect(handler.actions(live())).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DescribeFeatureGroup', resource: ARN },
      { action: 'sagemaker:DeleteFeatureGroup', resource: ARN },
    ]);
  });

  describe('delete', () => {
    it('reads its state, then deletes in one step named delete', async () => {
      statuses('Created');
      sm.on(DeleteFeatureGroupCommand).resolves({});
      expect((await deleteIt()).steps).toEqual([{ name: 'delete' }]);
      expect(ops()).toEqual(['DescribeFeatureGroup', 'DeleteFeatureGroup']);
      expect(sm).toHaveReceivedCommandWith(DeleteFeatureGroupCommand, INPUT);
    });

    it('sends nothing for a group already Deleting', async () => {
      statuses('Deleting');
      expect(await deleteIt()).toMatchObject({ names: [] });
      expect(ops()).toEqual(['DescribeFeatureGroup']);
    });

    it('sends no delete when its step is stopped, and lets the not-found of a group gone since through for the core', async () => {
      statuses('Created');
      expect(await deleteIt({ stopAt: 'delete' })).toMatchObject({ names: [], error: { name: 'TagsChanged' } });
      expect(sm).not.toHaveReceivedCommand(DeleteFeatureGroupCommand);
      sm.reset();
      statuses('gone');
      sm.on(DeleteFeatureGroupCommand).rejects(notFound());
      expect(await deleteIt()).toMatchObject({ names: ['delete'], error: { name: 'ResourceNotFound' } });
    });
  });

  describe('waitUntilGone', () => {
    it('is done once DescribeFeatureGroup cannot find it (first poll)', async () => {
      statuses('gone');
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandWith(DescribeFeatureGroupCommand, INPUT);
      expect(sm).toHaveReceivedCommandTimes(DescribeFeatureGroupCommand, 1);
    });

    it('polls while Deleting, until it is gone', async () => {
      vi.useFakeTimers();
      statuses('Deleting', 'Deleting', 'gone');
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      await vi.advanceTimersByTimeAsync(60_000);
      await expect(wait).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandTimes(DescribeFeatureGroupCommand, 3);
    });

    it('fails on DeleteFailed with its FailureReason', async () => {
      vi.useFakeTimers();
      sm.on(DescribeFeatureGroupCommand)
        .resolvesOnce({ ...GROUP, FeatureGroupStatus: 'Deleting' } as DescribeFeatureGroupCommandOutput)
        .resolves({ ...GROUP, FeatureGroupStatus: 'DeleteFailed', FailureReason: 'Internal error while deleting the online store' } as DescribeFeatureGroupCommandOutput);
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      const settled = expect(wait).rejects.toThrow('feature group nova-features is DeleteFailed: Internal error while deleting the online store');
      await vi.advanceTimersByTimeAsync(60_000);
      await settled;
    });

    it('ends at once with another error, times out on a group that stays, and stops when aborted', async () => {
      sm.on(DescribeFeatureGroupCommand).rejects(awsError('AccessDeniedException', 'no DescribeFeatureGroup', 403));
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).rejects.toThrow('no DescribeFeatureGroup');
      expect(sm).toHaveReceivedCommandTimes(DescribeFeatureGroupCommand, 1);
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
