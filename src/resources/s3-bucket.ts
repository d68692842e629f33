import type { ObjectIdentifier, ObjectVersion, S3Client } from '@aws-sdk/client-s3';
import pLimit, { type LimitFunction } from 'p-limit';
import { sdkPackage } from '../aws/sdk.js';
import type { Tags } from '../model.js';
import { tagListToRecord } from '../tags.js';
import { isErrorNamed } from '../aws/errors.js';
import { describeOrGone, onResource, optional, parseDocument, unlessGone, withoutMetadata } from './common.js';
import { type Child, type HandlerContext, type Listed, type LiveResource, type ResourceHandler, type Steps } from './handler.js';
import { regionInfo } from '../aws/regions.js';

const sdk = () => sdkPackage('@aws-sdk/client-s3');

/** HeadBucket answers a missing bucket with a bare 404, which the SDK names NotFound; every other call says NoSuchBucket. */
const NOT_FOUND = ['NoSuchBucket', 'NotFound'];
/** S3's page and batch limit: ListObjectVersions, ListMultipartUploads, DeleteObjects. */
const PAGE = 1000;
/** DeleteObjects batches in flight while the next page is listed. */
const DELETES_IN_FLIGHT = 4;
/** Within a sweep, every this many DeleteObjects batches the tags are re-checked (the first batch always). */
const RECHECK_EVERY = 10;
/** AbortMultipartUpload calls in flight. */
const ABORTS_IN_FLIGHT = 8;
/** GetObjectRetention / GetObjectLegalHold calls in flight while describe looks for locked versions. */
const LOCK_READS_IN_FLIGHT = 16;
/** How many locked keys describe keeps, to name them in the blocked reason. */
const LOCKED_KEYS_KEPT = 5;

/**
 * A version without a retention or a legal hold (NoSuchObjectLockConfiguration), a bucket without Object
 * Lock (InvalidRequest), a version deleted since it was listed: not locked.
 */
const NO_LOCK = ['NoSuchObjectLockConfiguration', 'InvalidRequest', 'NoSuchKey', 'NoSuchVersion'];

const VERSIONS: Pick<Child, 'kind' | 'id'> = { kind: 'object-versions', id: '*' };
const UPLOADS: Pick<Child, 'kind' | 'id'> = { kind: 'multipart-uploads', id: '*' };

/** What describe counts in the bucket (`config.Contents`). `locked*` only when Object Lock is enabled. */
interface Contents {
  readonly versions: number;
  readonly deleteMarkers: number;
  /** The sum of the versions' sizes. */
  readonly bytes: number;
  readonly multipartUploads: number;
  /** Versions with a retain-until date in the future (any mode) or a legal hold ON, when describe read them. */
  readonly lockedVersions?: number;
  readonly lockedKeys?: readonly string[];
}

/** The parts of `config` that protect, blocked, children and actions read. */
interface BucketConfig {
  readonly Versioning?: { readonly MFADelete?: string } | null;
  readonly ObjectLock?: {
    readonly ObjectLockConfiguration?: {
      readonly ObjectLockEnabled?: string;
      readonly Rule?: { readonly DefaultRetention?: { readonly Mode?: string; readonly Days?: number; readonly Years?: number } };
    };
  } | null;
  readonly Contents?: Contents;
  /** The bucket policy, parsed (null when it has none). */
  readonly Policy?: unknown;
}

interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
}

const listOf = (v: string | readonly string[] | undefined): readonly string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : v);

/** IAM's wildcards (`*`, `?`), case-insensitive for actions. */
const wildcard = (pattern: string, flags = '') => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, flags);

/** Whether an ARN pattern may match `target`: for `bucket/*` objects, any pattern that can name an object of the bucket. */
function resourceMayMatch(pattern: string, target: string): boolean {
  if (!target.endsWith('/*')) return wildcard(pattern).test(target);
  const prefix = target.slice(0, -1); // arn:aws:s3:::bucket/
  const literal = pattern.split(/[*?]/)[0] ?? '';
  return literal.length < pattern.length ? prefix.startsWith(literal) || literal.startsWith(prefix) : pattern.startsWith(prefix);
}

