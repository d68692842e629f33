import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, GetPolicyCommand, GetRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateEventSourceMappingCommand, CreateFunctionCommand, GetFunctionConfigurationCommand, LambdaClient, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
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
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import type { BackupEntry } from '../../src/backup/backup.js';
import { sealPlan } from '../../src/backup/plan-file.js';
import type { CommandDeps } from '../../src/commands/clean.js';
import { runRestore, type RestoreOptions } from '../../src/commands/restore.js';
import { ExitCode, NovaError } from '../../src/errors.js';
import type { PlanItem } from '../../src/plan/document.js';
import { renderRestoreReport, type RestoreReport } from '../../src/restore/report.js';
import { registry } from '../../src/resources/index.js';
import { awsError } from '../helpers/context.js';
import { RecordingUi } from '../helpers/fakes.js';

const ACCOUNT = '123456789012';
const R = 'us-east-1';
// IAM last: the order checks across clients rest on sinon's global call ids, not on this order.
const mocks = {
  sts: mockClient(STSClient),
  sagemaker: mockClient(SageMakerClient),
  lambda: mockClient(LambdaClient),
  logs: mockClient(CloudWatchLogsClient),
  s3: mockClient(S3Client),
  iam: mockClient(IAMClient),
};
const TAGS = { project: 'nova' };
const PACKAGE = Buffer.from('PK fake zip bytes');
const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const DOC = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };

const arns = {
  policy: `arn:aws:iam::${ACCOUNT}:policy/nova-read`,
  role: `arn:aws:iam::${ACCOUNT}:role/service-role/nova-exec`,
  fn: `arn:aws:lambda:${R}:${ACCOUNT}:function:nova-fn`,
  group: `arn:aws:logs:${R}:${ACCOUNT}:log-group:/nova/app`,
  model: `arn:aws:sagemaker:${R}:${ACCOUNT}:model/nova-model`,
  config: `arn:aws:sagemaker:${R}:${ACCOUNT}:endpoint-config/nova-config`,
  endpoint: `arn:aws:sagemaker:${R}:${ACCOUNT}:endpoint/nova-endpoint`,
  bucket: 'arn:aws:s3:::nova-bucket',
  repo: `arn:aws:ecr:${R}:${ACCOUNT}:repository/nova-repo`,
};

let dir: string;
const clients: AwsClients[] = [];

