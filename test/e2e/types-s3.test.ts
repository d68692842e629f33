import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { clientConfig } from '../../scripts/lib/world.js';
import type { Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';

const REGION = 'us-east-1';
const BUCKET = 'nova-s3-e2e-versions';
/** Per top-level prefix: keys, and delete markers stacked on each key (each key: 1 version + that many markers). */
const PREFIXES = { 'a/': { keys: 100, markers: 6 }, 'b/': { keys: 100, markers: 6 }, 'c/': { keys: 100, markers: 5 } };
/** 100 × 7 + 100 × 7 + 100 × 6. */
const ENTRIES = 2000;

describeWithMoto('s3:bucket on moto: a versioned bucket of several pages', (moto) => {
  let s3: S3Client;
  let backupDir: string;

  beforeEach(async () => {
    await moto().reset();
    s3 = new S3Client(clientConfig(moto().url, REGION));
    backupDir = await mkdtemp(join(tmpdir(), 'nova-s3-'));
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: BUCKET, Tagging: { TagSet: [{ Key: 'project', Value: 's3-e2e' }] } }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    const limit = pLimit(16);
    const keys = Object.entries(PREFIXES).flatMap(([p, n]) => Array.from({ length: n.keys }, (_, i) => ({ Key: `${p}part-${String(i).padStart(3, '0')}`, markers: n.markers })));
    await Promise.all(keys.map((k) => limit(() => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: k.Key, Body: 'x' })))));
    // DeleteObjects without version ids: one more delete marker on each key named.
    for (let round = 0; round < Math.max(...keys.map((k) => k.markers)); round++) {
      const Objects = keys.filter((k) => k.markers > round).map((k) => ({ Key: k.Key }));
      await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects, Quiet: true } }));
    }
  });
  afterEach(() => s3.destroy());

  it(`empties ${ENTRIES} versions and delete markers in one sweep of full batches (moto loses its place at a deleted marker version), then deletes it`, async () => {
    // The world is what the test says it is: every entry listed once, in pages of 1,000.
    let listed = 0;
    let page: { KeyMarker?: string | undefined; VersionIdMarker?: string | undefined } = {};
    for (;;) {
      const out = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, MaxKeys: 1000, ...page }));
      listed += (out.Versions?.length ?? 0) + (out.DeleteMarkers?.length ?? 0);
      if (!out.IsTruncated) break;
      page = { KeyMarker: out.NextKeyMarker, VersionIdMarker: out.NextVersionIdMarker };
    }
    expect(listed).toBe(ENTRIES);

    const r = await runCli(['--tag', 'project=s3-e2e', '--region', REGION, '--yes', '--json', '--backup-dir', backupDir], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.resources.filter((o) => o.type === 's3:bucket').map((o) => [o.name, o.status])).toEqual([[BUCKET, 'deleted']]);
    // ⌈2,000 / 1,000⌉: the first sweep saw every entry, and every batch was full.
    expect(report.calls?.byOperation['s3:DeleteObjects']).toBe(ENTRIES / 1000);
    await expect(s3.send(new HeadBucketCommand({ Bucket: BUCKET }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });
});
