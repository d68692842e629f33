import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, DeleteObjectCommand, ListObjectVersionsCommand, PutBucketTaggingCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateModelCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import pLimit from 'p-limit';
import { handlers } from '../src/resources/index.js';
import { motoAbsentArgs, projectRoot, startMoto, type Moto } from './lib/moto.js';
import { clientConfig } from './lib/world.js';

/**
 * `npm run bench`: how long a real cleanup takes, and how much memory it needs, against a local moto.
 * World: B versioned buckets of V object versions each, M SageMaker models and R IAM roles, all tagged.
 * Also times the per-object delete loop other tools use, on the same number of versions, for comparison.
 * Sizes: BENCH_BUCKETS, BENCH_VERSIONS, BENCH_MODELS, BENCH_ROLES.
 */

const B = Number(process.env.BENCH_BUCKETS ?? 4);
const V = Number(process.env.BENCH_VERSIONS ?? 2500);
const M = Number(process.env.BENCH_MODELS ?? 50);
const R = Number(process.env.BENCH_ROLES ?? 50);
const TAG = { Key: 'project', Value: 'bench' };
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

async function fill(moto: Moto, prefix: string, buckets: number, tagged: boolean): Promise<string[]> {
  const cfg = clientConfig(moto.url, 'us-east-1');
  const s3 = new S3Client(cfg);
  const limit = pLimit(16);
  const names: string[] = [];
  for (let b = 0; b < buckets; b++) {
    const Bucket = `${prefix}-${b}`;
    names.push(Bucket);
    await s3.send(new CreateBucketCommand({ Bucket }));
    if (tagged) await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [TAG] } }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await Promise.all(Array.from({ length: V }, (_, i) => limit(() => s3.send(new PutObjectCommand({ Bucket, Key: `data/part-${i % Math.ceil(V / 2)}.bin`, Body: 'x' })))));
  }
  s3.destroy();
  return names;
}

async function fillOthers(moto: Moto): Promise<void> {
  const cfg = clientConfig(moto.url, 'us-east-1');
  const iam = new IAMClient(cfg);
  const sm = new SageMakerClient(cfg);
  const limit = pLimit(16);
  const roles = await Promise.all(Array.from({ length: R }, (_, i) => limit(() => iam.send(new CreateRoleCommand({ RoleName: `bench-role-${i}`, AssumeRolePolicyDocument: TRUST, Tags: [TAG] })))));
  const roleArn = roles[0]?.Role?.Arn as string;
  await Promise.all(
    Array.from({ length: M }, (_, i) =>
      limit(() => sm.send(new CreateModelCommand({ ModelName: `bench-model-${i}`, ExecutionRoleArn: roleArn, PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1' }, Tags: [TAG] }))),
    ),
  );
  iam.destroy();
  sm.destroy();
}

function runCli(moto: Moto, args: string[]): Promise<{ ms: number; maxRssMb: number; code: number | null; stdout: string }> {
  const root = projectRoot();
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // /usr/bin/time reports the CLI's own peak resident memory (in KiB, on stderr's last line).
    // The types moto cannot list are assumed absent, as in the end-to-end tests (not for --help).
    const absent = args[0] === '--help' ? [] : motoAbsentArgs(handlers.map((h) => h.type));
    const child = spawn('/usr/bin/time', ['-f', '%M', process.execPath, join(root, 'bin', 'nova-cleanup.js'), ...args, ...absent], {
      env: { ...process.env, AWS_ENDPOINT_URL: moto.url, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const kib = Number(stderr.trim().split('\n').pop());
      resolve({ ms: performance.now() - started, maxRssMb: kib / 1024, code, stdout });
    });
  });
}

async function perObjectBaseline(moto: Moto, buckets: string[]): Promise<{ ms: number; calls: number }> {
  const s3 = new S3Client(clientConfig(moto.url, 'us-east-1'));
  const started = performance.now();
  let calls = 0;
  for (const Bucket of buckets) {
    // List a page from the start, delete its versions one call each, until a listing comes back empty.
    for (;;) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: 1000 }));
      const versions = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])];
      if (versions.length === 0) break;
      for (const v of versions) {
        await s3.send(new DeleteObjectCommand({ Bucket, Key: v.Key, VersionId: v.VersionId }));
        calls++;
      }
    }
  }
  s3.destroy();
  return { ms: performance.now() - started, calls };
}