function entries(): Omit<BackupEntry, 'artifacts'>[] {
  const e = (arn: string, type: string, name: string, config: Record<string, unknown>) => ({ arn, type, region: R, name, tags: TAGS, config });
  return [
    // Listed users first: restore orders them itself.
    e(arns.endpoint, 'sagemaker:endpoint', 'nova-endpoint', { EndpointName: 'nova-endpoint', EndpointConfigName: 'nova-config', EndpointStatus: 'InService' }),
    e(arns.config, 'sagemaker:endpoint-config', 'nova-config', {
      EndpointConfigName: 'nova-config',
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'nova-model', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }],
      KmsKeyId: null,
    }),
    e(arns.model, 'sagemaker:model', 'nova-model', { ModelName: 'nova-model', ExecutionRoleArn: arns.role, PrimaryContainer: { Image: 'img:1' }, CreationTime: '2024-01-01T00:00:00Z' }),
    e(arns.fn, 'lambda:function', 'nova-fn', {
      Configuration: {
        FunctionName: 'nova-fn',
        Runtime: 'python3.12',
        Role: arns.role,
        Handler: 'index.handler',
        Timeout: 30,
        MemorySize: 256,
        PackageType: 'Zip',
        Environment: { Variables: { STAGE: 'dev' } },
        Architectures: ['x86_64'],
      },
      Code: { RepositoryType: 'S3', Location: 'https://expired' },
      Concurrency: { ReservedConcurrentExecutions: 3 },
      EventSourceMappings: [{ UUID: 'u-1', EventSourceArn: `arn:aws:sqs:${R}:${ACCOUNT}:jobs`, BatchSize: 10, State: 'Enabled' }],
      Policy: null,
      Aliases: [],
      Versions: [],
      FunctionUrlConfig: null,
    }),
    e(arns.role, 'iam:role', 'nova-exec', {
      Role: {
        RoleName: 'nova-exec',
        Path: '/service-role/',
        Arn: arns.role,
        AssumeRolePolicyDocument: TRUST,
        Description: 'exec',
        MaxSessionDuration: 7200,
        PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: arns.policy },
      },
      AttachedPolicies: [{ PolicyArn: arns.policy, PolicyName: 'nova-read', Document: DOC }],
      InlinePolicies: [{ PolicyName: 'inline-logs', PolicyDocument: DOC }],
      InstanceProfiles: [],
      Tags: TAGS,
    }),
    e(arns.policy, 'iam:policy', 'nova-read', {
      Policy: { PolicyName: 'nova-read', Path: '/', Description: 'read', DefaultVersionId: 'v2' },
      Versions: [
        { VersionId: 'v2', IsDefaultVersion: true, Document: DOC },
        { VersionId: 'v1', IsDefaultVersion: false, Document: {} },
      ],
    }),
    e(arns.group, 'logs:log-group', '/nova/app', { logGroupName: '/nova/app', retentionInDays: 14, storedBytes: 2048 }),
    e(arns.bucket, 's3:bucket', 'nova-bucket', {
      Bucket: 'nova-bucket',
      Region: R,
      Policy: DOC,
      Versioning: { Status: 'Enabled' },
      Encryption: { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } },
      PublicAccessBlock: { PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false } },
      Lifecycle: null,
      Cors: null,
      Notifications: {},
      Contents: { versions: 5, deleteMarkers: 0, bytes: 100, multipartUploads: 0 },
    }),
    e(arns.repo, 'ecr:repository', 'nova-repo', { repositoryName: 'nova-repo' }),
  ];
}

function item(e: Omit<BackupEntry, 'artifacts'>, usesInPlan: string[] = []): PlanItem {
  const ref = { arn: e.arn, type: e.type, region: e.region, account: ACCOUNT, partition: 'aws', name: e.name };
  return { ref, tags: e.tags, config: e.config, uses: usesInPlan, children: [], layer: 0, usedBy: [], usesInPlan, rule: 'delete', reason: 'test' };
}

/** Writes a backup (with a valid sealed plan) and the function's package beside it; returns its path. */
function writeBackup(change: (doc: Record<string, unknown>) => void = () => undefined, packageBytes = PACKAGE): string {
  const list = entries();
  const plan = sealPlan({
    format: 'nova-cleanup-plan',
    version: 1,
    tool: { name: 'nova-cleanup', version: '0.1.0' },
    createdAt: '2024-05-06T07:08:09.123Z',
    account: ACCOUNT,
    principal: `arn:aws:iam::${ACCOUNT}:user/tester`,
    partition: 'aws',
    regions: [R],
    examinedRegions: [R],
    filters: [{ key: 'project', values: ['nova'] }],
    types: { include: [], exclude: [] },
    discovery: 'tagging',
    settings: { deleteSharedLogGroups: false, deleteStudioEfs: false },
    items: list.map((e) => item(e, e.arn === arns.fn || e.arn === arns.model ? [arns.role] : e.arn === arns.role ? [arns.policy] : [])),
    notPlanned: [],
    permissions: { status: 'allowed', checked: 1, calls: 1 },
    usageCheck: { listings: 0, reads: 0, regions: 1 },
  });
  mkdirSync(join(dir, 'run.files'));
  writeFileSync(join(dir, 'run.files', 'pkg.zip'), packageBytes);
  const sha256 = createHash('sha256').update(PACKAGE).digest('hex');
  const doc: Record<string, unknown> = {
    format: 'nova-cleanup-backup',
    version: 2,
    runId: 'run-1234',
    createdAt: '2024-05-06T07:08:10.000Z',
    plan,
    resources: list.map((e) => ({ ...structuredClone(e), artifacts: e.arn === arns.fn ? [{ name: 'package.zip', path: 'run.files/pkg.zip', sha256, bytes: PACKAGE.length }] : [] })),
  };
  change(doc);
  const path = join(dir, 'run.json');
  writeFileSync(path, JSON.stringify(doc, null, 2));
  return path;
}

