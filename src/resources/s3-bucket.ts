import type { ObjectIdentifier, S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { httpStatus, isErrorNamed, isNotFound } from '../aws/errors.js';
import type { ResourceRef, Tags } from '../model.js';
import { tagListToRecord } from '../tags.js';
import { optional as optionalGet, parseDocument } from './common.js';
import { GONE, waiterOptions, type HandlerContext, type ResourceHandler } from './handler.js';

const sdk = () => import('@aws-sdk/client-s3');

/** S3's page and batch limit: ListObjectVersions, ListMultipartUploads, DeleteObjects. */
const PAGE = 1000;
/** DeleteObjects batches in flight while the next page is listed. */
const DELETES_IN_FLIGHT = 4;
/** Listing passes over the versions before DeleteBucket is tried anyway. */
const MAX_SWEEPS = 10;
/** AbortMultipartUpload calls in flight. */
const ABORTS_IN_FLIGHT = 8;

/** Errors that mean "this bucket has no such configuration", not "no such bucket". */
const ABSENT = [
  'NoSuchTagSet',
  'NoSuchBucketPolicy',
  'NoSuchLifecycleConfiguration',
  'ServerSideEncryptionConfigurationNotFoundError',
  'NoSuchPublicAccessBlockConfiguration',
  'NoSuchCORSConfiguration',
  'ObjectLockConfigurationNotFoundError',
  'OwnershipControlsNotFoundError',
];

const isAbsent = (err: unknown) => isErrorNamed(err, ...ABSENT) || (httpStatus(err) === 404 && !isNotFound(err));

/** An S3 sub-configuration: absent (not configured) is null; NoSuchBucket and the rest are thrown. */
const optional = <T extends object>(call: () => Promise<T>) => optionalGet(call, isAbsent);

const s3 = (ctx: HandlerContext, region: string): Promise<S3Client> => ctx.aws.get('s3', region);

async function bucketTags(client: S3Client, Bucket: string): Promise<Tags> {
  const { GetBucketTaggingCommand } = await sdk();
  const out = await optional(() => client.send(new GetBucketTaggingCommand({ Bucket })));
  return tagListToRecord(out?.TagSet as { Key?: string; Value?: string }[] | undefined);
}

/** Aborts every incomplete multipart upload (they hold storage, and may block DeleteBucket). */
async function abortUploads(client: S3Client, Bucket: string): Promise<void> {
  const { AbortMultipartUploadCommand, ListMultipartUploadsCommand } = await sdk();
  const limit = pLimit(ABORTS_IN_FLIGHT);
  let KeyMarker: string | undefined;
  let UploadIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket, MaxUploads: PAGE, KeyMarker, UploadIdMarker }));
    await limit.map(page.Uploads ?? [], async (u) => {
      try {
        await client.send(new AbortMultipartUploadCommand({ Bucket, Key: u.Key, UploadId: u.UploadId }));
      } catch (err) {
        if (!isErrorNamed(err, 'NoSuchUpload')) throw err;
      }
    });
    if (!page.IsTruncated) return;
    ({ NextKeyMarker: KeyMarker, NextUploadIdMarker: UploadIdMarker } = page);
  }
}

/** Deletes one batch (at most 1000 keys); any per-key error fails the whole delete. */
async function deleteBatch(client: S3Client, Bucket: string, Objects: ObjectIdentifier[]): Promise<void> {
  const { DeleteObjectsCommand } = await sdk();
  const out = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects, Quiet: true } }));
  const errors = out.Errors ?? [];
  const first = errors[0];
  if (first) {
    throw Object.assign(
      new Error(`${errors.length} of ${Objects.length} object versions in ${Bucket} could not be deleted; first: ${first.Code ?? 'Error'}: ${first.Message ?? ''} (key ${first.Key ?? '?'})`),
      { name: 'DeleteObjectsError' },
    );
  }
}

/**
 * One sweep: lists every object version and delete marker and deletes them in batches, a few batches in
 * flight while the next page is listed. Returns how many it found.
 */
async function sweep(client: S3Client, Bucket: string): Promise<number> {
  const { ListObjectVersionsCommand } = await sdk();
  const inFlight = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  const submit = async (batch: ObjectIdentifier[]) => {
    const p: Promise<void> = deleteBatch(client, Bucket, batch)
      .catch((err: unknown) => void (failure ??= { err }))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= DELETES_IN_FLIGHT) await Promise.race(inFlight);
  };

  let found = 0;
  let pending: ObjectIdentifier[] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  while (!failure) {
    const page = await client.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: PAGE, KeyMarker, VersionIdMarker }));
    for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) pending.push({ Key: v.Key, VersionId: v.VersionId });
    found += (page.Versions?.length ?? 0) + (page.DeleteMarkers?.length ?? 0);
    while (pending.length >= PAGE && !failure) {
      await submit(pending.slice(0, PAGE));
      pending = pending.slice(PAGE);
    }
    if (!page.IsTruncated) break;
    ({ NextKeyMarker: KeyMarker, NextVersionIdMarker: VersionIdMarker } = page);
  }
  if (pending.length && !failure) await submit(pending);
  await Promise.all(inFlight);
  if (failure) throw failure.err;
  return found;
}

