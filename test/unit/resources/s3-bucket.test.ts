import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  S3Client,
  type DeleteObjectsCommandInput,
  type ListBucketsCommandInput,
  type ObjectIdentifier,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE, type Described } from '../../../src/resources/handler.js';
import { s3Bucket as handler } from '../../../src/resources/s3-bucket.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const s3 = mockClient(S3Client);
const ARN = 'arn:aws:s3:::nova-data';
const ref = (region = 'us-east-1') => refFor(handler, ARN, region);
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const DAY = 86_400_000;

/** Every config call answers "not configured"; tests override the ones they care about. */
function noConfiguration() {
  s3.on(HeadBucketCommand).resolves({ BucketRegion: 'us-east-1' });
  s3.on(GetBucketTaggingCommand).rejects(awsError('NoSuchTagSet', 'The TagSet does not exist', 404));
  s3.on(GetBucketPolicyCommand).rejects(awsError('NoSuchBucketPolicy', 'no policy', 404));
  s3.on(GetBucketVersioningCommand).resolves({});
  s3.on(GetBucketLifecycleConfigurationCommand).rejects(awsError('NoSuchLifecycleConfiguration', 'none', 404));
  s3.on(GetBucketEncryptionCommand).rejects(awsError('ServerSideEncryptionConfigurationNotFoundError', 'none', 404));
  s3.on(GetPublicAccessBlockCommand).rejects(awsError('NoSuchPublicAccessBlockConfiguration', 'none', 404));
  s3.on(GetBucketCorsCommand).rejects(awsError('NoSuchCORSConfiguration', 'none', 404));
  s3.on(GetObjectLockConfigurationCommand).rejects(awsError('ObjectLockConfigurationNotFoundError', 'none', 404));
  s3.on(GetBucketOwnershipControlsCommand).rejects(awsError('OwnershipControlsNotFoundError', 'none', 404));
  s3.on(GetBucketNotificationConfigurationCommand).resolves({});
}

