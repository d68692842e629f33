import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand, ListTagsForResourceCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPolicyTagsCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { clientConfig } from '../../scripts/lib/world.js';
import type { Report } from '../../src/model.js';
import type { RestoreReport } from '../../src/restore/report.js';
import { describeWithMoto, runCli } from './harness.js';

const R = 'us-east-1';
const TAG = { Key: 'project', Value: 'restore-demo' };
const TAGS = [TAG, { Key: 'owner', Value: 'ml-team' }];
const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com', 'sagemaker.amazonaws.com'] }, Action: 'sts:AssumeRole' }] };
const READ = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };
const LOGS = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }] };
/** An empty zip archive. */
const ZIP = Uint8Array.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);

interface Clients {
  iam: IAMClient;
  lambda: LambdaClient;
  logs: CloudWatchLogsClient;
  sm: SageMakerClient;
  s3: S3Client;
}

const doc = (text: string | undefined): unknown => (text ? (JSON.parse(decodeURIComponent(text)) as unknown) : undefined);
const sortTags = (tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined) => [...(tags ?? [])].sort((a, b) => (a.Key ?? '').localeCompare(b.Key ?? ''));

/** A role with a managed and an inline policy, a function using it, a log group, a model + config + endpoint, a bucket. */
async function buildSmallWorld(c: Clients): Promise<void> {
  const policy = await c.iam.send(new CreatePolicyCommand({ PolicyName: 'restore-demo-read', Path: '/', Description: 'read', PolicyDocument: JSON.stringify(READ), Tags: TAGS }));
  const role = await c.iam.send(
    new CreateRoleCommand({ RoleName: 'restore-demo-exec', Path: '/service-role/', AssumeRolePolicyDocument: JSON.stringify(TRUST), Description: 'exec role', MaxSessionDuration: 7200, Tags: TAGS }),
  );
  await c.iam.send(new AttachRolePolicyCommand({ RoleName: 'restore-demo-exec', PolicyArn: policy.Policy?.Arn }));
  await c.iam.send(new PutRolePolicyCommand({ RoleName: 'restore-demo-exec', PolicyName: 'inline-logs', PolicyDocument: JSON.stringify(LOGS) }));
  const roleArn = role.Role?.Arn as string;
  await c.lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'restore-demo-fn',
      Runtime: 'python3.12',
      Role: roleArn,
      Handler: 'index.handler',
      Code: { ZipFile: ZIP },
      Timeout: 30,
      MemorySize: 256,
      Description: 'preprocess',
      Environment: { Variables: { STAGE: 'dev' } },
      Tags: { project: 'restore-demo' },
    }),
  );
  await c.logs.send(new CreateLogGroupCommand({ logGroupName: '/restore-demo/app', tags: { project: 'restore-demo' } }));
  await c.logs.send(new PutRetentionPolicyCommand({ logGroupName: '/restore-demo/app', retentionInDays: 14 }));
  await c.sm.send(new CreateModelCommand({ ModelName: 'restore-demo-model', ExecutionRoleArn: roleArn, PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/nova:1' }, Tags: TAGS }));
  await c.sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: 'restore-demo-config',
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'restore-demo-model', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }],
      Tags: TAGS,
    }),
  );
  await c.sm.send(new CreateEndpointCommand({ EndpointName: 'restore-demo-endpoint', EndpointConfigName: 'restore-demo-config', Tags: TAGS }));
  await c.s3.send(new CreateBucketCommand({ Bucket: 'restore-demo-bucket' }));
  await c.s3.send(new PutBucketTaggingCommand({ Bucket: 'restore-demo-bucket', Tagging: { TagSet: TAGS } }));
  await c.s3.send(new PutBucketVersioningCommand({ Bucket: 'restore-demo-bucket', VersioningConfiguration: { Status: 'Enabled' } }));
  await c.s3.send(
    new PutPublicAccessBlockCommand({ Bucket: 'restore-demo-bucket', PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false } }),
  );
  const bucketPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::restore-demo-bucket/locked/*' }] };
  await c.s3.send(new PutBucketPolicyCommand({ Bucket: 'restore-demo-bucket', Policy: JSON.stringify(bucketPolicy) }));
  await c.s3.send(new PutObjectCommand({ Bucket: 'restore-demo-bucket', Key: 'data/a.txt', Body: 'weights' }));
}

/** The configurations that matter, as the services answer them now. */
async function state(c: Clients) {
  const role = (await c.iam.send(new GetRoleCommand({ RoleName: 'restore-demo-exec' }))).Role;
  const attached = (await c.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'restore-demo-exec' }))).AttachedPolicies;
  const inline = (await c.iam.send(new ListRolePoliciesCommand({ RoleName: 'restore-demo-exec' }))).PolicyNames ?? [];
  const inlineDocs = await Promise.all(inline.map(async (PolicyName) => doc((await c.iam.send(new GetRolePolicyCommand({ RoleName: 'restore-demo-exec', PolicyName }))).PolicyDocument)));
  const policyArn = attached?.[0]?.PolicyArn as string;
  const policy = (await c.iam.send(new GetPolicyCommand({ PolicyArn: policyArn }))).Policy;
  const version = (await c.iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: policy?.DefaultVersionId }))).PolicyVersion;
  const policyTags = (await c.iam.send(new ListPolicyTagsCommand({ PolicyArn: policyArn }))).Tags;
  const fn = await c.lambda.send(new GetFunctionCommand({ FunctionName: 'restore-demo-fn' }));
  const f = fn.Configuration;
  const group = (await c.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/restore-demo/app' }))).logGroups?.[0];
  const groupTags = (await c.logs.send(new ListTagsForResourceCommand({ resourceArn: (group?.arn ?? '').replace(/:\*$/, '') }))).tags;
  const model = await c.sm.send(new DescribeModelCommand({ ModelName: 'restore-demo-model' }));
  const config = await c.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'restore-demo-config' }));
  const endpoint = await c.sm.send(new DescribeEndpointCommand({ EndpointName: 'restore-demo-endpoint' }));
  const smTags = async (arn: string | undefined) => sortTags((await c.sm.send(new ListTagsCommand({ ResourceArn: arn }))).Tags);
  const Bucket = 'restore-demo-bucket';
  return {
    role: {
      Path: role?.Path,
      Arn: role?.Arn,
      Description: role?.Description,
      MaxSessionDuration: role?.MaxSessionDuration,
      trust: doc(role?.AssumeRolePolicyDocument as string | undefined) ?? role?.AssumeRolePolicyDocument,
      tags: sortTags(role?.Tags),
      attached,
      inline: inline.map((name, i) => [name, inlineDocs[i]]),
    },
    policy: { Arn: policy?.Arn, Path: policy?.Path, Description: policy?.Description, document: doc(version?.Document), tags: sortTags(policyTags) },
    fn: { Role: f?.Role, Runtime: f?.Runtime, Handler: f?.Handler, Timeout: f?.Timeout, MemorySize: f?.MemorySize, Description: f?.Description, Environment: f?.Environment, CodeSha256: f?.CodeSha256, tags: fn.Tags },
    group: { name: group?.logGroupName, retention: group?.retentionInDays, tags: groupTags },
    model: { role: model.ExecutionRoleArn, container: model.PrimaryContainer?.Image, tags: await smTags(model.ModelArn) },
    config: { variants: config.ProductionVariants?.map((v) => [v.VariantName, v.ModelName, v.InstanceType, v.InitialInstanceCount]), tags: await smTags(config.EndpointConfigArn) },
    endpoint: { config: endpoint.EndpointConfigName, tags: await smTags(endpoint.EndpointArn) },
    bucket: {
      versioning: (await c.s3.send(new GetBucketVersioningCommand({ Bucket }))).Status,
      tags: sortTags((await c.s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet),
      policy: JSON.parse((await c.s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy ?? 'null') as unknown,
      publicAccessBlock: (await c.s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration,
    },
  };
}

/**
 * moto's GetFunction gives a download link on the real S3 host (awslambda-<region>-tasks.s3...), which
 * cannot be reached here: the backup records the package as not saved. The test puts the package where
 * a run against AWS saves it (`<backup>.files/`), and records it in the backup as such a run does.
 */
async function placePackage(backup: string): Promise<void> {
  const files = backup.replace(/\.json$/, '.files');
  await mkdir(files, { recursive: true, mode: 0o700 });
  await writeFile(join(files, 'restore-demo-fn-package.zip'), ZIP, { mode: 0o600 });
  const doc = JSON.parse(await readFile(backup, 'utf8')) as { resources: { type: string; artifacts: unknown[] }[] };
  const fn = doc.resources.find((r) => r.type === 'lambda:function');
  expect(fn?.artifacts).toEqual([{ name: '*', error: expect.stringMatching(/download failed/) }]);
  if (fn) fn.artifacts = [{ name: 'package.zip', path: join(basename(files), 'restore-demo-fn-package.zip'), sha256: createHash('sha256').update(ZIP).digest('hex'), bytes: ZIP.byteLength }];
  await writeFile(backup, JSON.stringify(doc, null, 2));
}

describeWithMoto('restore against moto', (moto) => {
  let c: Clients;
  let backupDir: string;

  beforeEach(async () => {
    await moto().reset();
    const cfg = clientConfig(moto().url, R);
    c = { iam: new IAMClient(cfg), lambda: new LambdaClient(cfg), logs: new CloudWatchLogsClient(cfg), sm: new SageMakerClient(cfg), s3: new S3Client(cfg) };
    backupDir = await mkdtemp(join(tmpdir(), 'nova-restore-e2e-'));
  });

  it('deletes a small world with the CLI, restores it from the backup, and the configurations match', async () => {
    await buildSmallWorld(c);
    const before = await state(c);
    // What the comparison covers is really there before the delete.
    expect(before.role).toMatchObject({ Path: '/service-role/', Description: 'exec role', MaxSessionDuration: 7200, trust: TRUST, inline: [['inline-logs', LOGS]] });
    expect(before.role.tags).toHaveLength(2);
    expect(before.role.attached?.map((p) => p.PolicyName)).toEqual(['restore-demo-read']);
    expect(before.policy).toMatchObject({ Description: 'read', document: READ });
    expect(before.policy.tags).toHaveLength(2);
    expect(before.fn).toMatchObject({ Timeout: 30, MemorySize: 256, Environment: { Variables: { STAGE: 'dev' } }, tags: { project: 'restore-demo' } });
    expect(before.group).toMatchObject({ retention: 14, tags: { project: 'restore-demo' } });
    expect(before.model.tags).toHaveLength(2);
    expect(before.endpoint).toMatchObject({ config: 'restore-demo-config' });
    expect(before.bucket).toMatchObject({ versioning: 'Enabled', publicAccessBlock: { BlockPublicPolicy: false } });
    expect(before.bucket.tags).toHaveLength(2);
    expect(JSON.stringify(before.bucket.policy)).toContain('locked/*');

    const clean = await runCli(['--tag', 'project=restore-demo', '--region', R, '--yes', '--json', '--backup-dir', backupDir], { moto: moto() });
    expect(clean.stderr).not.toMatch(/unexpected error/);
    expect(clean.code).toBe(0);
    const cleaned = JSON.parse(clean.stdout) as Report;
    expect(cleaned.summary.deleted).toBe(8);
    const backup = cleaned.backupPath as string;
    await placePackage(backup);
    await expect(c.iam.send(new GetRoleCommand({ RoleName: 'restore-demo-exec' }))).rejects.toThrow();

    // A dry run reads only: it lists what would come back, and the role is still absent after it.
    const dry = await runCli(['restore', backup, '--dry-run', '--json'], { moto: moto() });
    expect(dry.stderr).not.toMatch(/unexpected error/);
    expect(dry.code).toBe(0);
    expect((JSON.parse(dry.stdout) as RestoreReport).summary).toMatchObject({ planned: 8, restored: 0, failed: 0 });
    await expect(c.iam.send(new GetRoleCommand({ RoleName: 'restore-demo-exec' }))).rejects.toThrow();

    // Without a terminal and without --yes: refused, exit 2.
    const refused = await runCli(['restore', backup], { moto: moto() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing to restore without confirmation/);

    const r = await runCli(['restore', backup, '--yes', '--json'], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    const report = JSON.parse(r.stdout) as RestoreReport;
    expect(report.resources.filter((o) => o.status !== 'restored')).toEqual([]);
    expect(r.code).toBe(0);
    const bucket = report.resources.find((o) => o.type === 's3:bucket');
    expect(bucket?.notRestored.join()).toMatch(/object versions .*not in the backup/);

    expect(await state(c)).toEqual(before);

    // Again: everything exists, nothing is touched.
    const again = await runCli(['restore', backup, '--yes', '--json'], { moto: moto() });
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout) as RestoreReport;
    expect(second.summary).toMatchObject({ exists: 8, restored: 0, failed: 0 });
    expect(second.resources[0]?.reason).toBe('exists; left as it is');
  });

  it('refuses a corrupted backup with exit 2', async () => {
    const path = join(backupDir, 'broken.json');
    await writeFile(path, '{"format":"nova-cleanup-backup","version":2,');
    const r = await runCli(['restore', path, '--yes'], { moto: moto() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not valid JSON/);
  });
});