const moto = await startMoto();
try {
  console.log(`world: ${B} buckets x ${V} versions, ${M} models, ${R} roles (all tagged)`);
  const t0 = performance.now();
  await fill(moto, 'bench-bucket', B, true);
  await fillOthers(moto);
  console.log(`built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const dry = await runCli(moto, ['--tag', 'project=bench', '--dry-run', '--json']);
  const backupDir = await mkdtemp(join(tmpdir(), 'nova-bench-'));
  // What the usage check costs: read from the plan document it writes.
  const planPath = join(backupDir, 'plan.json');
  await runCli(moto, ['plan', '--tag', 'project=bench', '--json', '--out', planPath]);
  const usage = (JSON.parse(await readFile(planPath, 'utf8')) as { usageCheck: { listings: number; reads: number; regions: number } }).usageCheck;
  const real = await runCli(moto, ['--tag', 'project=bench', '--yes', '--json', '--backup-dir', backupDir]);
  type Calls = { calls: number; retries: number; throttled: number; byOperation: Record<string, number> };
  const report = JSON.parse(real.stdout) as { summary: { deleted: number; failed: number }; calls: Calls };
  const dryCalls = (JSON.parse(dry.stdout) as { calls: Calls }).calls;
  const help = await runCli(moto, ['--help']);

  const baseBuckets = await fill(moto, 'baseline-bucket', 1, false);
  const base = await perObjectBaseline(moto, baseBuckets);
  const nova1 = await fill(moto, 'nova-one-bucket', 1, true);
  const one = await runCli(moto, ['--tag', 'project=bench', '--include-type', 's3:bucket', '--yes', '--json', '--backup-dir', backupDir]);

  const rows = [
    ['startup (`--help`)', `${help.ms.toFixed(0)} ms`, `${help.maxRssMb.toFixed(0)} MiB`],
    [`dry run (${B + M + R} resources)`, `${(dry.ms / 1000).toFixed(2)} s`, `${dry.maxRssMb.toFixed(0)} MiB`],
    [`full cleanup (${report.summary.deleted} deleted, ${report.summary.failed} failed, ${B * V} object versions)`, `${(real.ms / 1000).toFixed(2)} s`, `${real.maxRssMb.toFixed(0)} MiB`],
    [`one bucket, ${V} versions: nova-cleanup (${nova1.length} bucket, DeleteObjects batches)`, `${(one.ms / 1000).toFixed(2)} s`, `${one.maxRssMb.toFixed(0)} MiB`],
    [`one bucket, ${V} versions: per-object DeleteObject loop (${base.calls} calls)`, `${(base.ms / 1000).toFixed(2)} s`, '-'],
  ];
  console.log('\n| run | wall time | peak RSS |\n| --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(
    `\nusage check (who uses the ${R} roles and ${M} models): ${usage.listings} listings over ${usage.regions} regions ` +
      `(${(usage.listings / usage.regions).toFixed(1)} per region), ${usage.reads} single reads of resources discovery had not read; ` +
      `no call per role`,
  );
  // The calls each run made, counted by the CLI's own middleware (the --json report's `calls`).
  const byService = (c: Calls): string => {
    const out = new Map<string, number>();
    for (const [op, n] of Object.entries(c.byOperation)) out.set(op.split(':')[0] as string, (out.get(op.split(':')[0] as string) ?? 0) + n);
    return [...out].sort((a, b) => b[1] - a[1]).map(([svc, n]) => `${svc} ${n}`).join(', ');
  };
  for (const [name, c] of [['dry run', dryCalls], ['full cleanup', report.calls]] as const) {
    console.log(`${name}: ${c.calls} AWS calls (${c.retries} retries, ${c.throttled} throttled): ${byService(c)}`);
  }
  if (real.code !== 0 || one.code !== 0) {
    console.error(`a cleanup exited with ${real.code}/${one.code}`);
    process.exitCode = 1;
  }
} finally {
  await moto.stop();
}