/**
 * The first of `actions` (on `resource`) that a Deny statement of the bucket policy may apply to, whatever
 * its principal and conditions: such a delete may be refused, and a bucket emptied whose DeleteBucket is
 * then refused has lost its data and stays. Returns the action and the statement's Sid.
 */
export function policyDenial(policy: unknown, checks: readonly { readonly action: string; readonly resource: string }[]): { action: string; sid?: string } | undefined {
  const doc = policy as { Statement?: PolicyStatement | readonly PolicyStatement[] } | null | undefined;
  const statements = doc?.Statement === undefined ? [] : Array.isArray(doc.Statement) ? (doc.Statement as readonly PolicyStatement[]) : [doc.Statement as PolicyStatement];
  for (const { action, resource } of checks) {
    for (const st of statements) {
      if (st.Effect !== 'Deny') continue;
      const actionHit = st.NotAction !== undefined ? !listOf(st.NotAction).some((a) => wildcard(a, 'i').test(action)) : listOf(st.Action).some((a) => wildcard(a, 'i').test(action));
      if (!actionHit) continue;
      const resourceHit =
        st.NotResource !== undefined ? !listOf(st.NotResource).some((p) => wildcard(p).test(resource)) : listOf(st.Resource).some((p) => resourceMayMatch(p, resource));
      if (resourceHit) return { action, ...(st.Sid ? { sid: st.Sid } : {}) };
    }
  }
  return undefined;
}

const configOf = (r: LiveResource) => r.described.config as BucketConfig;
const contentsOf = (r: LiveResource): Contents => configOf(r).Contents ?? { versions: 0, deleteMarkers: 0, bytes: 0, multipartUploads: 0 };

const s3 = (ctx: HandlerContext, region: string): Promise<S3Client> => ctx.aws.get('s3', region);

async function bucketTags(client: S3Client, Bucket: string): Promise<Tags> {
  const { GetBucketTaggingCommand } = await sdk();
  const out = await optional(['NoSuchTagSet'], () => client.send(new GetBucketTaggingCommand({ Bucket })));
  return tagListToRecord(out?.TagSet as { Key?: string; Value?: string }[] | undefined);
}

/** Awaits `work` (calls queued on `limit`); after the first failure the calls still queued are dropped. */
async function dropQueueOnFailure<R>(limit: LimitFunction, work: Promise<R>): Promise<R> {
  try {
    return await work;
  } catch (err) {
    limit.clearQueue();
    throw err;
  }
}

/** True when the version has a retain-until date in the future (either mode) or a legal hold that is ON. */
async function isLocked(client: S3Client, limit: LimitFunction, Bucket: string, v: ObjectVersion, now: number): Promise<boolean> {
  const { GetObjectLegalHoldCommand, GetObjectRetentionCommand } = await sdk();
  const input = { Bucket, Key: v.Key, VersionId: v.VersionId };
  const [retention, hold] = await Promise.all([
    limit(() => optional(NO_LOCK, () => client.send(new GetObjectRetentionCommand(input)))),
    limit(() => optional(NO_LOCK, () => client.send(new GetObjectLegalHoldCommand(input)))),
  ]);
  const until = (retention?.Retention as { RetainUntilDate?: Date | string } | undefined)?.RetainUntilDate;
  const retained = until !== undefined && new Date(until).getTime() > now;
  return retained || (hold?.LegalHold as { Status?: string } | undefined)?.Status === 'ON';
}

/**
 * Counts what the delete will remove: one full listing of the versions and delete markers (and, when
 * `lockEnabled` resolves true, which versions are locked), and the incomplete multipart uploads.
 */