/**
 * Sweeps until a fresh listing finds nothing. On AWS the second sweep is one empty page; it catches
 * objects written meanwhile, and emulators whose paging loses its place once the marker version is
 * deleted (moto). A bucket still not empty after that makes DeleteBucket fail with BucketNotEmpty.
 */
async function emptyBucket(client: S3Client, Bucket: string): Promise<void> {
  for (let pass = 0; pass < MAX_SWEEPS; pass++) if ((await sweep(client, Bucket)) === 0) return;
}

/**
 * A general-purpose S3 bucket. The ARN has no region: describe learns the home region from HeadBucket
 * and every later call goes there. Delete aborts incomplete multipart uploads, deletes every object
 * version and delete marker (per-key errors fail it), then the bucket; it then waits until HeadBucket
 * says NotFound. Object Lock and MFA delete are not bypassed: such buckets fail with S3's own error.
 */
export const s3Bucket: ResourceHandler = {
  type: 's3:bucket',
  description: 'S3 bucket (aborts multipart uploads, deletes all object versions and delete markers, then DeleteBucket)',
  arnPattern: /^arn:[\w-]+:s3:::[^/]+$/,
  dependsOn: [],
  actions: [
    's3:ListBucket',
    's3:GetBucketTagging',
    's3:GetBucketPolicy',
    's3:GetBucketVersioning',
    's3:GetLifecycleConfiguration',
    's3:GetEncryptionConfiguration',
    's3:GetBucketPublicAccessBlock',
    's3:GetBucketCORS',
    's3:GetBucketObjectLockConfiguration',
    's3:GetBucketOwnershipControls',
    's3:GetBucketNotification',
    's3:ListBucketMultipartUploads',
    's3:AbortMultipartUpload',
    's3:ListBucketVersions',
    's3:DeleteObject',
    's3:DeleteObjectVersion',
    's3:DeleteBucket',
  ],
  simulationResource: (arn, action) =>
    ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:AbortMultipartUpload'].includes(action) ? `${arn}/*` : arn,
  nameOf: (arn) => arn.slice(arn.indexOf(':::') + 3),

  async describe(ref, ctx) {
    const s = await sdk();
    const Bucket = ref.name;
    try {
      const head = await (await s3(ctx, ref.region)).send(new s.HeadBucketCommand({ Bucket }));
      const region = head.BucketRegion ?? ref.region;
      const client = await s3(ctx, region);
      const [tags, policy, versioning, lifecycle, encryption, publicAccessBlock, cors, objectLock, ownershipControls, notifications] =
        await Promise.all([
          bucketTags(client, Bucket),
          optional(() => client.send(new s.GetBucketPolicyCommand({ Bucket }))),
          optional(() => client.send(new s.GetBucketVersioningCommand({ Bucket }))),
          optional(() => client.send(new s.GetBucketLifecycleConfigurationCommand({ Bucket }))),
          optional(() => client.send(new s.GetBucketEncryptionCommand({ Bucket }))),
          optional(() => client.send(new s.GetPublicAccessBlockCommand({ Bucket }))),
          optional(() => client.send(new s.GetBucketCorsCommand({ Bucket }))),
          optional(() => client.send(new s.GetObjectLockConfigurationCommand({ Bucket }))),
          optional(() => client.send(new s.GetBucketOwnershipControlsCommand({ Bucket }))),
          optional(() => client.send(new s.GetBucketNotificationConfigurationCommand({ Bucket }))),
        ]);
      const config = {
        Bucket,
        Region: region,
        Tags: tags,
        Policy: policy ? parseDocument(policy.Policy as string | undefined) : null,
        Versioning: versioning,
        Lifecycle: lifecycle,
        Encryption: encryption,
        PublicAccessBlock: publicAccessBlock,
        Cors: cors,
        ObjectLock: objectLock,
        OwnershipControls: ownershipControls,
        Notifications: notifications,
      };
      return { tags, config, uses: [], region };
    } catch (err) {
      if (isNotFound(err)) return GONE;
      throw err;
    }
  },

  async currentTags(ref: ResourceRef, ctx) {
    try {
      return await bucketTags(await s3(ctx, ref.region), ref.name);
    } catch (err) {
      if (isNotFound(err)) return GONE;
      throw err;
    }
  },

  async delete(ref, ctx) {
    const { DeleteBucketCommand } = await sdk();
    const client = await s3(ctx, ref.region);
    await abortUploads(client, ref.name);
    await emptyBucket(client, ref.name);
    await client.send(new DeleteBucketCommand({ Bucket: ref.name }));
  },

  async waitUntilGone(ref, ctx) {
    const { waitUntilBucketNotExists } = await sdk();
    const client = await s3(ctx, ref.region);
    await waitUntilBucketNotExists(waiterOptions(client, ctx, { minDelay: 1, maxDelay: 10 }), { Bucket: ref.name });
  },
};
