import { z } from 'zod';
import { sdkPackage } from '../aws/sdk.js';
import { httpStatus } from '../aws/errors.js';
import { documentText, found, obj, optNum, optStr, restorer, tagList } from './restorer.js';

const sdk = () => sdkPackage('@aws-sdk/client-s3');

const record = z.record(z.string(), z.unknown());
const schema = obj({
  Bucket: z.string(),
  Region: optStr,
  Policy: z.unknown(),
  Versioning: obj({ Status: optStr }).nullish(),
  Encryption: obj({ ServerSideEncryptionConfiguration: record.nullish() }).nullish(),
  PublicAccessBlock: obj({ PublicAccessBlockConfiguration: record.nullish() }).nullish(),
  OwnershipControls: obj({ OwnershipControls: record.nullish() }).nullish(),
  ObjectLock: obj({ ObjectLockConfiguration: obj({ ObjectLockEnabled: optStr, Rule: record.nullish() }).nullish() }).nullish(),
  Lifecycle: obj({ Rules: z.array(z.unknown()).nullish() }).nullish(),
  Cors: obj({ CORSRules: z.array(z.unknown()).nullish() }).nullish(),
  Notifications: record.nullish(),
  Contents: obj({ versions: optNum, deleteMarkers: optNum, bytes: optNum }).nullish(),
});

/**
 * An S3 bucket's configuration: the bucket in its region (with Object Lock when it had it), tags,
 * versioning, default encryption, ownership controls, public access block, then its policy (after the
 * block, which a new bucket has on). Never its objects: their data is not in the backup.
 */
export const s3BucketRestorer = restorer({
  type: 's3:bucket',
  order: 1,
  schema,
  async exists(e, c, ctx) {
    const { HeadBucketCommand } = await sdk();
    const client = await ctx.aws.get('s3', c.Region ?? e.region);
    try {
      return await found(['NotFound', 'NoSuchBucket'], () => client.send(new HeadBucketCommand({ Bucket: c.Bucket })));
    } catch (err) {
      // Someone else's bucket of that name: it exists, and is left alone.
      if (httpStatus(err) === 403) return true;
      throw err;
    }
  },
  lost: (_e, c) => {
    const out: string[] = [];
    const n = c.Contents?.versions ?? 0;
    if (n > 0) out.push(`${n} object versions (${c.Contents?.bytes ?? 0} bytes): object data is not in the backup`);
    if (c.Lifecycle?.Rules?.length) out.push(`${c.Lifecycle.Rules.length} lifecycle rules (in the backup; put them back with PutBucketLifecycleConfiguration)`);
    if (c.Cors?.CORSRules?.length) out.push('its CORS rules (in the backup; not re-applied)');
    const notifications = Object.values(c.Notifications ?? {}).some((v) => Array.isArray(v) ? v.length > 0 : v !== null && typeof v === 'object');
    if (notifications) out.push('its event notifications (in the backup; not re-applied)');
    return out;
  },
  async restore(e, c, ctx) {
    const s = await sdk();
    const region = c.Region ?? e.region;
    const client = await ctx.aws.get('s3', region);
    const Bucket = c.Bucket;
    const lock = c.ObjectLock?.ObjectLockConfiguration;
    await client.send(
      new s.CreateBucketCommand({
        Bucket,
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
        ...(lock?.ObjectLockEnabled === 'Enabled' ? { ObjectLockEnabledForBucket: true } : {}),
      }),
    );
    const tags = tagList(e.tags);
    if (tags.length) await client.send(new s.PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: tags } }));
    const status = c.Versioning?.Status;
    // A bucket made with Object Lock has versioning on already.
    if ((status === 'Enabled' || status === 'Suspended') && lock?.ObjectLockEnabled !== 'Enabled') {
      await client.send(new s.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: status } }));
    }
    if (lock?.Rule) await client.send(new s.PutObjectLockConfigurationCommand({ Bucket, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: lock.Rule as never } }));
    const sse = c.Encryption?.ServerSideEncryptionConfiguration;
    if (sse) await client.send(new s.PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: sse as never }));
    const ownership = c.OwnershipControls?.OwnershipControls;
    if (ownership) await client.send(new s.PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: ownership as never }));
    const block = c.PublicAccessBlock?.PublicAccessBlockConfiguration;
    if (block) await client.send(new s.PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: block as never }));
    if (c.Policy !== null && c.Policy !== undefined) await client.send(new s.PutBucketPolicyCommand({ Bucket, Policy: documentText(c.Policy) }));
  },
});