async function countContents(client: S3Client, Bucket: string, lockEnabled: Promise<boolean>): Promise<Contents> {
  const { ListMultipartUploadsCommand, ListObjectVersionsCommand } = await sdk();
  // The listing does not wait for the Object Lock answer: only the first page's lock reads do.
  let checkLocks = false;
  const countVersions = async () => {
    const limit = pLimit(LOCK_READS_IN_FLIGHT);
    const now = Date.now();
    let versions = 0;
    let deleteMarkers = 0;
    let bytes = 0;
    let lockedVersions = 0;
    const lockedKeys: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (;;) {
      const [page, locks] = await Promise.all([client.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: PAGE, KeyMarker, VersionIdMarker })), lockEnabled]);
      checkLocks = locks;
      const listed = page.Versions ?? [];
      versions += listed.length;
      deleteMarkers += page.DeleteMarkers?.length ?? 0;
      for (const v of listed) bytes += v.Size ?? 0;
      if (checkLocks) {
        const locked = await dropQueueOnFailure(limit, Promise.all(listed.map((v) => isLocked(client, limit, Bucket, v, now))));
        listed.forEach((v, i) => {
          if (!locked[i]) return;
          lockedVersions++;
          if (lockedKeys.length < LOCKED_KEYS_KEPT) lockedKeys.push(v.Key ?? '');
        });
      }
      if (!page.IsTruncated) break;
      ({ NextKeyMarker: KeyMarker, NextVersionIdMarker: VersionIdMarker } = page);
    }
    return { versions, deleteMarkers, bytes, ...(checkLocks ? { lockedVersions, lockedKeys } : {}) };
  };
  const countUploads = async () => {
    let uploads = 0;
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (;;) {
      const page = await client.send(new ListMultipartUploadsCommand({ Bucket, MaxUploads: PAGE, KeyMarker, UploadIdMarker }));
      uploads += page.Uploads?.length ?? 0;
      if (!page.IsTruncated) return uploads;
      ({ NextKeyMarker: KeyMarker, NextUploadIdMarker: UploadIdMarker } = page);
    }
  };
  const [v, multipartUploads] = await Promise.all([countVersions(), countUploads()]);
  return { ...v, multipartUploads };
}

/** Aborts every incomplete multipart upload (they hold storage, and may block DeleteBucket): one step per page. */
async function abortUploads(client: S3Client, Bucket: string, steps: Steps): Promise<void> {
  const { AbortMultipartUploadCommand, ListMultipartUploadsCommand } = await sdk();
  const limit = pLimit(ABORTS_IN_FLIGHT);
  let KeyMarker: string | undefined;
  let UploadIdMarker: string | undefined;
  for (;;) {
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket, MaxUploads: PAGE, KeyMarker, UploadIdMarker }));
    const uploads = page.Uploads ?? [];
    if (uploads.length) {
      await steps.run({ name: 'abort-multipart-uploads', child: UPLOADS, done: `aborted ${uploads.length} multipart uploads` }, () =>
        dropQueueOnFailure(
          limit,
          limit.map(uploads, (u) =>
            unlessGone(['NoSuchUpload'], () => client.send(new AbortMultipartUploadCommand({ Bucket, Key: u.Key, UploadId: u.UploadId }))),
          ),
        ),
      );
    }
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

/** Key prefixes listed at once when a bucket holds more than one page of versions. */
const LISTINGS_IN_FLIGHT = 8;
/** Sweeps that find nothing while DeleteBucket still says BucketNotEmpty, before the delete fails. */
const EMPTY_BUT_NOT_EMPTY = 5;

type VersionPage = { Versions?: { Key?: string | undefined; VersionId?: string | undefined }[] | undefined; DeleteMarkers?: { Key?: string | undefined; VersionId?: string | undefined }[] | undefined };
const entriesOf = (page: VersionPage): ObjectIdentifier[] => [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key, VersionId: v.VersionId }));

