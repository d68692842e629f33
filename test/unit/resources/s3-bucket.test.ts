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
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  S3Client,
  type DeleteObjectsCommandInput,
  type ObjectIdentifier,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { s3Bucket as handler } from '../../../src/resources/s3-bucket.js';
import { awsError, refFor, testContext } from '../../helpers/context.js';

const s3 = mockClient(S3Client);
const ARN = 'arn:aws:s3:::nova-data';
const ref = (region = 'us-east-1') => refFor(handler, ARN, region);
const ctx = () => testContext({ waitTimeoutSeconds: 60 });

/** Every config call answers "not configured"; tests override the ones they care about. */
function noConfiguration() {
  s3.on(GetBucketTaggingCommand).rejects(awsError('NoSuchTagSet', 'The TagSet does not exist', 404));
  s3.on(GetBucketPolicyCommand).rejects(awsError('NoSuchBucketPolicy', 'no policy', 404));
  s3.on(GetBucketVersioningCommand).resolves({});
  s3.on(GetBucketLifecycleConfigurationCommand).rejects(awsError('NoSuchLifecycleConfiguration', 'none', 404));
  s3.on(GetBucketEncryptionCommand).rejects(awsError('ServerSideEncryptionConfigurationNotFoundError', 'none', 404));
  s3.on(GetPublicAccessBlockCommand).rejects(awsError('NoSuchPublicAccessBlockConfiguration', 'none', 404));
  s3.on(GetBucketCorsCommand).rejects(awsError('NoSuchCORSConfiguration', 'none', 404));
  s3.on(GetObjectLockConfigurationCommand).rejects(awsError('ObjectLockConfigurationNotFoundError', 'none', 404));
  s3.on(GetBucketOwnershipControlsCommand).rejects(awsError('OwnershipControlsNotFoundError', 'none', 404));
  s3.on(GetBucketNotificationConfigurationCommand).rejects(awsError('UnknownError', 'odd emulator answer', 404));
}