/** Object Lock enabled; every version unlocked unless a test says otherwise. */
function objectLockEnabled(rule?: object) {
  s3.on(GetObjectLockConfigurationCommand).resolves({ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', ...(rule ? { Rule: rule } : {}) } });
  s3.on(GetObjectRetentionCommand).rejects(awsError('NoSuchObjectLockConfiguration', 'The specified object does not have a ObjectLock configuration', 404));
  s3.on(GetObjectLegalHoldCommand).rejects(awsError('NoSuchObjectLockConfiguration', 'The specified object does not have a ObjectLock configuration', 404));
}

async function described(r = ref()): Promise<Described> {
  const d = await handler.describe(r, ctx());
  if (d === GONE) throw new Error('expected a description');
  return d;
}

/** `n` object versions named by index, for listing pages. */
const versions = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${from + i}`, VersionId: `v${from + i}` }));
const deletedKeys = () =>
  s3.commandCalls(DeleteObjectsCommand).flatMap((c) => (c.args[0].input as DeleteObjectsCommandInput).Delete?.Objects ?? []);
const commandNames = () => s3.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

const contents = (c: Partial<{ versions: number; deleteMarkers: number; multipartUploads: number; lockedVersions: number; lockedKeys: string[] }>) => ({
  Contents: { versions: 0, deleteMarkers: 0, bytes: 0, multipartUploads: 0, ...c },
});
const live = (config: Record<string, unknown>) => liveFor(handler, ARN, { config });

describe('s3:bucket', () => {
  beforeEach(() => {
    s3.reset();
    s3.on(ListMultipartUploadsCommand).resolves({ IsTruncated: false });
    s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false });
    s3.on(DeleteObjectsCommand).resolves({});
    s3.on(DeleteBucketCommand).resolves({});
  });

  it('owns bucket ARNs only: not objects, access points or other services', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws-cn:s3:::my.bucket-1')).toBe(true);
    expect(handler.arnPattern.test('arn:aws:s3:::nova-data/some/key')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:s3:us-east-1:123456789012:accesspoint/ap')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:lambda:us-east-1:123456789012:function:nova-data')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-data');
    expect(handler.references).toEqual([]);
    expect(handler.notFound).toEqual(['NoSuchBucket', 'NotFound']);
    expect(handler.client).toBe('s3');
  });

  describe('list', () => {
    /** What each ListBuckets call carried (copied as it was sent). */
    let inputs: ListBucketsCommandInput[] = [];
    /** Answers ListBuckets as a paging endpoint that honours BucketRegion would; records each call's region. */
    function buckets(pages: { Name?: string; BucketRegion?: string }[][]): string[] {
      const regions: string[] = [];
      const sentInputs: ListBucketsCommandInput[] = [];
      s3.on(ListBucketsCommand).callsFake(async (input: ListBucketsCommandInput, getClient) => {
        regions.push(await (getClient().config.region as () => Promise<string>)());
        sentInputs.push({ ...input });
        const i = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
        return { Buckets: pages[i] ?? [], ...(i + 1 < pages.length ? { ContinuationToken: String(i + 1) } : {}) };
      });
      inputs = sentInputs;
      return regions;
    }

    it('is returned by the Tagging API, and declares ListBuckets as a read', () => {
      expect(handler.taggingApi).toBe(true);
      expect(handler.reads).toContain('ListBuckets');
    });

    it("lists the buckets whose home region is the region asked (BucketRegion), 10,000 a page, every page, through that region's client", async () => {
      const regions = buckets([[{ Name: 'a', BucketRegion: 'eu-west-1' }], [{ Name: 'b', BucketRegion: 'eu-west-1' }, { Name: 'c', BucketRegion: 'eu-west-1' }]]);
      const listed = await handler.list(ctx(), 'eu-west-1');
      expect(listed).toEqual([{ arn: 'arn:aws:s3:::a' }, { arn: 'arn:aws:s3:::b' }, { arn: 'arn:aws:s3:::c' }]);
      expect(inputs).toEqual([
        { BucketRegion: 'eu-west-1', MaxBuckets: 10_000 },
        { BucketRegion: 'eu-west-1', MaxBuckets: 10_000, ContinuationToken: '1' },
      ]);
      expect(regions).toEqual(['eu-west-1', 'eu-west-1']);
      // No tags and no uses: list discovery reads the tags with currentTags.
      expect(listed.every((l) => l.tags === undefined && l.uses === undefined)).toBe(true);
      expect(commandNames().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it("drops another region's buckets when the endpoint ignores the filter; keeps a bucket whose region it does not say", async () => {
      buckets([[
        { Name: 'here', BucketRegion: 'us-west-2' },
        { Name: 'elsewhere', BucketRegion: 'us-east-1' },
        { Name: 'unsaid' },
        { BucketRegion: 'us-west-2' }, // no name: nothing to list
      ]]);
      expect(await handler.list(ctx(), 'us-west-2')).toEqual([{ arn: 'arn:aws:s3:::here' }, { arn: 'arn:aws:s3:::unsaid' }]);
    });

    it("builds the ARN in the region's partition", async () => {
      buckets([[{ Name: 'cn-data', BucketRegion: 'cn-north-1' }]]);
      expect(await handler.list(ctx(), 'cn-north-1')).toEqual([{ arn: 'arn:aws-cn:s3:::cn-data' }]);
    });

    it('lets a failing ListBuckets through', async () => {
      s3.on(ListBucketsCommand).rejects(awsError('AccessDenied', 'Access Denied to ListBuckets', 403));
      await expect(handler.list(ctx(), 'us-east-1')).rejects.toThrow('ListBuckets');
    });
  });

  describe('describe', () => {
    it('reads tags and configuration in the home region HeadBucket names, and returns that region', async () => {
      noConfiguration();
      s3.on(HeadBucketCommand, { Bucket: 'nova-data' }).resolves({ BucketRegion: 'eu-west-1', $metadata: {} });
      s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: 'project', Value: 'nova' }], $metadata: {} });
      s3.on(GetBucketPolicyCommand).resolves({ Policy: '{"Version":"2012-10-17","Statement":[]}' });
      s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled', $metadata: { httpStatusCode: 200 } });
      s3.on(GetBucketNotificationConfigurationCommand).resolves({ EventBridgeConfiguration: {}, $metadata: { httpStatusCode: 200 } });
      const d = await described(ref('us-east-1'));
      expect(d.region).toBe('eu-west-1');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([]);
      expect(d.config).toEqual({
        Bucket: 'nova-data',
        Region: 'eu-west-1',
        Tags: { project: 'nova' },
        Policy: { Version: '2012-10-17', Statement: [] },
        Versioning: { Status: 'Enabled' },
        Lifecycle: null,
        Encryption: null,
        PublicAccessBlock: null,
        Cors: null,
        ObjectLock: null,
        OwnershipControls: null,
        Notifications: { EventBridgeConfiguration: {} },
        Contents: { versions: 0, deleteMarkers: 0, bytes: 0, multipartUploads: 0 },
      });
      // Only HeadBucket goes to the region discovery found it in; everything else to the home region.
      const regions = await Promise.all(
        s3.calls().map(async (c) => [(c.args[0] as object).constructor.name, await (c.thisValue as S3Client).config.region()]),
      );
      expect(regions.filter(([, r]) => r === 'us-east-1').map(([n]) => n)).toEqual(['HeadBucketCommand']);
      expect(regions.filter(([n]) => n === 'GetBucketTaggingCommand')).toEqual([['GetBucketTaggingCommand', 'eu-west-1']]);
      expect(regions.filter(([n]) => n === 'ListObjectVersionsCommand')).toEqual([['ListObjectVersionsCommand', 'eu-west-1']]);
    });

    it('counts versions, delete markers, bytes and incomplete uploads over every page', async () => {
      noConfiguration();
      s3.on(ListObjectVersionsCommand)
        .resolvesOnce({
          Versions: [{ Key: 'a', VersionId: '1', Size: 100 }, { Key: 'a', VersionId: '2', Size: 50 }],
          DeleteMarkers: [{ Key: 'b', VersionId: 'dm1' }],
          IsTruncated: true,
          NextKeyMarker: 'a',
          NextVersionIdMarker: '2',
        })
        .resolvesOnce({ Versions: [{ Key: 'c', VersionId: '3', Size: 7 }], DeleteMarkers: [{ Key: 'd', VersionId: 'dm2' }], IsTruncated: false });
      s3.on(ListMultipartUploadsCommand)
        .resolvesOnce({ Uploads: [{ Key: 'u', UploadId: 'u1' }, { Key: 'u', UploadId: 'u2' }], IsTruncated: true, NextKeyMarker: 'u', NextUploadIdMarker: 'u2' })
        .resolvesOnce({ Uploads: [{ Key: 'v', UploadId: 'u3' }], IsTruncated: false });
      const d = await described();
      expect(d.config.Contents).toEqual({ versions: 3, deleteMarkers: 2, bytes: 157, multipartUploads: 3 });
      expect(s3).toHaveReceivedNthSpecificCommandWith(1, ListObjectVersionsCommand, { Bucket: 'nova-data', MaxKeys: 1000, KeyMarker: undefined, VersionIdMarker: undefined });
      expect(s3).toHaveReceivedNthSpecificCommandWith(2, ListObjectVersionsCommand, { Bucket: 'nova-data', MaxKeys: 1000, KeyMarker: 'a', VersionIdMarker: '2' });
      expect(s3).toHaveReceivedNthSpecificCommandWith(2, ListMultipartUploadsCommand, { Bucket: 'nova-data', MaxUploads: 1000, KeyMarker: 'u', UploadIdMarker: 'u2' });
      // Without Object Lock no version is asked about its lock.
      expect(s3).not.toHaveReceivedCommand(GetObjectRetentionCommand);
      expect(s3).not.toHaveReceivedCommand(GetObjectLegalHoldCommand);
      expect(s3).not.toHaveReceivedCommand(DeleteObjectsCommand);
    });

    it('reports a bucket HeadBucket cannot find as gone', async () => {
      s3.on(HeadBucketCommand).rejects(awsError('NotFound', 'UnknownError', 404));
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
      expect(s3).not.toHaveReceivedCommand(GetBucketTaggingCommand);
    });

    it('is gone when the bucket vanishes between HeadBucket and the configuration reads', async () => {
      noConfiguration();
      s3.on(GetBucketTaggingCommand).rejects(awsError('NoSuchBucket', 'The specified bucket does not exist', 404));
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
    });

    it('lets a denied configuration read through instead of calling it absent', async () => {
      noConfiguration();
      s3.on(GetBucketPolicyCommand).rejects(awsError('AccessDenied', 'Access Denied', 403));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('Access Denied');
    });

    it('does not take an unnamed 404 for an absent configuration', async () => {
      noConfiguration();
      s3.on(GetBucketNotificationConfigurationCommand).rejects(awsError('UnknownError', 'odd answer', 404));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('odd answer');
    });

    it('with Object Lock enabled, finds the versions under a future retention (any mode) or a legal hold', async () => {
      noConfiguration();
      objectLockEnabled();
      s3.on(ListObjectVersionsCommand)
        .resolvesOnce({
          Versions: [
            { Key: 'free', VersionId: 'f1', Size: 1 },
            { Key: 'governed', VersionId: 'g1', Size: 1 },
            { Key: 'expired', VersionId: 'e1', Size: 1 },
          ],
          DeleteMarkers: [{ Key: 'marker', VersionId: 'dm1' }],
          IsTruncated: true,
          NextKeyMarker: 'governed',
          NextVersionIdMarker: 'g1',
        })
        .resolvesOnce({ Versions: [{ Key: 'held', VersionId: 'h1', Size: 1 }, { Key: 'complied', VersionId: 'c1', Size: 1 }], IsTruncated: false });
      s3.on(GetObjectRetentionCommand, { Key: 'governed', VersionId: 'g1' }).resolves({ Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.now() + DAY) } });
      s3.on(GetObjectRetentionCommand, { Key: 'expired', VersionId: 'e1' }).resolves({ Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() - DAY) } });
      s3.on(GetObjectRetentionCommand, { Key: 'complied', VersionId: 'c1' }).resolves({ Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + DAY) } });
      s3.on(GetObjectLegalHoldCommand, { Key: 'held', VersionId: 'h1' }).resolves({ LegalHold: { Status: 'ON' } });
      s3.on(GetObjectLegalHoldCommand, { Key: 'free', VersionId: 'f1' }).resolves({ LegalHold: { Status: 'OFF' } });
      const d = await described();
      expect(d.config.Contents).toEqual({ versions: 5, deleteMarkers: 1, bytes: 5, multipartUploads: 0, lockedVersions: 3, lockedKeys: ['governed', 'held', 'complied'] });
      expect(d.config.ObjectLock).toEqual({ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } });
      // Every version is asked, by its version id; delete markers cannot be locked and are not.
      expect(s3).toHaveReceivedCommandTimes(GetObjectRetentionCommand, 5);
      expect(s3).toHaveReceivedCommandTimes(GetObjectLegalHoldCommand, 5);
      expect(s3).toHaveReceivedCommandWith(GetObjectRetentionCommand, { Bucket: 'nova-data', Key: 'free', VersionId: 'f1' });
      expect(s3).not.toHaveReceivedCommandWith(GetObjectLegalHoldCommand, { Key: 'marker' });
    });

    it('keeps only the first few locked keys, in listing order, and counts them all', async () => {
      noConfiguration();
      objectLockEnabled();
      s3.on(ListObjectVersionsCommand).resolves({ Versions: versions(0, 8), IsTruncated: false });
      s3.on(GetObjectLegalHoldCommand).resolves({ LegalHold: { Status: 'ON' } });
      const d = await described();
      expect(d.config.Contents).toMatchObject({ lockedVersions: 8, lockedKeys: ['k0', 'k1', 'k2', 'k3', 'k4'] });
    });

    it('takes InvalidRequest (a bucket without Object Lock) as not locked, but lets a denied lock read through', async () => {
      noConfiguration();
      objectLockEnabled();
      s3.on(ListObjectVersionsCommand).resolves({ Versions: versions(0, 2), IsTruncated: false });
      s3.on(GetObjectRetentionCommand).rejects(awsError('InvalidRequest', 'Bucket is missing Object Lock Configuration', 400));
      expect((await described()).config.Contents).toMatchObject({ versions: 2, lockedVersions: 0, lockedKeys: [] });

      s3.on(GetObjectRetentionCommand).rejects(awsError('AccessDenied', 'Access Denied', 403));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('Access Denied');
    });

    it('reads the locks of at most 16 versions at a time', async () => {
      noConfiguration();
      objectLockEnabled();
      s3.on(ListObjectVersionsCommand).resolves({ Versions: versions(0, 100), IsTruncated: false });
      let inFlight = 0;
      let peak = 0;
      const slow = async () => {
        peak = Math.max(peak, ++inFlight);
        for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
        inFlight--;
        throw awsError('NoSuchObjectLockConfiguration', 'none', 404);
      };
      s3.on(GetObjectRetentionCommand).callsFake(slow);
      s3.on(GetObjectLegalHoldCommand).callsFake(slow);
      expect((await described()).config.Contents).toMatchObject({ lockedVersions: 0 });
      expect(s3).toHaveReceivedCommandTimes(GetObjectRetentionCommand, 100);
      expect(peak).toBeGreaterThan(1);
      expect(peak).toBeLessThanOrEqual(16);
    });

    it('sends only the operations it declares in reads', async () => {
      noConfiguration();
      objectLockEnabled();
      s3.on(ListObjectVersionsCommand).resolves({ Versions: versions(0, 1), DeleteMarkers: [{ Key: 'm', VersionId: 'dm' }], IsTruncated: false });
      await described();
      await handler.currentTags(ref(), ctx());
      const sent = new Set(commandNames());
      expect(sent.size).toBe(15);
      for (const op of sent) expect(handler.reads).toContain(op);
    });
  });

  describe('blocked', () => {
    it('blocks a default retention in compliance mode, naming its term', () => {
      const rule = (DefaultRetention: object) => ({ ObjectLock: { ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention } } } });
      expect(handler.blocked?.(live({ ...rule({ Mode: 'COMPLIANCE', Days: 30 }), ...contents({ versions: 2 }) }))).toBe(
        'Object Lock in compliance mode (30 days): its versions cannot be deleted before they expire',
      );
      expect(handler.blocked?.(live({ ...rule({ Mode: 'COMPLIANCE', Years: 2 }), ...contents({ versions: 1 }) }))).toMatch(/^Object Lock in compliance mode \(2 years\)/);
      // An empty bucket under a compliance rule holds nothing locked: it can be deleted.
      expect(handler.blocked?.(live({ ...rule({ Mode: 'COMPLIANCE', Days: 30 }), ...contents({ versions: 0 }) }))).toBeUndefined();
      // Governance mode alone does not block: only versions actually locked do.
      expect(handler.blocked?.(live({ ...rule({ Mode: 'GOVERNANCE', Days: 30 }), ...contents({ versions: 3, lockedVersions: 0, lockedKeys: [] }) }))).toBeUndefined();
    });

    it('blocks locked versions, naming the count and the first key', () => {
      expect(handler.blocked?.(live(contents({ versions: 9, lockedVersions: 3, lockedKeys: ['a/b', 'c'] })))).toBe(
        '3 object versions are under Object Lock or legal hold (first: a/b)',
      );
    });

    it('blocks MFA delete', () => {
      expect(handler.blocked?.(live({ Versioning: { Status: 'Enabled', MFADelete: 'Enabled' }, ...contents({}) }))).toBe('MFA delete is enabled');
      expect(handler.blocked?.(live({ Versioning: { Status: 'Enabled', MFADelete: 'Disabled' }, ...contents({ versions: 4 }) }))).toBeUndefined();
    });

    it('gives every reason at once', () => {
      const config = {
        Versioning: { MFADelete: 'Enabled' },
        ObjectLock: { ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 1 } } } },
        ...contents({ versions: 1, lockedVersions: 1, lockedKeys: ['k'] }),
      };
      expect(handler.blocked?.(live(config))).toBe(
        'Object Lock in compliance mode (1 day): its versions cannot be deleted before they expire; 1 object version is under Object Lock or legal hold (first: k); MFA delete is enabled',
      );
    });
  });

  describe('children and actions', () => {
    it('an empty bucket has no children and needs no object actions', () => {
      const r = live({ Versioning: {}, ...contents({}) });
      expect(handler.children?.(r)).toEqual([]);
      expect(handler.actions(r)).toEqual([
        { action: 's3:GetBucketTagging', resource: ARN },
        { action: 's3:ListBucketMultipartUploads', resource: ARN },
        { action: 's3:ListBucketVersions', resource: ARN },
        { action: 's3:DeleteBucket', resource: ARN },
        { action: 's3:ListBucket', resource: ARN },
      ]);
    });

    it('a full bucket lists its counted children and needs the object actions on its objects', () => {
      const r = live(contents({ versions: 12, deleteMarkers: 3, multipartUploads: 2 }));
      expect(handler.children?.(r)).toEqual([
        { kind: 'object-versions', id: '*', count: 12, lost: 'data not in the backup' },
        { kind: 'delete-markers', id: '*', count: 3 },
        { kind: 'multipart-uploads', id: '*', count: 2, lost: 'upload parts not in the backup' },
      ]);
      expect(handler.actions(r)).toEqual([
        { action: 's3:GetBucketTagging', resource: ARN },
        { action: 's3:ListBucketMultipartUploads', resource: ARN },
        { action: 's3:AbortMultipartUpload', resource: `${ARN}/*` },
        { action: 's3:ListBucketVersions', resource: ARN },
        { action: 's3:DeleteObjectVersion', resource: `${ARN}/*` },
        { action: 's3:DeleteBucket', resource: ARN },
        { action: 's3:ListBucket', resource: ARN },
      ]);
    });

    it('delete markers alone need DeleteObjectVersion, and are the only child', () => {
      const r = live(contents({ deleteMarkers: 1 }));
      expect(handler.children?.(r)).toEqual([{ kind: 'delete-markers', id: '*', count: 1 }]);
      expect(handler.actions(r)).toContainEqual({ action: 's3:DeleteObjectVersion', resource: `${ARN}/*` });
      expect(handler.actions(r).map((a) => a.action)).not.toContain('s3:AbortMultipartUpload');
    });
  });

  it('reads current tags in ref.region: none is {}, a missing bucket is gone', async () => {
    s3.on(GetBucketTaggingCommand)
      .resolvesOnce({ TagSet: [{ Key: 'team', Value: 'ml' }] })
      .rejectsOnce(awsError('NoSuchTagSet', 'The TagSet does not exist', 404))
      .rejectsOnce(awsError('NoSuchBucket', 'The specified bucket does not exist', 404))
      .rejects(awsError('AccessDenied', 'Access Denied', 403));
    expect(await handler.currentTags(ref('eu-west-1'), ctx())).toEqual({ team: 'ml' });
    expect(await handler.currentTags(ref(), ctx())).toEqual({});
    expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
    await expect(handler.currentTags(ref(), ctx())).rejects.toThrow('Access Denied');
    expect(await (s3.call(0).thisValue as S3Client).config.region()).toBe('eu-west-1');
  });

  describe('delete', () => {
    const planned = (region = 'us-east-1') => liveFor(handler, ARN, { config: contents({ versions: 3 }), region }, region);

    it('aborts uploads, deletes versions and delete markers from every page, then the bucket: each a step', async () => {
      s3.on(ListMultipartUploadsCommand)
        .resolvesOnce({ Uploads: [{ Key: 'a', UploadId: 'u1' }], IsTruncated: false })
        .resolves({ IsTruncated: false });
      s3.on(AbortMultipartUploadCommand).resolves({});
      s3.on(ListObjectVersionsCommand)
        .resolvesOnce({ Versions: versions(0, 2), DeleteMarkers: [{ Key: 'gone', VersionId: 'dm1' }], IsTruncated: true, NextKeyMarker: 'k1', NextVersionIdMarker: 'v1' })
        .resolvesOnce({ Versions: versions(2, 1), DeleteMarkers: [{ Key: 'gone2', VersionId: 'dm2' }], IsTruncated: false })
        .resolves({ IsTruncated: false });
      const steps = recordingSteps();
      await handler.delete(planned('eu-west-1'), ctx(), steps);
      expect(steps.log).toEqual([
        { name: 'abort-multipart-uploads', child: { kind: 'multipart-uploads', id: '*' }, done: 'aborted 1 multipart uploads' },
        { name: 'delete-objects', child: { kind: 'object-versions', id: '*' }, done: 'deleted 5 object versions and delete markers', recheck: true },
        { name: 'delete' },
      ]);
      expect(s3).toHaveReceivedNthSpecificCommandWith(1, ListObjectVersionsCommand, { Bucket: 'nova-data', MaxKeys: 1000, KeyMarker: undefined, VersionIdMarker: undefined });
      expect(s3).toHaveReceivedNthSpecificCommandWith(2, ListObjectVersionsCommand, { Bucket: 'nova-data', MaxKeys: 1000, KeyMarker: 'k1', VersionIdMarker: 'v1' });
      expect(deletedKeys()).toEqual(expect.arrayContaining([...versions(0, 3), { Key: 'gone', VersionId: 'dm1' }, { Key: 'gone2', VersionId: 'dm2' }]));
      expect(deletedKeys()).toHaveLength(5);
      expect(s3).toHaveReceivedCommandWith(DeleteObjectsCommand, { Bucket: 'nova-data', Delete: expect.objectContaining({ Quiet: true }) });
      expect(s3).toHaveReceivedCommandWith(DeleteBucketCommand, { Bucket: 'nova-data' });
      const order = commandNames();
      expect(order.lastIndexOf('AbortMultipartUpload')).toBeLessThan(order.indexOf('DeleteObjects'));
      expect(order.at(-1)).toBe('DeleteBucket');
      // Every call goes to the bucket's home region (ref.region).
      const regions = new Set(await Promise.all(s3.calls().map((c) => (c.thisValue as S3Client).config.region())));
      expect([...regions]).toEqual(['eu-west-1']);
    });

    it('an empty bucket is one listing of each kind and the delete step', async () => {
      const steps = recordingSteps();
      await handler.delete(liveFor(handler, ARN, { config: contents({}) }), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete' }]);
      expect(commandNames()).toEqual(['ListMultipartUploads', 'ListObjectVersions', 'DeleteBucket']);
    });

    it('sweeps again until a fresh listing is empty (objects written meanwhile, emulator paging)', async () => {
      s3.on(ListObjectVersionsCommand)
        .resolvesOnce({ Versions: versions(0, 3), IsTruncated: false })
        .resolvesOnce({ Versions: versions(3, 1), IsTruncated: false })
        .resolves({ IsTruncated: false });
      const steps = recordingSteps();
      await handler.delete(planned(), ctx(), steps);
      expect(s3).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 3);
      expect(deletedKeys()).toEqual(versions(0, 4));
      // The first batch of each sweep re-checks the tags.
      expect(steps.log.filter((s) => s.name === 'delete-objects').map((s) => [s.done, s.recheck])).toEqual([
        ['deleted 3 object versions and delete markers', true],
        ['deleted 1 object versions and delete markers', true],
      ]);
    });

    it('stops sweeping after 10 passes and lets DeleteBucket say what is left', async () => {
      s3.on(ListObjectVersionsCommand).resolves({ Versions: versions(0, 1), IsTruncated: false });
      s3.on(DeleteBucketCommand).rejects(awsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409));
      await expect(handler.delete(planned(), ctx(), recordingSteps())).rejects.toThrow('not empty');
      expect(s3).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 10);
      expect(s3).toHaveReceivedCommandTimes(DeleteBucketCommand, 1);
    });

    it('never sends more than 1000 keys per DeleteObjects (2,500 versions: 3 calls)', async () => {
      const list = s3.on(ListObjectVersionsCommand);
      for (let p = 0; p < 4; p++) list.resolvesOnce({ Versions: versions(p * 625, 625), IsTruncated: p < 3, NextKeyMarker: `k${p * 625 + 624}`, NextVersionIdMarker: 'x' });
      list.resolves({ IsTruncated: false });
      const steps = recordingSteps();
      await handler.delete(planned(), ctx(), steps);
      const sizes = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects?.length);
      expect(sizes).toEqual([1000, 1000, 500]);
      expect(new Set(deletedKeys().map((o: ObjectIdentifier) => o.Key)).size).toBe(2500);
      expect(steps.log.filter((s) => s.name === 'delete-objects').map((s) => s.done)).toEqual([
        'deleted 1000 object versions and delete markers',
        'deleted 1000 object versions and delete markers',
        'deleted 500 object versions and delete markers',
      ]);
    });

    it('re-checks the tags on the first batch of a sweep and then every 10th', async () => {
      const list = s3.on(ListObjectVersionsCommand);
      for (let p = 0; p < 23; p++) list.resolvesOnce({ Versions: versions(p * 1000, 1000), IsTruncated: p < 22, NextKeyMarker: 'm', NextVersionIdMarker: 'v' });
      list.resolves({ IsTruncated: false });
      const steps = recordingSteps();
      await handler.delete(planned(), ctx(), steps);
      const rechecked = steps.log.filter((s) => s.name === 'delete-objects').flatMap((s, i) => (s.recheck ? [i] : []));
      expect(rechecked).toEqual([0, 10, 20]);
      expect(steps.log.filter((s) => s.name === 'delete-objects')).toHaveLength(23);
    });

    it('keeps at most 4 DeleteObjects in flight while listing on', async () => {
      const list = s3.on(ListObjectVersionsCommand);
      for (let p = 0; p < 10; p++) list.resolvesOnce({ Versions: versions(p * 1000, 1000), IsTruncated: p < 9, NextKeyMarker: 'm', NextVersionIdMarker: 'v' });
      list.resolves({ IsTruncated: false });
      let inFlight = 0;
      let peak = 0;
      s3.on(DeleteObjectsCommand).callsFake(async () => {
        peak = Math.max(peak, ++inFlight);
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
        inFlight--;
        return {};
      });
      await handler.delete(planned(), ctx(), recordingSteps());
      expect(s3).toHaveReceivedCommandTimes(DeleteObjectsCommand, 10);
      expect(peak).toBeGreaterThan(1);
      expect(peak).toBeLessThanOrEqual(4);
    });

    it('fails on a per-key error, naming the count and the first error, and keeps the bucket', async () => {
      s3.on(ListObjectVersionsCommand).resolvesOnce({ Versions: versions(0, 3), IsTruncated: false }).resolves({ IsTruncated: false });
      s3.on(DeleteObjectsCommand).resolves({
        Errors: [
          { Key: 'k1', VersionId: 'v1', Code: 'AccessDenied', Message: 'object protected by object lock' },
          { Key: 'k2', VersionId: 'v2', Code: 'AccessDenied', Message: 'object protected by object lock' },
        ],
      });
      const steps = recordingSteps();
      const err = await handler.delete(planned(), ctx(), steps).then(() => undefined, (e: unknown) => e as Error);
      expect(err?.message).toMatch(/^2 of 3 .*AccessDenied: object protected by object lock \(key k1\)/);
      expect(s3).not.toHaveReceivedCommand(DeleteBucketCommand);
      expect(steps.log.map((s) => s.name)).toEqual(['delete-objects']);
    });

    it('a stop at the first batch sends no DeleteObjects, lists no further, and keeps the bucket', async () => {
      s3.on(ListObjectVersionsCommand)
        .resolvesOnce({ Versions: versions(0, 1000), IsTruncated: true, NextKeyMarker: 'm', NextVersionIdMarker: 'v' })
        .resolves({ Versions: versions(1000, 10), IsTruncated: false });
      const err = await handler.delete(planned(), ctx(), recordingSteps({ stopAt: 'delete-objects' })).then(() => undefined, (e: unknown) => e as Error);
      expect(err?.name).toBe('TagsChanged');
      expect(s3).not.toHaveReceivedCommand(DeleteObjectsCommand);
      expect(s3).not.toHaveReceivedCommand(DeleteBucketCommand);
      expect(s3).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 1);
    });

    it('a stop at the abort sends no abort and nothing after it', async () => {
      s3.on(ListMultipartUploadsCommand).resolves({ Uploads: [{ Key: 'a', UploadId: 'u1' }], IsTruncated: false });
      await expect(handler.delete(planned(), ctx(), recordingSteps({ stopAt: 'abort-multipart-uploads' }))).rejects.toThrow('no longer match');
      expect(s3).not.toHaveReceivedCommand(AbortMultipartUploadCommand);
      expect(s3).not.toHaveReceivedCommand(ListObjectVersionsCommand);
      expect(s3).not.toHaveReceivedCommand(DeleteBucketCommand);
    });

    it('a stop at the final step leaves the bucket', async () => {
      s3.on(ListObjectVersionsCommand).resolvesOnce({ Versions: versions(0, 2), IsTruncated: false }).resolves({ IsTruncated: false });
      const steps = recordingSteps({ stopAt: 'delete' });
      await expect(handler.delete(planned(), ctx(), steps)).rejects.toThrow('no longer match');
      expect(steps.log.map((s) => s.name)).toEqual(['delete-objects']);
      expect(s3).not.toHaveReceivedCommand(DeleteBucketCommand);
    });

    it('aborts every incomplete multipart upload, a step per page, an upload already gone being fine', async () => {
      s3.on(ListMultipartUploadsCommand)
        .resolvesOnce({ Uploads: [{ Key: 'a', UploadId: 'u1' }, { Key: 'b', UploadId: 'u2' }], IsTruncated: true, NextKeyMarker: 'b', NextUploadIdMarker: 'u2' })
        .resolvesOnce({ Uploads: [{ Key: 'c', UploadId: 'u3' }], IsTruncated: false });
      s3.on(AbortMultipartUploadCommand).resolves({});
      s3.on(AbortMultipartUploadCommand, { UploadId: 'u2' }).rejects(awsError('NoSuchUpload', 'already completed', 404));
      const steps = recordingSteps();
      await handler.delete(planned(), ctx(), steps);
      expect(s3).toHaveReceivedNthSpecificCommandWith(2, ListMultipartUploadsCommand, { Bucket: 'nova-data', MaxUploads: 1000, KeyMarker: 'b', UploadIdMarker: 'u2' });
      expect(s3).toHaveReceivedCommandTimes(AbortMultipartUploadCommand, 3);
      expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { Bucket: 'nova-data', Key: 'c', UploadId: 'u3' });
      expect(steps.log.map((s) => s.done)).toEqual(['aborted 2 multipart uploads', 'aborted 1 multipart uploads', undefined]);
    });

    it('lets another abort failure through before anything is deleted', async () => {
      s3.on(ListMultipartUploadsCommand).resolves({ Uploads: [{ Key: 'a', UploadId: 'u1' }], IsTruncated: false });
      s3.on(AbortMultipartUploadCommand).rejects(awsError('AccessDenied', 'Access Denied', 403));
      await expect(handler.delete(planned(), ctx(), recordingSteps())).rejects.toThrow('Access Denied');
      expect(s3).not.toHaveReceivedCommand(DeleteObjectsCommand);
      expect(s3).not.toHaveReceivedCommand(DeleteBucketCommand);
    });

    it('does not swallow not-found on the final delete (the core decides it is gone)', async () => {
      s3.on(DeleteBucketCommand).rejects(awsError('NoSuchBucket', 'The specified bucket does not exist', 404));
      await expect(handler.delete(planned(), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'NoSuchBucket' });
    });
  });

  describe('waitUntilGone', () => {
    it('is gone once HeadBucket says NotFound (first poll), asked in ref.region', async () => {
      s3.on(HeadBucketCommand).rejects(awsError('NotFound', 'UnknownError', 404));
      await expect(handler.waitUntilGone?.(ref('eu-west-1'), ctx())).resolves.toBeUndefined();
      expect(s3).toHaveReceivedCommandTimes(HeadBucketCommand, 1);
      expect(await (s3.call(0).thisValue as S3Client).config.region()).toBe('eu-west-1');
    });

    it('polls while the bucket still answers, and gives up at the timeout', async () => {
      s3.on(HeadBucketCommand).resolves({ BucketRegion: 'us-east-1' });
      await expect(handler.waitUntilGone?.(ref(), testContext({ waitTimeoutSeconds: 0.3 }))).rejects.toThrow();
      expect(s3.commandCalls(HeadBucketCommand).length).toBeGreaterThanOrEqual(1);
    });
  });
});