/**
 * Splits a page's entries from the one its markers name (a truncated page's last), which is kept back
 * until the next page of its listing has been read: moto (5.2.5) answers a page whose `VersionIdMarker`
 * names a deleted version with nothing, and the sweep would end short of the bucket, leaving a partial
 * batch for a second one. S3 does not need it, and loses nothing by it: every batch stays full.
 */
function holdMarker(page: VersionPage & { IsTruncated?: boolean | undefined; NextKeyMarker?: string | undefined; NextVersionIdMarker?: string | undefined }): {
  entries: ObjectIdentifier[];
  marker?: ObjectIdentifier;
} {
  const entries = entriesOf(page);
  if (!page.IsTruncated) return { entries };
  const at = entries.findIndex((e) => e.Key === page.NextKeyMarker && e.VersionId === page.NextVersionIdMarker);
  if (at < 0) return { entries };
  const [marker] = entries.splice(at, 1);
  return marker ? { entries, marker } : { entries };
}

/**
 * What the sweeps of one delete have deleted of what they found (versions and delete markers), said
 * through `ctx.progress`: the total grows while a listing is under way, and is final once it is done.
 */
class Tally {
  deleted = 0;
  found = 0;
  listing = false;
  /** What was said last: a counter is said only when it changed. */
  private said = '';
  constructor(private readonly progress: HandlerContext['progress']) {}
  listed(n: number): void {
    this.found += n;
    if (n > 0) this.say();
  }
  removed(n: number): void {
    this.deleted += n;
    this.say();
  }
  say(): void {
    const now = `${this.deleted}/${this.found}/${this.listing}`;
    if (this.found === 0 || now === this.said) return;
    this.said = now;
    this.progress?.({ kind: 'counter', unit: 'object versions', done: this.deleted, total: this.found, final: !this.listing });
  }
}

/**
 * One sweep: lists every object version and delete marker and deletes them in full batches of 1,000
 * (each batch a step, a few in flight while listing goes on). A bucket of one page is one listing. A
 * larger one is listed by top-level key prefix, several prefixes at once, all feeding the same batches:
 * one serial chain of pages would be most of the time a big bucket takes. The first page is not listed
 * again. Memory stays flat: a listing waits while enough keys are waiting to be deleted. Returns how
 * many entries it found.
 */