/** `n` object versions named by index, for listing pages. */
const versions = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${from + i}`, VersionId: `v${from + i}` }));
const deletedKeys = () =>
  s3.commandCalls(DeleteObjectsCommand).flatMap((c) => (c.args[0].input as DeleteObjectsCommandInput).Delete?.Objects ?? []);
const commandOrder = () => s3.calls().map((c) => (c.args[0] as object).constructor.name);

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
    expect(handler.dependsOn).toEqual([]);
  });

  it('simulates object-level actions on the objects, bucket actions on the bucket', () => {
    expect(handler.simulationResource?.(ARN, 's3:DeleteObjectVersion')).toBe(`${ARN}/*`);
    expect(handler.simulationResource?.(ARN, 's3:AbortMultipartUpload')).toBe(`${ARN}/*`);
    expect(handler.simulationResource?.(ARN, 's3:DeleteBucket')).toBe(ARN);
    expect(handler.simulationResource?.(ARN, 's3:ListBucketVersions')).toBe(ARN);
    expect(handler.actions).toEqual(expect.arrayContaining(['s3:ListBucket', 's3:ListBucketVersions', 's3:DeleteObjectVersion', 's3:DeleteBucket']));
  });

  it('describes tags and configuration, in the home region HeadBucket names', async () => {
    noConfiguration();
    s3.on(HeadBucketCommand, { Bucket: 'nova-data' }).resolves({ BucketRegion: 'eu-west-1', $metadata: {} });
    s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: 'project', Value: 'nova' }], $metadata: {} });
    s3.on(GetBucketPolicyCommand).resolves({ Policy: '{"Version":"2012-10-17","Statement":[]}' });
    s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled', $metadata: { httpStatusCode: 200 } });
    const d = await handler.describe(ref('us-east-1'), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d.region).toBe('eu-west-1');
    expect(d.tags).toEqual({ project: 'nova' });
    expect(d.uses).toEqual([]);
    expect(d.config).toMatchObject({
      Bucket: 'nova-data',
      Region: 'eu-west-1',
      Policy: { Version: '2012-10-17', Statement: [] },
      Versioning: { Status: 'Enabled' },
      Lifecycle: null,
      Encryption: null,
      PublicAccessBlock: null,
      Cors: null,
      ObjectLock: null,
      OwnershipControls: null,
      Notifications: null,
    });
    expect(d.config.Versioning).not.toHaveProperty('$metadata');
    // Only HeadBucket goes to the region discovery found it in; everything else to the home region.
    const regions = await Promise.all(
      s3.calls().map(async (c) => [(c.args[0] as object).constructor.name, await (c.thisValue as S3Client).config.region()]),
    );
    expect(regions.filter(([, r]) => r === 'us-east-1').map(([n]) => n)).toEqual(['HeadBucketCommand']);
    expect(regions.filter(([n]) => n === 'GetBucketTaggingCommand')).toEqual([['GetBucketTaggingCommand', 'eu-west-1']]);
  });

  it('reports a bucket HeadBucket cannot find as gone', async () => {
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', 'UnknownError', 404));
    expect(await handler.describe(ref(), ctx())).toBe(GONE);
    expect(s3).not.toHaveReceivedCommand(GetBucketTaggingCommand);
  });

  it('lets a denied configuration read through instead of calling it absent', async () => {
    noConfiguration();
    s3.on(HeadBucketCommand).resolves({ BucketRegion: 'us-east-1' });
    s3.on(GetBucketPolicyCommand).rejects(awsError('AccessDenied', 'Access Denied', 403));
    await expect(handler.describe(ref(), ctx())).rejects.toThrow('Access Denied');
  });

  it('reads current tags: none is {}, a missing bucket is gone', async () => {
    s3.on(GetBucketTaggingCommand).resolvesOnce({ TagSet: [{ Key: 'team', Value: 'ml' }] })
      .rejectsOnce(awsError('NoSuchTagSet', 'The TagSet does not exist', 404))
      .rejects(awsError('NoSuchBucket', 'The specified bucket does not exist', 404));
    expect(await handler.currentTags(ref(), ctx())).toEqual({ team: 'ml' });
    expect(await handler.currentTags(ref(), ctx())).toEqual({});
    expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
  });

  it('deletes versions and delete markers from every page, then the bucket', async () => {
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({ Versions: versions(0, 2), DeleteMarkers: [{ Key: 'gone', VersionId: 'dm1' }], IsTruncated: true, NextKeyMarker: 'k1', NextVersionIdMarker: 'v1' })
      .resolvesOnce({ Versions: versions(2, 1), DeleteMarkers: [{ Key: 'gone2', VersionId: 'dm2' }], IsTruncated: false })
      .resolves({ IsTruncated: false });
    await handler.delete(ref(), ctx());
    expect(s3).toHaveReceivedNthSpecificCommandWith(1, ListObjectVersionsCommand, { Bucket: 'nova-data', MaxKeys: 1000, KeyMarker: undefined, VersionIdMarker: undefined });
    expect(s3).toHaveReceivedNthSpecificCommandWith(2, ListObjectVersionsCommand, { Bucket: 'nova-data', MaxKeys: 1000, KeyMarker: 'k1', VersionIdMarker: 'v1' });
    expect(deletedKeys()).toEqual(
      expect.arrayContaining([...versions(0, 3), { Key: 'gone', VersionId: 'dm1' }, { Key: 'gone2', VersionId: 'dm2' }]),
    );
    expect(deletedKeys()).toHaveLength(5);
    expect(s3).toHaveReceivedCommandWith(DeleteObjectsCommand, { Bucket: 'nova-data', Delete: expect.objectContaining({ Quiet: true }) });
    expect(s3).toHaveReceivedCommandWith(DeleteBucketCommand, { Bucket: 'nova-data' });
    expect(commandOrder().at(-1)).toBe('DeleteBucketCommand');
  });

  it('sweeps again until a fresh listing is empty (objects written meanwhile, emulator paging)', async () => {
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({ Versions: versions(0, 3), IsTruncated: false })
      .resolvesOnce({ Versions: versions(3, 1), IsTruncated: false })
      .resolves({ IsTruncated: false });
    await handler.delete(ref(), ctx());
    expect(s3).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 3);
    expect(deletedKeys()).toEqual(versions(0, 4));
  });

  it('never sends more than 1000 keys per DeleteObjects (2,500 versions: 3 calls)', async () => {
    const pages = [0, 1, 2, 3].map((p) => ({ Versions: versions(p * 625, 625), IsTruncated: p < 3, NextKeyMarker: `k${p * 625 + 624}`, NextVersionIdMarker: 'x' }));
    const list = s3.on(ListObjectVersionsCommand);
    for (const p of pages) list.resolvesOnce(p);
    list.resolves({ IsTruncated: false });
    await handler.delete(ref(), ctx());
    const sizes = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects?.length);
    expect(sizes).toEqual([1000, 1000, 500]);
    expect(new Set(deletedKeys().map((o: ObjectIdentifier) => o.Key)).size).toBe(2500);
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
    await handler.delete(ref(), ctx());
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
    const err = await handler.delete(ref(), ctx()).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/^2 of 3 .*AccessDenied: object protected by object lock \(key k1\)/);
    expect(s3).not.toHaveReceivedCommand(DeleteBucketCommand);
  });

  it('aborts every incomplete multipart upload, across pages, before DeleteBucket', async () => {
    s3.on(ListMultipartUploadsCommand)
      .resolvesOnce({ Uploads: [{ Key: 'a', UploadId: 'u1' }, { Key: 'b', UploadId: 'u2' }], IsTruncated: true, NextKeyMarker: 'b', NextUploadIdMarker: 'u2' })
      .resolvesOnce({ Uploads: [{ Key: 'c', UploadId: 'u3' }], IsTruncated: false });
    s3.on(AbortMultipartUploadCommand).resolves({});
    s3.on(AbortMultipartUploadCommand, { UploadId: 'u2' }).rejects(awsError('NoSuchUpload', 'already completed', 404));
    await handler.delete(ref(), ctx());
    expect(s3).toHaveReceivedNthSpecificCommandWith(2, ListMultipartUploadsCommand, { Bucket: 'nova-data', MaxUploads: 1000, KeyMarker: 'b', UploadIdMarker: 'u2' });
    expect(s3).toHaveReceivedCommandTimes(AbortMultipartUploadCommand, 3);
    expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { Bucket: 'nova-data', Key: 'c', UploadId: 'u3' });
    const order = commandOrder();
    expect(order.lastIndexOf('AbortMultipartUploadCommand')).toBeLessThan(order.indexOf('DeleteBucketCommand'));
  });

  it('is gone once HeadBucket says NotFound (first poll)', async () => {
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', 'UnknownError', 404));
    await expect(handler.waitUntilGone?.(ref(), ctx())).resolves.toBeUndefined();
    expect(s3).toHaveReceivedCommandTimes(HeadBucketCommand, 1);
  });
});
