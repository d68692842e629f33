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

/** Object Lock enabled (so versioning too); every version unlocked unless a test says otherwise. */
function objectLockEnabled(rule?: object) {
  s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
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

/**
 * A bucket that answers ListObjectVersions as S3 does (key order, Prefix, KeyMarker, Delimiter '/', pages
 * of MaxKeys) and DeleteObjects by removing what it names; `refill` runs after each sweep's listing ends empty-handed or not.
 */
function fakeBucket(
  keys: readonly string[],
  o: { onDelete?: () => Promise<void> | void; lostAtDeletedMarker?: boolean; onList?: (n: number) => void } = {},
): { live: Set<string> } {
  const live = new Set(keys);
  let listings = 0;
  s3.on(ListObjectVersionsCommand).callsFake((input: { Prefix?: string; KeyMarker?: string; VersionIdMarker?: string; Delimiter?: string; MaxKeys?: number }) => {
    o.onList?.(++listings);
    // As moto 5.2.5 does: a VersionIdMarker naming a version no longer there answers nothing.
    if (o.lostAtDeletedMarker && input.VersionIdMarker !== undefined && !live.has(input.KeyMarker ?? '')) return { IsTruncated: false };
    const max = input.MaxKeys ?? 1000;
    const after = [...live].sort().filter((k) => (input.KeyMarker === undefined || k > input.KeyMarker) && (input.Prefix === undefined || k.startsWith(input.Prefix)));
    const entries: { key: string; prefix?: string }[] = [];
    for (const k of after) {
      const rest = k.slice((input.Prefix ?? '').length);
      if (input.Delimiter && rest.includes(input.Delimiter)) {
        const prefix = (input.Prefix ?? '') + rest.slice(0, rest.indexOf(input.Delimiter) + 1);
        if (entries.at(-1)?.prefix !== prefix) entries.push({ key: k, prefix });
        else (entries.at(-1) as { key: string }).key = k; // the marker moves past every key of the prefix
      } else entries.push({ key: k });
      if (entries.length > max) break;
    }
    const shown = entries.slice(0, max);
    const more = entries.length > max;
    return {
      Versions: shown.filter((e) => !e.prefix).map((e) => ({ Key: e.key, VersionId: `v-${e.key}` })),
      CommonPrefixes: shown.filter((e) => e.prefix).map((e) => ({ Prefix: e.prefix })),
      IsTruncated: more,
      ...(more ? { NextKeyMarker: shown.at(-1)?.key, NextVersionIdMarker: `v-${shown.at(-1)?.key}` } : {}),
    };
  });
  s3.on(DeleteObjectsCommand).callsFake(async (input: DeleteObjectsCommandInput) => {
    await o.onDelete?.();
    for (const x of input.Delete?.Objects ?? []) live.delete(x.Key as string);
    return {};
  });
  // As S3 does: a bucket that still holds a version is not deleted.
  s3.on(DeleteBucketCommand).callsFake(() => {
    if (live.size > 0) throw awsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409);
    return {};
  });
  return { live };
}
const keysOf = (n: number, prefix = '') => Array.from({ length: n }, (_, i) => `${prefix}k${String(i).padStart(6, '0')}`);

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
      // For the plan: what can block its delete and what the delete removes, nothing else.
      expect(d.config).toEqual({
        Bucket: 'nova-data',
        Region: 'eu-west-1',
        Tags: { project: 'nova' },
        Policy: { Version: '2012-10-17', Statement: [] },
        Versioning: { Status: 'Enabled' },
        ObjectLock: null,
        Contents: { versions: 0, deleteMarkers: 0, bytes: 0, multipartUploads: 0 },
      });
      expect(commandNames().sort()).toEqual([
        'GetBucketPolicyCommand',
        'GetBucketTaggingCommand',
        'GetBucketVersioningCommand',
        'GetObjectLockConfigurationCommand',
        'HeadBucketCommand',
        'ListMultipartUploadsCommand',
        'ListObjectVersionsCommand',
      ].map((n) => n.replace(/Command$/, '')));
      // For the backup, in the home region: the rest of its configuration.
      const details = await handler.backupDetails?.(liveFor(handler, ARN, { config: d.config, region: d.region }), ctx());
      expect(details).toEqual({
        Lifecycle: null,
        Encryption: null,
        PublicAccessBlock: null,
        Cors: null,
        OwnershipControls: null,
        Notifications: { EventBridgeConfiguration: {} },
      });
      // Only HeadBucket goes to the region discovery found it in; everything else to the home region.
      const regions = await Promise.all(
        s3.calls().map(async (c) => [(c.args[0] as object).constructor.name, await (c.thisValue as S3Client).config.region()]),
      );
      expect(regions.filter(([, r]) => r === 'us-east-1').map(([n]) => n)).toEqual(['HeadBucketCommand']);
      expect(regions.filter(([n]) => n === 'GetBucketTaggingCommand')).toEqual([['GetBucketTaggingCommand', 'eu-west-1']]);
      expect(regions.filter(([n]) => n === 'ListObjectVersionsCommand')).toEqual([['ListObjectVersionsCommand', 'eu-west-1']]);
      expect(regions.filter(([n]) => n === 'GetBucketCorsCommand')).toEqual([['GetBucketCorsCommand', 'eu-west-1']]);
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
      await expect(handler.backupDetails?.(live({}), ctx())).rejects.toThrow('odd answer');
      s3.on(GetBucketPolicyCommand).rejects(awsError('UnknownError', 'odd policy answer', 404));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('odd policy answer');
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

    it('asks for Object Lock only when versioning is enabled (a bucket never versioned, or suspended, cannot have it)', async () => {
      noConfiguration();
      s3.on(ListObjectVersionsCommand).resolves({ Versions: versions(0, 1), IsTruncated: false });
      for (const answer of [{}, { Status: 'Suspended' as const }]) {
        s3.resetHistory();
        s3.on(GetBucketVersioningCommand).resolves(answer);
        const d = await described();
        expect(d.config.ObjectLock).toBeNull();
        expect(s3).not.toHaveReceivedCommand(GetObjectLockConfigurationCommand);
        expect(d.config.Contents).toMatchObject({ versions: 1 });
        expect(d.config.Contents).not.toHaveProperty('lockedVersions');
      }
      s3.resetHistory();
      s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
      expect((await described()).config.ObjectLock).toBeNull(); // enabled, and no Object Lock configuration
      expect(s3).toHaveReceivedCommandTimes(GetObjectLockConfigurationCommand, 1);
    });

    it('sends only the operations it declares in reads', async () => {
      noConfiguration();
      objectLockEnabled();
      s3.on(ListObjectVersionsCommand).resolves({ Versions: versions(0, 1), DeleteMarkers: [{ Key: 'm', VersionId: 'dm' }], IsTruncated: false });
      await described();
      await handler.currentTags(ref(), ctx());
      await handler.backupDetails?.(live({}), ctx());
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

    it('blocks a bucket whose policy may deny its delete or the deletes that empty it, naming the statement', () => {
      const policy = (Statement: object) => ({ Policy: { Version: '2012-10-17', Statement } });
      const deny = (extra: object) => ({ Sid: 'KeepIt', Effect: 'Deny', Principal: '*', ...extra });
      expect(handler.blocked?.(live({ ...policy([deny({ Action: 's3:DeleteBucket', Resource: ARN })]), ...contents({ versions: 2 }) }))).toBe(
        'its bucket policy denies s3:DeleteBucket (statement KeepIt): nothing of it is touched; remove that statement to delete it',
      );
      // Wildcards, case, a single statement object, NotAction.
      expect(handler.blocked?.(live({ ...policy(deny({ Action: 'S3:Delete*', Resource: 'arn:aws:s3:::nova-*' })), ...contents({}) }))).toMatch(/denies s3:DeleteBucket/);
      expect(handler.blocked?.(live({ ...policy([deny({ NotAction: 's3:GetObject', Resource: '*' })]), ...contents({}) }))).toMatch(/denies s3:DeleteBucket/);
      // Object deletes matter only while there are objects to delete.
      const objects = deny({ Action: ['s3:DeleteObjectVersion'], Resource: `${ARN}/logs/*` });
      expect(handler.blocked?.(live({ ...policy([objects]), ...contents({ versions: 3 }) }))).toMatch(/^its bucket policy denies s3:DeleteObjectVersion \(statement KeepIt\)/);
      expect(handler.blocked?.(live({ ...policy([objects]), ...contents({ versions: 0 }) }))).toBeUndefined();
      // Not a denial of a delete: an Allow, a Deny of other actions, of another bucket, of NotResource covering it.
      for (const st of [
        { Effect: 'Allow', Action: 's3:*', Resource: '*' },
        deny({ Action: 's3:PutObject', Resource: `${ARN}/locked/*` }),
        deny({ Action: 's3:DeleteBucket', Resource: 'arn:aws:s3:::other-bucket' }),
        deny({ Action: 's3:Delete*', NotResource: [ARN, `${ARN}/*`] }),
      ]) {
        expect(handler.blocked?.(live({ ...policy([st]), ...contents({ versions: 1 }) }))).toBeUndefined();
      }
      expect(handler.blocked?.(live({ Policy: null, ...contents({ versions: 1 }) }))).toBeUndefined();
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
        .resolvesOnce({ Versions: versions(0, 3), DeleteMarkers: [{ Key: 'gone', VersionId: 'dm1' }, { Key: 'gone2', VersionId: 'dm2' }], IsTruncated: false })
        .resolves({ IsTruncated: false });
      const steps = recordingSteps();
      await handler.delete(planned('eu-west-1'), ctx(), steps);
      expect(steps.log).toEqual([
        { name: 'abort-multipart-uploads', child: { kind: 'multipart-uploads', id: '*' }, done: 'aborted 1 multipart uploads' },
        { name: 'delete-objects', child: { kind: 'object-versions', id: '*' }, done: 'deleted 5 object versions and delete markers', recheck: true },
        { name: 'delete' },
      ]);
      expect(s3).toHaveReceivedNthSpecificCommandWith(1, ListObjectVersionsCommand, { Bucket: 'nova-data', MaxKeys: 1000 });
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

    it('a bucket of more than one page is listed by top-level prefix, several at once, in full batches, nothing listed twice', async () => {
      // The bucket, in key order: a/0..a/1499, b/0..b/999, root-1, z/0..z/499 (versions of distinct keys).
      const keys = [
        ...Array.from({ length: 1500 }, (_, i) => `a/${String(i).padStart(4, '0')}`),
        ...Array.from({ length: 1000 }, (_, i) => `b/${String(i).padStart(4, '0')}`),
        'root-1',
        ...Array.from({ length: 500 }, (_, i) => `z/${String(i).padStart(4, '0')}`),
      ];
      let deleted = false;
      const page = (all: string[], max = 1000) => {
        const out = all.slice(0, max);
        const more = all.length > max;
        return { Versions: out.map((Key) => ({ Key, VersionId: `v-${Key}` })), IsTruncated: more, ...(more ? { NextKeyMarker: out.at(-1), NextVersionIdMarker: `v-${out.at(-1)}` } : {}) };
      };
      s3.on(ListObjectVersionsCommand).callsFake((input: { Prefix?: string; KeyMarker?: string; Delimiter?: string }) => {
        if (deleted) return { IsTruncated: false };
        const after = keys.filter((k) => (input.KeyMarker === undefined || k > input.KeyMarker) && (input.Prefix === undefined || k.startsWith(input.Prefix)));
        if (input.Delimiter === '/') {
          const prefixes = [...new Set(after.filter((k) => k.includes('/')).map((k) => k.slice(0, k.indexOf('/') + 1)))];
          return { CommonPrefixes: prefixes.map((Prefix) => ({ Prefix })), Versions: after.filter((k) => !k.includes('/')).map((Key) => ({ Key, VersionId: `v-${Key}` })), IsTruncated: false };
        }
        return page(after);
      });
      s3.on(DeleteObjectsCommand).callsFake(() => {
        if (deletedKeys().length >= keys.length) deleted = true;
        return {};
      });
      const steps = recordingSteps();
      await handler.delete(planned(), ctx(), steps);
      const listed = s3.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input as { Prefix?: string; KeyMarker?: string; Delimiter?: string });
      // first page (a/0000..a/0999); the prefixes; a/ from the first page's marker; b/ and z/ from their start; then the empty sweep
      expect(listed.slice(0, 2)).toEqual([{ Bucket: 'nova-data', MaxKeys: 1000 }, expect.objectContaining({ Delimiter: '/' })]);
      expect(listed.filter((l) => l.Prefix === 'a/')).toEqual([expect.objectContaining({ KeyMarker: 'a/0999' })]);
      expect(listed.filter((l) => l.Prefix === 'b/')).toEqual([expect.objectContaining({ KeyMarker: undefined })]);
      expect(listed.filter((l) => l.Prefix === 'z/')).toHaveLength(1);
      // every version once, in full batches of 1,000 but the last
      expect(new Set(deletedKeys().map((k) => k.Key)).size).toBe(keys.length);
      expect(deletedKeys()).toHaveLength(keys.length);
      expect(s3.commandCalls(DeleteObjectsCommand).map((c) => (c.args[0].input as DeleteObjectsCommandInput).Delete?.Objects?.length)).toEqual([1000, 1000, 1000, 1]);
      expect(commandNames().at(-1)).toBe('DeleteBucket');
    });

    it("keeps each page's marker version until the page after it is listed: a listing that loses its place at a deleted marker (moto) still sees the bucket in one sweep, every batch full", async () => {
      const bucket = fakeBucket([...keysOf(2500, 'a/'), ...keysOf(2500, 'b/')], { lostAtDeletedMarker: true });
      await handler.delete(planned(), ctx(), recordingSteps());
      expect(s3.commandCalls(DeleteObjectsCommand).map((c) => (c.args[0].input as DeleteObjectsCommandInput).Delete?.Objects?.length)).toEqual([1000, 1000, 1000, 1000, 1000]);
      expect(new Set(deletedKeys().map((k) => k.Key)).size).toBe(5000);
      expect(bucket.live.size).toBe(0);
      // The first page; the prefixes; a/ on from the first page's marker (2 pages); b/ (3 pages); the second sweep's one empty page.
      expect(s3).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 8);
      expect(s3).toHaveReceivedCommandTimes(DeleteBucketCommand, 1);
    });

    it('a root key at the marker is listed on from the marker, and the marker deleted with that page', async () => {
      const bucket = fakeBucket(keysOf(1500), { lostAtDeletedMarker: true });
      await handler.delete(planned(), ctx(), recordingSteps());
      expect(s3.commandCalls(DeleteObjectsCommand).map((c) => (c.args[0].input as DeleteObjectsCommandInput).Delete?.Objects?.length)).toEqual([1000, 500]);
      expect(bucket.live.size).toBe(0);
      // The first page, the root keys after it (2 pages), the marker's key on from its version, the second sweep's empty page.
      expect(s3.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input)).toEqual([
        expect.not.objectContaining({ KeyMarker: expect.anything() }),
        expect.objectContaining({ Delimiter: '/' }),
        expect.objectContaining({ Delimiter: '/', KeyMarker: 'k000999' }),
        expect.objectContaining({ Prefix: 'k000999', KeyMarker: 'k000999', VersionIdMarker: 'v-k000999' }),
        { Bucket: 'nova-data', MaxKeys: 1000 },
      ]);
    });

    it('lists the root key at the first page\'s marker on from its version alone: keys it is the start of (foo-1, foo/…) are listed once, by their own ranges', async () => {
      // As S3 orders them: key by key, a key's versions newest first; markers name the page's last entry.
      const entries = [
        ...keysOf(990, 'a').map((Key) => ({ Key, VersionId: 'v0' })),
        ...Array.from({ length: 30 }, (_, i) => ({ Key: 'foo', VersionId: `v${String(29 - i).padStart(2, '0')}` })),
        ...Array.from({ length: 50 }, (_, i) => ({ Key: `foo-${String(i).padStart(2, '0')}`, VersionId: 'v0' })),
        ...Array.from({ length: 50 }, (_, i) => ({ Key: `foo/${String(i).padStart(2, '0')}`, VersionId: 'v0' })),
      ];
      const id = (e: { Key?: string | undefined; VersionId?: string | undefined }) => `${e.Key}@${e.VersionId}`;
      let live = [...entries];
      s3.on(ListObjectVersionsCommand).callsFake((input: { Prefix?: string; KeyMarker?: string; VersionIdMarker?: string; Delimiter?: string; MaxKeys?: number }) => {
        let from = 0;
        if (input.KeyMarker !== undefined) {
          const at = input.VersionIdMarker !== undefined ? live.findIndex((e) => e.Key === input.KeyMarker && e.VersionId === input.VersionIdMarker) : -1;
          from = at >= 0 ? at + 1 : live.findIndex((e) => e.Key > (input.KeyMarker as string));
          if (from < 0) from = live.length;
        }
        const inRange = live.slice(from).filter((e) => e.Key.startsWith(input.Prefix ?? ''));
        if (input.Delimiter) {
          const roots = inRange.filter((e) => !e.Key.includes('/'));
          const prefixes = [...new Set(inRange.filter((e) => e.Key.includes('/')).map((e) => e.Key.slice(0, e.Key.indexOf('/') + 1)))];
          return { Versions: roots, CommonPrefixes: prefixes.map((Prefix) => ({ Prefix })), IsTruncated: false };
        }
        const shown = inRange.slice(0, input.MaxKeys ?? 1000);
        const more = inRange.length > shown.length;
        const last = shown.at(-1);
        return { Versions: shown, IsTruncated: more, ...(more && last ? { NextKeyMarker: last.Key, NextVersionIdMarker: last.VersionId } : {}) };
      });
      s3.on(DeleteObjectsCommand).callsFake((input: DeleteObjectsCommandInput) => {
        const gone = new Set((input.Delete?.Objects ?? []).map(id));
        live = live.filter((e) => !gone.has(id(e)));
        return {};
      });
      await handler.delete(planned(), ctx(), recordingSteps());
      const sent = deletedKeys().map(id);
      expect(new Set(sent).size).toBe(entries.length);
      expect(sent).toHaveLength(entries.length);
      expect(live).toEqual([]);
      // The first page ends inside foo's versions: foo is listed on from there, for foo alone.
      expect(s3).toHaveReceivedCommandWith(ListObjectVersionsCommand, { Prefix: 'foo', KeyMarker: 'foo', VersionIdMarker: 'v20' });
    });

    it('a listing that fails ends the sweep once the batches in flight have settled: nothing more is sent after the delete has failed', async () => {
      const bucket = fakeBucket(['a/', 'b/', 'c/', 'd/'].flatMap((p) => keysOf(3000, p)), {
        onList: (n) => {
          if (n === 5) throw awsError('InternalError', 'We encountered an internal error', 500);
        },
      });
      const err = await handler.delete(planned(), ctx(), recordingSteps()).then(() => undefined, (e: unknown) => e as Error);
      expect(err?.message).toMatch(/internal error/);
      const sentWhenFailed = s3.commandCalls(DeleteObjectsCommand).length;
      const listedWhenFailed = s3.commandCalls(ListObjectVersionsCommand).length;
      for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
      expect(s3.commandCalls(DeleteObjectsCommand).length).toBe(sentWhenFailed);
      expect(s3.commandCalls(ListObjectVersionsCommand).length).toBe(listedWhenFailed);
      expect(s3).not.toHaveReceivedCommand(DeleteBucketCommand);
      expect(bucket.live.size).toBeGreaterThan(0);
    });

    it('a marker no range lists on from (its prefix emptied by someone else meanwhile) is still deleted in the same sweep', async () => {
      const bucket = fakeBucket(keysOf(1500, 'a/'), {
        onList: (n) => {
          if (n === 2) bucket.live.clear();
        },
      });
      await handler.delete(planned(), ctx(), recordingSteps());
      expect(s3.commandCalls(DeleteObjectsCommand).map((c) => (c.args[0].input as DeleteObjectsCommandInput).Delete?.Objects?.length)).toEqual([1000]);
      expect(bucket.live.size).toBe(0);
    });

    it('DeleteBucket answering BucketNotEmpty after an empty listing lists everything again from the start', async () => {
      s3.on(ListObjectVersionsCommand)
        .resolvesOnce({ IsTruncated: false })
        .resolvesOnce({ Versions: versions(0, 1), IsTruncated: false })
        .resolves({ IsTruncated: false });
      s3.on(DeleteBucketCommand).rejectsOnce(awsError('BucketNotEmpty')).resolves({});
      const steps = recordingSteps();
      await handler.delete(planned(), ctx(), steps);
      expect(s3).toHaveReceivedCommandTimes(DeleteBucketCommand, 2);
      expect(deletedKeys()).toEqual(versions(0, 1));
    });

    it('after a sweep of one page, DeleteBucket at once; an object written meanwhile (BucketNotEmpty) is swept from the start', async () => {
      s3.on(ListObjectVersionsCommand)
        .resolvesOnce({ Versions: versions(0, 3), IsTruncated: false })
        .resolvesOnce({ Versions: versions(3, 1), IsTruncated: false })
        .resolves({ IsTruncated: false });
      s3.on(DeleteBucketCommand).rejectsOnce(awsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409)).resolves({});
      const steps = recordingSteps();
      await handler.delete(planned(), ctx(), steps);
      // No listing only to see it empty: S3's own answer to DeleteBucket says so.
      expect(s3).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 2);
      expect(s3).toHaveReceivedCommandTimes(DeleteBucketCommand, 2);
      expect(deletedKeys()).toEqual(versions(0, 4));
      // The first batch of each sweep re-checks the tags.
      expect(steps.log.filter((s) => s.name === 'delete-objects').map((s) => [s.done, s.recheck])).toEqual([
        ['deleted 3 object versions and delete markers', true],
        ['deleted 1 object versions and delete markers', true],
      ]);
    });

    it('after an empty listing DeleteBucket still saying BucketNotEmpty: listed again from the start, 5 times at most', async () => {
      s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false });
      s3.on(DeleteBucketCommand).rejects(awsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409));
      await expect(handler.delete(planned(), ctx(), recordingSteps())).rejects.toThrow('not empty');
      expect(s3).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 5);
      expect(s3).toHaveReceivedCommandTimes(DeleteBucketCommand, 5);
    });

    it('has no limit on sweeps: a bucket written to while it is emptied is swept until DeleteBucket finds it empty', async () => {
      let refills = 12;
      const bucket = fakeBucket(keysOf(3));
      s3.on(DeleteObjectsCommand).callsFake((input: DeleteObjectsCommandInput) => {
        for (const x of input.Delete?.Objects ?? []) bucket.live.delete(x.Key as string);
        if (refills-- > 0) bucket.live.add(`late-${refills}`);
        return {};
      });
      await handler.delete(planned(), ctx(), recordingSteps());
      expect(s3).toHaveReceivedCommandTimes(DeleteObjectsCommand, 13);
      // One listing a sweep (each of one page), each followed by a DeleteBucket: 12 BucketNotEmpty, then gone.
      expect(s3).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 13);
      expect(s3).toHaveReceivedCommandTimes(DeleteBucketCommand, 13);
      expect(bucket.live.size).toBe(0);
      expect(commandNames().at(-1)).toBe('DeleteBucket');
    });

    it('never sends more than 1000 keys per DeleteObjects (2,500 versions: 3 calls)', async () => {
      fakeBucket(keysOf(2500));
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
      fakeBucket(keysOf(23_000));
      const steps = recordingSteps();
      await handler.delete(planned(), ctx(), steps);
      const rechecked = steps.log.filter((s) => s.name === 'delete-objects').flatMap((s, i) => (s.recheck ? [i] : []));
      expect(rechecked).toEqual([0, 10, 20]);
      expect(steps.log.filter((s) => s.name === 'delete-objects')).toHaveLength(23);
    });

    it('keeps at most 4 DeleteObjects in flight while listing on (several prefixes at once)', async () => {
      let inFlight = 0;
      let peak = 0;
      fakeBucket([...keysOf(4000, 'a/'), ...keysOf(3000, 'b/'), ...keysOf(3000, 'c/')], {
        onDelete: async () => {
          peak = Math.max(peak, ++inFlight);
          for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
          inFlight--;
        },
      });
      await handler.delete(planned(), ctx(), recordingSteps());
      expect(s3).toHaveReceivedCommandTimes(DeleteObjectsCommand, 10);
      expect(peak).toBeGreaterThan(1);
      expect(peak).toBeLessThanOrEqual(4);
    });

    it('holds a bounded number of listed entries not yet deleted, whatever the size of the bucket (memory flat in the number of objects)', async () => {
      const outstandingPeak = async (perPrefix: number): Promise<number> => {
        s3.reset();
        s3.on(ListMultipartUploadsCommand).resolves({ IsTruncated: false });
        const bucket = fakeBucket(['a/', 'b/', 'c/', 'd/', 'e/', 'f/', 'g/', 'h/', 'i/', 'j/'].flatMap((p) => keysOf(perPrefix, p)), {
          onDelete: async () => {
            for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
          },
        });
        let peak = 0;
        let listed = 0;
        // The fake bucket's listing, counting what the sweep holds: listed so far and not yet sent in a DeleteObjects.
        s3.on(ListObjectVersionsCommand).callsFake((input: { Prefix?: string; KeyMarker?: string; Delimiter?: string; MaxKeys?: number }) => {
          const after = [...bucket.live].sort().filter((k) => (input.KeyMarker === undefined || k > input.KeyMarker) && (input.Prefix === undefined || k.startsWith(input.Prefix)));
          if (input.Delimiter) return { CommonPrefixes: [...new Set(after.map((k) => k.slice(0, 2)))].map((Prefix) => ({ Prefix })), IsTruncated: false };
          const shown = after.slice(0, input.MaxKeys ?? 1000);
          listed += shown.length;
          peak = Math.max(peak, listed - deletedKeys().length);
          const more = after.length > shown.length;
          return { Versions: shown.map((Key) => ({ Key, VersionId: `v-${Key}` })), IsTruncated: more, ...(more ? { NextKeyMarker: shown.at(-1), NextVersionIdMarker: `v-${shown.at(-1)}` } : {}) };
        });
        await handler.delete(planned(), ctx(), recordingSteps());
        expect(bucket.live.size).toBe(0);
        return peak;
      };
      const small = await outstandingPeak(2_000);
      const large = await outstandingPeak(8_000);
      // At most a page for each of the 8 listings, 4 batches in flight and 2 filling: 14,000, for 20,000 or 80,000 entries (9,000 here).
      expect(large).toBeLessThanOrEqual(14_000);
      expect(large).toBeLessThanOrEqual(small + 1_000);
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

    it('a stop at the first batch sends no DeleteObjects, lists no further than the page that filled it, and keeps the bucket', async () => {
      fakeBucket([...keysOf(1500, 'a/'), ...keysOf(3000, 'b/')]);
      const err = await handler.delete(planned(), ctx(), recordingSteps({ stopAt: 'delete-objects' })).then(() => undefined, (e: unknown) => e as Error);
      expect(err?.name).toBe('TagsChanged');
      expect(s3).not.toHaveReceivedCommand(DeleteObjectsCommand);
      expect(s3).not.toHaveReceivedCommand(DeleteBucketCommand);
      // The first page (999 taken, its marker kept back), the prefixes, then the first page of each range: a/ fills the first batch.
      expect(s3.commandCalls(ListObjectVersionsCommand).length).toBeLessThanOrEqual(4);
    });

    it('sends no other batch before the first has re-checked the tags, however long that takes', async () => {
      fakeBucket(['a/', 'b/', 'c/', 'd/', 'e/', 'f/', 'g/', 'h/', 'i/', 'j/'].flatMap((p) => keysOf(1500, p)));
      let firstDone = false;
      let earlyStarts = 0;
      let runs = 0;
      const steps = {
        async run<T>(step: { name: string }, body: () => Promise<T>): Promise<T> {
          if (step.name !== 'delete-objects') return body();
          if (runs++ === 0) {
            // A slow re-check: many turns of the event loop, while the listings go on.
            for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
            const out = await body();
            firstDone = true;
            return out;
          }
          if (!firstDone) earlyStarts++;
          return body();
        },
      };
      await handler.delete(planned(), ctx(), steps);
      expect(runs).toBe(15);
      expect(earlyStarts).toBe(0);
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

  describe('after DeleteBucket', () => {
    it('has no waiter: DeleteBucket answers once the bucket is gone, so no HeadBucket follows it', async () => {
      expect(handler.waitUntilGone).toBeUndefined();
      s3.on(ListMultipartUploadsCommand).resolves({});
      s3.on(ListObjectVersionsCommand).resolves({});
      s3.on(DeleteBucketCommand).resolves({});
      await handler.delete(liveFor(handler, ARN, { config: contents({}) }), ctx(), recordingSteps());
      expect(s3).toHaveReceivedCommandTimes(DeleteBucketCommand, 1);
      expect(s3).not.toHaveReceivedCommand(HeadBucketCommand);
    });
  });
});