async function sweep(client: S3Client, Bucket: string, steps: Steps, tally = new Tally(undefined)): Promise<{ found: number; onePage: boolean }> {
  tally.listing = true;
  const { ListObjectVersionsCommand } = await sdk();
  const inFlight = new Set<Promise<void>>();
  const deletes = pLimit(DELETES_IN_FLIGHT);
  let firstBatch: Promise<void> | undefined;
  let failure: { err: unknown } | undefined;
  let batches = 0;
  let found = 0;
  let pending: ObjectIdentifier[] = [];
  const submit = (batch: ObjectIdentifier[]): void => {
    const step = {
      name: 'delete-objects',
      child: VERSIONS,
      done: `deleted ${batch.length} object versions and delete markers`,
      recheck: batches++ % RECHECK_EVERY === 0,
    };
    // No batch is sent before the first has re-checked the tags (it never rejects: a failure is recorded).
    const before = firstBatch;
    const p: Promise<void> = deletes(async () => {
      await before;
      if (failure) return;
      await steps.run(step, () => deleteBatch(client, Bucket, batch));
      tally.removed(batch.length);
    })
      .catch((err: unknown) => void (failure ??= { err }))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    firstBatch ??= p;
  };
  /**
   * Takes a page's entries; sends every full batch; a listing waits while batches queue for a slot.
   * `listed` is how many of them the page found (a marker kept back is counted by the page that listed it).
   */
  const take = async (entries: ObjectIdentifier[], listed = entries.length): Promise<void> => {
    found += listed;
    tally.listed(listed);
    pending.push(...entries);
    while (pending.length >= PAGE && !failure) {
      submit(pending.slice(0, PAGE));
      pending = pending.slice(PAGE);
    }
    // The first batch re-checks the tags: once it is sent, nothing more is listed until it has said they still match.
    if (firstBatch) await firstBatch;
    while (deletes.pendingCount > 0 && !failure) await Promise.race(inFlight);
  };
  /**
   * Lists one key range page by page from its markers (all of the bucket when `Prefix` is undefined).
   * `held` is the entry the markers name, kept back by the page before: it is deleted with this page.
   * With `onlyKey`, the range is that one key's versions (`Prefix` is the key, which other keys may
   * start with): others are left to the ranges that cover them, and the listing stops at the first.
   */
  const listFrom = async (Prefix: string | undefined, KeyMarker?: string, VersionIdMarker?: string, held?: ObjectIdentifier, onlyKey?: string): Promise<void> => {
    while (!failure) {
      const page = await client.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: PAGE, Prefix, KeyMarker, VersionIdMarker }));
      let { entries, marker } = holdMarker(page);
      let more = page.IsTruncated === true;
      if (onlyKey !== undefined && (entries.some((e) => e.Key !== onlyKey) || (marker && marker.Key !== onlyKey))) {
        entries = entries.filter((e) => e.Key === onlyKey);
        marker = undefined; // keys sort in order: the page's last entry is past the key
        more = false;
      }
      await take(held ? [held, ...entries] : entries, entries.length + (marker ? 1 : 0));
      held = marker;
      if (!more) return;
      ({ NextKeyMarker: KeyMarker, NextVersionIdMarker: VersionIdMarker } = page);
    }
  };
  /** A listing that fails ends the sweep once what is in flight has settled; the others stop at their next page. */
  const failing = (err: unknown): void => void (failure ??= { err });

  const first = await client.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: PAGE }));
  const onePage = !first.IsTruncated;
  const head = holdMarker(first);
  await take(head.entries, head.entries.length + (head.marker ? 1 : 0));
  /** The first page's marker entry, handed to the one range that lists on from it (else taken at the end). */
  let firstMarker = head.marker;
  const handOver = (): ObjectIdentifier | undefined => {
    const m = firstMarker;
    firstMarker = undefined;
    return m;
  };
  // Past the first page, batches may be in flight: a listing that fails is thrown once they have settled.
  try {
    if (first.IsTruncated && !failure) {
      const marker = { key: first.NextKeyMarker ?? '', version: first.NextVersionIdMarker };
      // The top-level prefixes (and the keys outside any), in pages of 1,000 prefixes.
      const prefixes = new Set<string>(); // a page boundary at a prefix may name it twice
      let KeyMarker: string | undefined;
      for (;;) {
        const page = await client.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: PAGE, Delimiter: '/', KeyMarker }));
        // Keys outside any prefix that the first page did not already hold.
        await take(entriesOf(page).filter((e) => (e.Key ?? '') > marker.key));
        for (const c of page.CommonPrefixes ?? []) if (c.Prefix) prefixes.add(c.Prefix);
        if (!page.IsTruncated || !page.NextKeyMarker) break;
        KeyMarker = page.NextKeyMarker;
      }
      // A root-level key at the marker may have versions past the marker's: list that key on from there.
      const rootAtMarker = marker.key !== '' && !marker.key.includes('/');
      const ranges: (() => Promise<void>)[] = [];
      if (rootAtMarker) ranges.push(() => listFrom(marker.key, marker.key, marker.version, handOver(), marker.key));
      for (const prefix of prefixes) {
        if (marker.key.startsWith(prefix)) ranges.push(() => listFrom(prefix, marker.key, marker.version, handOver()));
        else if (prefix > marker.key) ranges.push(() => listFrom(prefix));
        // else: every key of the prefix sorts before the marker, so the first page held them all
      }
      const limit = pLimit(LISTINGS_IN_FLIGHT);
      await Promise.all(ranges.map((r) => limit(r).catch(failing)));
    }
    const unclaimed = handOver();
    if (unclaimed && !failure) await take([unclaimed], 0);
  } catch (err) {
    failing(err);
  }
  tally.listing = false;
  tally.say();
  if (pending.length && !failure) submit(pending);
  pending = [];
  await Promise.all(inFlight);
  if (failure) throw failure.err;
  return { found, onePage };
}