const options = (file: string, o: Partial<RestoreOptions> = {}): RestoreOptions => ({ file, only: [], dryRun: false, yes: true, json: false, waitTimeout: 60, ...o });

function deps(ui: RecordingUi, extra: Partial<CommandDeps> = {}): CommandDeps {
  const aws = new AwsClients({ maxAttempts: 1 });
  clients.push(aws);
  return { ui, interactiveTerminal: false, signal: new AbortController().signal, registry, aws, ...extra };
}

const reportOf = (ui: RecordingUi): RestoreReport => {
  const r = ui.calls.flatMap((c) => (c.kind === 'restoreReport' ? [c.report] : [])).at(-1);
  if (!r) throw new Error('no restore report');
  return r;
};
const statusOf = (r: RestoreReport) => Object.fromEntries(r.resources.map((o) => [o.name, o.status]));

/** Every command sent to any mocked client, in the order sent (sinon's callId is global). */
function sent(): string[] {
  const calls: { callId: number; args: readonly unknown[] }[] = [];
  for (const m of Object.values(mocks)) calls.push(...(m.send.getCalls() as unknown as { callId: number; args: readonly unknown[] }[]));
  return calls.sort((a, b) => a.callId - b.callId).map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
}
const MUTATING = /^(Create|Put|Attach|Tag)/;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nova-restore-'));
  for (const m of Object.values(mocks)) m.reset();
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/tester`, UserId: 'AID' });
  // Nothing exists: every existence check says not found.
  mocks.iam.on(GetRoleCommand).rejects(awsError('NoSuchEntity', 'no role', 404)).on(GetPolicyCommand).rejects(awsError('NoSuchEntity', 'no policy', 404));
  mocks.lambda.on(GetFunctionConfigurationCommand).rejects(awsError('ResourceNotFoundException', 'no function', 404));
  mocks.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: '/nova/app-other' }] });
  const missing = awsError('ValidationException', 'Could not find');
  mocks.sagemaker.on(DescribeModelCommand).rejects(missing).on(DescribeEndpointConfigCommand).rejects(missing).on(DescribeEndpointCommand).rejects(missing);
  mocks.s3.on(HeadBucketCommand).rejects(awsError('NotFound', '', 404));
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  rmSync(dir, { recursive: true, force: true });
});

describe('runRestore', () => {
  it('re-creates every restorable type in dependency order, with the configuration the backup holds', async () => {
    const ui = new RecordingUi();
    expect(await runRestore(options(writeBackup()), deps(ui))).toBe(ExitCode.Ok);
    const report = reportOf(ui);
    expect(statusOf(report)).toEqual({
      'nova-read': 'restored',
      'nova-exec': 'restored',
      '/nova/app': 'restored',
      'nova-bucket': 'restored',
      'nova-fn': 'restored',
      'nova-model': 'restored',
      'nova-config': 'restored',
      'nova-endpoint': 'restored',
      'nova-repo': 'not-restorable',
    });
    expect(report.resources.find((o) => o.name === 'nova-repo')?.reason).toMatch(/does not handle ecr:repository/);

    const order = sent().filter((c) => MUTATING.test(c));
    const at = (c: string) => order.indexOf(c);
    expect(at('CreatePolicy')).toBeLessThan(at('CreateRole'));
    expect(at('AttachRolePolicy')).toBeLessThan(at('CreateFunction'));
    expect(at('CreateRole')).toBeLessThan(at('CreateModel'));
    expect(at('CreateModel')).toBeLessThan(at('CreateEndpointConfig'));
    expect(at('CreateEndpointConfig')).toBeLessThan(at('CreateEndpoint'));

    expect(mocks.iam.commandCalls(CreatePolicyCommand)[0]?.args[0].input).toEqual({
      PolicyName: 'nova-read',
      Path: '/',
      Description: 'read',
      PolicyDocument: JSON.stringify(DOC),
      Tags: [{ Key: 'project', Value: 'nova' }],
    });
    expect(mocks.iam.commandCalls(CreateRoleCommand)[0]?.args[0].input).toEqual({
      RoleName: 'nova-exec',
      Path: '/service-role/',
      AssumeRolePolicyDocument: JSON.stringify(TRUST),
      Description: 'exec',
      MaxSessionDuration: 7200,
      PermissionsBoundary: arns.policy,
      Tags: [{ Key: 'project', Value: 'nova' }],
    });
    expect(mocks.iam.commandCalls(AttachRolePolicyCommand)[0]?.args[0].input).toEqual({ RoleName: 'nova-exec', PolicyArn: arns.policy });
    expect(mocks.iam.commandCalls(PutRolePolicyCommand)[0]?.args[0].input).toEqual({ RoleName: 'nova-exec', PolicyName: 'inline-logs', PolicyDocument: JSON.stringify(DOC) });

    const fn = mocks.lambda.commandCalls(CreateFunctionCommand)[0]?.args[0].input;
    expect(fn).toMatchObject({ FunctionName: 'nova-fn', Role: arns.role, Runtime: 'python3.12', Handler: 'index.handler', Timeout: 30, MemorySize: 256, Environment: { Variables: { STAGE: 'dev' } }, Tags: TAGS });
    expect(Buffer.from(fn?.Code?.ZipFile ?? new Uint8Array())).toEqual(PACKAGE);
    expect(mocks.lambda.commandCalls(PutFunctionConcurrencyCommand)[0]?.args[0].input).toEqual({ FunctionName: 'nova-fn', ReservedConcurrentExecutions: 3 });
    expect(mocks.lambda.commandCalls(CreateEventSourceMappingCommand)[0]?.args[0].input).toEqual({ FunctionName: 'nova-fn', EventSourceArn: `arn:aws:sqs:${R}:${ACCOUNT}:jobs`, Enabled: true, BatchSize: 10 });

    expect(mocks.logs.commandCalls(CreateLogGroupCommand)[0]?.args[0].input).toEqual({ logGroupName: '/nova/app', tags: TAGS });
    expect(mocks.logs.commandCalls(PutRetentionPolicyCommand)[0]?.args[0].input).toEqual({ logGroupName: '/nova/app', retentionInDays: 14 });

    expect(mocks.sagemaker.commandCalls(CreateModelCommand)[0]?.args[0].input).toEqual({ ModelName: 'nova-model', ExecutionRoleArn: arns.role, PrimaryContainer: { Image: 'img:1' }, Tags: [{ Key: 'project', Value: 'nova' }] });
    expect(mocks.sagemaker.commandCalls(CreateEndpointConfigCommand)[0]?.args[0].input).toMatchObject({ EndpointConfigName: 'nova-config', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'nova-model' }] });
    expect(mocks.sagemaker.commandCalls(CreateEndpointConfigCommand)[0]?.args[0].input).not.toHaveProperty('KmsKeyId');
    expect(mocks.sagemaker.commandCalls(CreateEndpointCommand)[0]?.args[0].input).toEqual({ EndpointName: 'nova-endpoint', EndpointConfigName: 'nova-config', Tags: [{ Key: 'project', Value: 'nova' }] });

    expect(mocks.s3.commandCalls(CreateBucketCommand)[0]?.args[0].input).toEqual({ Bucket: 'nova-bucket' });
    expect(mocks.s3.commandCalls(PutBucketTaggingCommand)[0]?.args[0].input).toEqual({ Bucket: 'nova-bucket', Tagging: { TagSet: [{ Key: 'project', Value: 'nova' }] } });
    expect(mocks.s3.commandCalls(PutBucketVersioningCommand)[0]?.args[0].input).toEqual({ Bucket: 'nova-bucket', VersioningConfiguration: { Status: 'Enabled' } });
    expect(mocks.s3.commandCalls(PutBucketEncryptionCommand)).toHaveLength(1);
    // The public access block goes on before the policy (a new bucket blocks public policies).
    expect(at('PutPublicAccessBlock')).toBeLessThan(at('PutBucketPolicy'));
    expect(mocks.s3.commandCalls(PutPublicAccessBlockCommand)[0]?.args[0].input.PublicAccessBlockConfiguration?.BlockPublicPolicy).toBe(false);
    expect(mocks.s3.commandCalls(PutBucketPolicyCommand)[0]?.args[0].input.Policy).toBe(JSON.stringify(DOC));

    // What cannot come back is said, per resource.
    const lost = (name: string) => report.resources.find((o) => o.name === name)?.notRestored ?? [];
    expect(lost('nova-bucket').join()).toMatch(/5 object versions .*not in the backup/);
    expect(lost('/nova/app').join()).toMatch(/log events \(2048 bytes\)/);
    expect(lost('nova-read').join()).toMatch(/1 non-default policy versions/);
    const text = renderRestoreReport(report).join('\n');
    expect(text).toMatch(/restored\s+iam:role\s+nova-exec/);
    expect(text).toMatch(/Summary: 8 restored, 0 exist already \(left as they are\), 0 failed, 1 not restorable/);
  });

  it('leaves what exists as it is, and never overwrites it', async () => {
    mocks.iam.on(GetRoleCommand).resolves({ Role: { RoleName: 'nova-exec', Arn: arns.role, Path: '/service-role/', RoleId: 'x', CreateDate: new Date() } });
    mocks.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: '/nova/app' }] });
    const ui = new RecordingUi();
    expect(await runRestore(options(writeBackup()), deps(ui))).toBe(ExitCode.Ok);
    const report = reportOf(ui);
    expect(report.resources.find((o) => o.name === 'nova-exec')).toMatchObject({ status: 'exists', reason: 'exists; left as it is' });
    expect(statusOf(report)['/nova/app']).toBe('exists');
    expect(mocks.iam.commandCalls(CreateRoleCommand)).toHaveLength(0);
    expect(mocks.iam.commandCalls(PutRolePolicyCommand)).toHaveLength(0);
    expect(mocks.logs.commandCalls(CreateLogGroupCommand)).toHaveLength(0);
    expect(statusOf(report)['nova-fn']).toBe('restored');
  });

  it('--dry-run sends no mutating call and lists what would be restored', async () => {
    const ui = new RecordingUi();
    expect(await runRestore(options(writeBackup(), { dryRun: true, yes: false }), deps(ui))).toBe(ExitCode.Ok);
    expect(sent().filter((c) => MUTATING.test(c))).toEqual([]);
    const report = reportOf(ui);
    expect(report.dryRun).toBe(true);
    expect(report.summary).toMatchObject({ planned: 8, restored: 0, 'not-restorable': 1 });
  });

  it('a failure is reported, its users are not tried, and the exit is 1', async () => {
    mocks.iam.on(CreateRoleCommand).rejects(awsError('AccessDenied', 'not allowed to iam:CreateRole', 403));
    const ui = new RecordingUi();
    expect(await runRestore(options(writeBackup()), deps(ui))).toBe(ExitCode.Failed);
    const report = reportOf(ui);
    expect(report.resources.find((o) => o.name === 'nova-exec')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/CreateRole|not allowed/) });
    expect(report.resources.find((o) => o.name === 'nova-fn')).toMatchObject({ status: 'failed', reason: 'not tried: it uses iam:role nova-exec, which could not be restored' });
    expect(mocks.lambda.commandCalls(CreateFunctionCommand)).toHaveLength(0);
    expect(statusOf(report)['nova-bucket']).toBe('restored');
  });

  it('a package that does not match its digest fails the function', async () => {
    const ui = new RecordingUi();
    expect(await runRestore(options(writeBackup(undefined, Buffer.from('tampered')), { only: [arns.fn] }), deps(ui))).toBe(ExitCode.Failed);
    expect(reportOf(ui).resources[0]).toMatchObject({ name: 'nova-fn', status: 'failed', reason: expect.stringMatching(/does not match the digest/) });
    expect(mocks.lambda.commandCalls(CreateFunctionCommand)).toHaveLength(0);
  });

  it('--only restores those resources alone; an ARN not in the backup is refused', async () => {
    const ui = new RecordingUi();
    expect(await runRestore(options(writeBackup(), { only: [arns.group] }), deps(ui))).toBe(ExitCode.Ok);
    expect(reportOf(ui).resources.map((o) => o.name)).toEqual(['/nova/app']);
    expect(sent().filter((c) => MUTATING.test(c))).toEqual(['CreateLogGroup', 'PutRetentionPolicy']);
    const err = await runRestore(options(join(dir, 'run.json'), { only: ['arn:aws:iam::123456789012:role/nope'] }), deps(new RecordingUi())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NovaError);
    expect((err as NovaError).message).toMatch(/not in the backup/);
  });

  it('refuses without a terminal and without --yes, before any AWS call (exit 2)', async () => {
    const err = await runRestore(options(writeBackup(), { yes: false }), deps(new RecordingUi())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NovaError);
    expect((err as NovaError).exitCode).toBe(ExitCode.Usage);
    expect((err as NovaError).message).toMatch(/refusing to restore without confirmation/);
    expect(sent()).toEqual([]);
  });

  it('asks in a terminal, and a no restores nothing', async () => {
    const ui = new RecordingUi([false]);
    const err = await runRestore(options(writeBackup(), { yes: false }), deps(ui, { interactiveTerminal: true })).catch((e: unknown) => e);
    expect((err as NovaError).exitCode).toBe(ExitCode.Aborted);
    const asked = ui.calls.find((c) => c.kind === 'confirmPlan');
    expect(asked).toMatchObject({ summary: { verb: 'restore', total: 8 } });
    expect(sent().filter((c) => MUTATING.test(c))).toEqual([]);
  });

  it.each([
    ['not JSON', () => writeFileSync(join(dir, 'run.json'), '{"format": "nova-cleanup-backup", "vers'), /not valid JSON/],
    ['a resource without tags', () => writeBackup((d) => delete (d.resources as Record<string, unknown>[])[0]?.tags), /corrupted \(resources\.0\.tags/],
    ['a role without its name', () => writeBackup((d) => delete ((d.resources as { config: { Role: Record<string, unknown> } }[])[4]?.config.Role ?? {}).RoleName), /corrupted \(resources\.4\.config\.Role\.RoleName/],
    ['an edited plan', () => writeBackup((d) => ((d.plan as { account: string }).account = '210987654321')), /changed after it was made/],
  ])('refuses a corrupted backup (%s) with exit 2, before any AWS call', async (_what, make, message) => {
    make();
    const err = await runRestore(options(join(dir, 'run.json')), deps(new RecordingUi())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NovaError);
    expect((err as NovaError).exitCode).toBe(ExitCode.Usage);
    expect((err as NovaError).message).toMatch(message);
    expect(sent()).toEqual([]);
  });

  it('refuses a backup of another account', async () => {
    mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: '210987654321', Arn: 'arn:aws:iam::210987654321:user/x', UserId: 'AID' });
    const err = await runRestore(options(writeBackup()), deps(new RecordingUi())).catch((e: unknown) => e);
    expect((err as NovaError).message).toMatch(/backup of account 123456789012/);
    expect(sent().filter((c) => MUTATING.test(c))).toEqual([]);
  });
});