/**
 * Sweeps, then DeleteBucket, however many sweeps that takes. A sweep of more than one page is followed
 * by another until one finds nothing (on AWS one empty page): paging can lose its place once the marker
 * version is deleted (moto does). A sweep of one page saw every entry, so DeleteBucket follows it at
 * once: an object written meanwhile makes it say BucketNotEmpty, and everything is swept again from the
 * start. Only a DeleteBucket that says BucketNotEmpty after a sweep that found nothing (a listing that
 * lagged) counts towards the few attempts allowed.
 */
async function emptyAndDelete(client: S3Client, Bucket: string, steps: Steps, tally?: Tally): Promise<void> {
  const { DeleteBucketCommand } = await sdk();
  let lagging = 0;
  for (;;) {
    let swept = await sweep(client, Bucket, steps, tally);
    while (swept.found > 0 && !swept.onePage) swept = await sweep(client, Bucket, steps, tally);
    try {
      await steps.run({ name: 'delete' }, () => client.send(new DeleteBucketCommand({ Bucket })));
      return;
    } catch (err) {
      if (!isErrorNamed(err, 'BucketNotEmpty')) throw err;
      if (swept.found === 0 && ++lagging >= EMPTY_BUT_NOT_EMPTY) throw err;
    }
  }
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * A general-purpose S3 bucket. The ARN has no region: describe learns the home region from HeadBucket
 * and returns it; every later call goes to `ref.region`. Describe counts the versions, delete markers
 * and incomplete uploads, and with Object Lock enabled reads which versions are locked. Delete aborts
 * the uploads, deletes every version and delete marker (per-key errors fail it), then the bucket. Object
 * Lock (compliance mode, locked versions) and MFA delete are never bypassed: such a bucket is blocked.
 */
export const s3Bucket: ResourceHandler = {
  type: 's3:bucket',
  description: 'S3 bucket (aborts multipart uploads, deletes all object versions and delete markers, then DeleteBucket)',
  arnPattern: /^arn:[\w-]+:s3:::[^/]+$/,
  client: 's3',
  references: [],
  notFound: NOT_FOUND,
  reads: [
    'HeadBucket',
    'ListBuckets',
    'GetBucketTagging',
    'GetBucketPolicy',
    'GetBucketVersioning',
    'GetBucketLifecycleConfiguration',
    'GetBucketEncryption',
    'GetPublicAccessBlock',
    'GetBucketCors',
    'GetObjectLockConfiguration',
    'GetBucketOwnershipControls',
    'GetBucketNotificationConfiguration',
    'ListObjectVersions',
    'ListMultipartUploads',
    'GetObjectRetention',
    'GetObjectLegalHold',
  ],
  nameOf: (arn) => arn.slice(arn.indexOf(':::') + 3),
  // The Tagging API returns buckets (from any regional endpoint of the partition).
  taggingApi: true,

  /** The buckets whose home region is `region` (ListBuckets filtered by BucketRegion, 10,000 a page). */
  async list(ctx, region) {
    const { paginateListBuckets } = await sdk();
    const client = await s3(ctx, region);
    const out: Listed[] = [];
    for await (const page of paginateListBuckets({ client, pageSize: 10_000 }, { BucketRegion: region })) {
      for (const b of page.Buckets ?? []) {
        // An endpoint that ignores the filter says each bucket's region: keep only this region's.
        if (b.Name && (b.BucketRegion === undefined || b.BucketRegion === region)) out.push({ arn: `arn:${regionInfo(region)?.partition ?? "aws"}:s3:::${b.Name}` });
      }
    }
    return out;
  },

  async describe(ref, ctx) {
    const s = await sdk();
    const Bucket = ref.name;
    return describeOrGone(NOT_FOUND, async () => {
      const head = await (await s3(ctx, ref.region)).send(new s.HeadBucketCommand({ Bucket }));
      const region = head.BucketRegion ?? ref.region;
      const client = await s3(ctx, region);
      const versioned = client.send(new s.GetBucketVersioningCommand({ Bucket })).then(withoutMetadata);
      // Object Lock works only in a bucket with versioning enabled, which can then never be suspended
      // (S3 User Guide, "Locking objects with Object Lock"): a bucket that has never been versioned, or
      // whose versioning is suspended, has none, and is not asked.
      const objectLock = versioned.then((v) =>
        v.Status === 'Enabled' ? optional(['ObjectLockConfigurationNotFoundError'], () => client.send(new s.GetObjectLockConfigurationCommand({ Bucket }))) : null,
      );
      // Versions are read one by one only where that can change the answer: with Object Lock on and a
      // default rule that is not compliance mode (under which every version is retained anyway).
      const lockEnabled = objectLock.then((o) => {
        const c = o?.ObjectLockConfiguration as { ObjectLockEnabled?: string; Rule?: { DefaultRetention?: { Mode?: string } } } | undefined;
        return c?.ObjectLockEnabled === 'Enabled' && c.Rule?.DefaultRetention?.Mode !== 'COMPLIANCE';
      });
      // What the plan needs: the tags, what can block the delete (policy, versioning's MFA delete, Object
      // Lock) and what it removes (the versions). The rest is read for the backup only (backupDetails).
      const [tags, policy, versioning, lock, contents] = await Promise.all([
        bucketTags(client, Bucket),
        optional(['NoSuchBucketPolicy'], () => client.send(new s.GetBucketPolicyCommand({ Bucket }))),
        versioned,
        objectLock,
        countContents(client, Bucket, lockEnabled),
      ]);
      const config = {
        Bucket,
        Region: region,
        Tags: tags,
        Policy: policy ? parseDocument(policy.Policy as string | undefined) : null,
        Versioning: versioning,
        ObjectLock: lock,
        Contents: contents,
      };
      return { tags, config, uses: [], region };
    });
  },

  /** What re-creating it needs beyond the plan's reads: lifecycle, encryption, access, CORS, ownership, notifications. */
  async backupDetails(r, ctx) {
    const s = await sdk();
    const Bucket = r.ref.name;
    const client = await s3(ctx, r.described.region ?? r.ref.region);
    const [lifecycle, encryption, publicAccessBlock, cors, ownershipControls, notifications] = await Promise.all([
      optional(['NoSuchLifecycleConfiguration'], () => client.send(new s.GetBucketLifecycleConfigurationCommand({ Bucket }))),
      optional(['ServerSideEncryptionConfigurationNotFoundError'], () => client.send(new s.GetBucketEncryptionCommand({ Bucket }))),
      optional(['NoSuchPublicAccessBlockConfiguration'], () => client.send(new s.GetPublicAccessBlockCommand({ Bucket }))),
      optional(['NoSuchCORSConfiguration'], () => client.send(new s.GetBucketCorsCommand({ Bucket }))),
      optional(['OwnershipControlsNotFoundError'], () => client.send(new s.GetBucketOwnershipControlsCommand({ Bucket }))),
      client.send(new s.GetBucketNotificationConfigurationCommand({ Bucket })).then(withoutMetadata),
    ]);
    return { Lifecycle: lifecycle, Encryption: encryption, PublicAccessBlock: publicAccessBlock, Cors: cors, OwnershipControls: ownershipControls, Notifications: notifications };
  },

  blocked(r) {
    const { Versioning, ObjectLock, Contents, Policy } = configOf(r);
    const reasons: string[] = [];
    // Known before anything is removed: a policy that may refuse emptying it or deleting it.
    const objects = (Contents?.versions ?? 0) + (Contents?.deleteMarkers ?? 0) > 0;
    const denial = policyDenial(Policy, [
      { action: 's3:DeleteBucket', resource: r.ref.arn },
      // Every version is deleted by its id: s3:DeleteObjectVersion is what a policy can refuse.
      ...(objects ? [{ action: 's3:DeleteObjectVersion', resource: `${r.ref.arn}/*` }] : []),
    ]);
    if (denial) {
      reasons.push(`its bucket policy denies ${denial.action}${denial.sid ? ` (statement ${denial.sid})` : ''}: nothing of it is touched; remove that statement to delete it`);
    }
    const retention = ObjectLock?.ObjectLockConfiguration?.Rule?.DefaultRetention;
    if (retention?.Mode === 'COMPLIANCE' && (Contents?.versions ?? 1) > 0) {
      const term = retention.Years ? plural(retention.Years, 'year', 'years') : plural(retention.Days ?? 0, 'day', 'days');
      reasons.push(`Object Lock in compliance mode (${term}): its versions cannot be deleted before they expire`);
    }
    const locked = Contents?.lockedVersions ?? 0;
    if (locked > 0) {
      const first = Contents?.lockedKeys?.[0];
      reasons.push(`${plural(locked, 'object version is', 'object versions are')} under Object Lock or legal hold${first !== undefined ? ` (first: ${first})` : ''}`);
    }
    if (Versioning?.MFADelete === 'Enabled') reasons.push('MFA delete is enabled');
    return reasons.length ? reasons.join('; ') : undefined;
  },

  children(r) {
    const c = contentsOf(r);
    const out: Child[] = [];
    if (c.versions > 0) out.push({ ...VERSIONS, count: c.versions, lost: 'data not in the backup' });
    if (c.deleteMarkers > 0) out.push({ kind: 'delete-markers', id: '*', count: c.deleteMarkers });
    if (c.multipartUploads > 0) out.push({ ...UPLOADS, count: c.multipartUploads, lost: 'upload parts not in the backup' });
    return out;
  },

  // On the bucket and its objects (`<bucket>/*`): S3 takes no aws:ResourceTag there; a policy narrows them by bucket name.
  deleteActions: { tagged: ['s3:GetBucketTagging', 's3:ListBucketMultipartUploads', 's3:AbortMultipartUpload', 's3:ListBucketVersions', 's3:DeleteObjectVersion', 's3:DeleteBucket'] },
  actions(r) {
    const arn = r.ref.arn;
    const objects = `${arn}/*`;
    const c = contentsOf(r);
    return [
      ...onResource(arn, ['s3:GetBucketTagging', 's3:ListBucketMultipartUploads']),
      ...(c.multipartUploads > 0 ? onResource(objects, ['s3:AbortMultipartUpload']) : []),
      ...onResource(arn, ['s3:ListBucketVersions']),
      ...(c.versions + c.deleteMarkers > 0 ? onResource(objects, ['s3:DeleteObjectVersion']) : []),
      // No waiter after it: DeleteBucket answers once the bucket is gone (it is not asynchronous).
      ...onResource(arn, ['s3:DeleteBucket']),
    ];
  },

  async currentTags(ref, ctx) {
    const client = await s3(ctx, ref.region);
    return describeOrGone(NOT_FOUND, () => bucketTags(client, ref.name));
  },

  async delete(r, ctx, steps) {
    const Bucket = r.ref.name;
    const client = await s3(ctx, r.ref.region);
    await abortUploads(client, Bucket, steps);
    await emptyAndDelete(client, Bucket, steps, new Tally(ctx.progress));
  },
};
