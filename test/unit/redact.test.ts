import { CreateEventSourceMappingCommand, CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateModelCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { readBackup, runFiles, writeBackup } from '../../src/backup/backup.js';
import { sealPlan } from '../../src/backup/plan-file.js';
import { REDACTED, redactConfig, redactedFields, SECRET_FIELDS } from '../../src/backup/redact.js';
import type { PlanDocument } from '../../src/plan/document.js';
import { lambdaFunctionRestorer } from '../../src/restore/lambda-function.js';
import type { RestoreEntry } from '../../src/restore/restorer.js';
import { sagemakerModelRestorer } from '../../src/restore/sagemaker-model.js';
import { registry } from '../../src/resources/index.js';

const ACCOUNT = '123456789012';
const R = 'us-east-1';
const SECRET = 'sk-live-0a1b2c3d4e5f';

/** A function's configuration as the Lambda describe keeps it (GetFunction, its versions, its mappings). */
const lambdaConfig = () => ({
  Configuration: { FunctionName: 'nova-fn', Role: `arn:aws:iam::${ACCOUNT}:role/exec`, Runtime: 'python3.12', Environment: { Variables: { API_KEY: SECRET, STAGE: 'dev' } } },
  Code: { RepositoryType: 'S3', Location: 'https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/x?X-Amz-Security-Token=abc&X-Amz-Signature=def' },
  Versions: [{ Version: '1', Environment: { Variables: { API_KEY: 'older-secret' } } }, { Version: '2' }],
  EventSourceMappings: [{ UUID: 'u-1', EventSourceArn: `arn:aws:sqs:${R}:${ACCOUNT}:q`, BatchSize: 10, State: 'Enabled' }],
  Aliases: [],
  Concurrency: null,
});

describe('redactConfig', () => {
  it('replaces the values of a Lambda function environment, its versions and its download link, keeping every key', () => {
    const input = lambdaConfig();
    const { config, redacted } = redactConfig('lambda:function', input);
    expect(redacted).toBe(4);
    expect(config).toEqual({
      ...input,
      Configuration: { ...input.Configuration, Environment: { Variables: { API_KEY: REDACTED, STAGE: REDACTED } } },
      Code: { RepositoryType: 'S3', Location: REDACTED },
      Versions: [{ Version: '1', Environment: { Variables: { API_KEY: REDACTED } } }, { Version: '2' }],
    });
    expect(JSON.stringify(config)).not.toContain(SECRET);
    // Pure: the input is as it was.
    expect(input.Configuration.Environment.Variables.API_KEY).toBe(SECRET);
    expect(input.Code.Location).toContain('X-Amz-Signature');
  });

  it('redacts SageMaker container environments: a model primary container and each of its containers, a job environment', () => {
    const model = { ModelName: 'm', PrimaryContainer: { Image: 'img', Environment: { HF_TOKEN: SECRET } }, Containers: [{ Image: 'a', Environment: { A: SECRET } }, { Image: 'b' }] };
    expect(redactConfig('sagemaker:model', model)).toEqual({
      config: { ModelName: 'm', PrimaryContainer: { Image: 'img', Environment: { HF_TOKEN: REDACTED } }, Containers: [{ Image: 'a', Environment: { A: REDACTED } }, { Image: 'b' }] },
      redacted: 2,
    });
    for (const type of ['sagemaker:training-job', 'sagemaker:processing-job', 'sagemaker:transform-job']) {
      expect(redactConfig(type, { Name: 'j', Environment: { TOKEN: SECRET }, HyperParameters: { epochs: '3' } }).config).toEqual({ Name: 'j', Environment: { TOKEN: REDACTED }, HyperParameters: { epochs: '3' } });
    }
    const schedule = { MonitoringScheduleConfig: { MonitoringJobDefinition: { Environment: { K: SECRET }, RoleArn: 'r' } } };
    expect(redactConfig('sagemaker:monitoring-schedule', schedule).config).toEqual({ MonitoringScheduleConfig: { MonitoringJobDefinition: { Environment: { K: REDACTED }, RoleArn: 'r' } } });
    const group = { ModelPackages: [{ InferenceSpecification: { Containers: [{ Image: 'i', Environment: { K: SECRET } }] } }] };
    expect(JSON.stringify(redactConfig('sagemaker:model-package-group', group).config)).not.toContain(SECRET);
  });

  it('redacts CodeBuild PLAINTEXT variables only: a PARAMETER_STORE or SECRETS_MANAGER value names a secret and is kept', () => {
    const project = {
      name: 'p',
      environment: {
        image: 'aws/codebuild/standard:7.0',
        environmentVariables: [
          { name: 'TOKEN', value: SECRET, type: 'PLAINTEXT' },
          { name: 'DB', value: '/prod/db-password', type: 'PARAMETER_STORE' },
          { name: 'GH', value: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:gh', type: 'SECRETS_MANAGER' },
          { name: 'UNTYPED', value: SECRET },
        ],
      },
    };
    const { config, redacted } = redactConfig('codebuild:project', project);
    expect(redacted).toBe(2);
    expect((config.environment as typeof project.environment).environmentVariables).toEqual([
      { name: 'TOKEN', value: REDACTED, type: 'PLAINTEXT' },
      { name: 'DB', value: '/prod/db-password', type: 'PARAMETER_STORE' },
      { name: 'GH', value: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:gh', type: 'SECRETS_MANAGER' },
      { name: 'UNTYPED', value: REDACTED },
    ]);
  });

  it('redacts Glue job arguments, keeping the argument names', () => {
    const job = { Name: 'j', DefaultArguments: { '--TempDir': 's3://b/tmp', '--api-key': SECRET }, NonOverridableArguments: { '--db-password': SECRET }, Command: { ScriptLocation: 's3://b/x.py' } };
    expect(redactConfig('glue:job', job).config).toEqual({
      Name: 'j',
      DefaultArguments: { '--TempDir': REDACTED, '--api-key': REDACTED },
      NonOverridableArguments: { '--db-password': REDACTED },
      Command: { ScriptLocation: 's3://b/x.py' },
    });
  });

  it('leaves a type without secret fields, and absent or null fields, as they are', () => {
    const role = { RoleName: 'r', Environment: { X: 'kept: not a secret field of iam:role' } };
    expect(redactConfig('iam:role', role)).toEqual({ config: role, redacted: 0 });
    const bare = { Configuration: { FunctionName: 'f', Environment: null }, Code: {} };
    expect(redactConfig('lambda:function', bare)).toEqual({ config: bare, redacted: 0 });
  });

  it('is idempotent: a redacted configuration has nothing more to redact', () => {
    const once = redactConfig('lambda:function', lambdaConfig()).config;
    expect(redactConfig('lambda:function', once)).toEqual({ config: once, redacted: 0 });
  });

  it('names the fields that hold the marker', () => {
    const once = redactConfig('lambda:function', lambdaConfig()).config;
    expect(redactedFields('lambda:function', once).sort()).toEqual(
      ['Code.Location', 'Configuration.Environment.Variables.API_KEY', 'Configuration.Environment.Variables.STAGE', 'Versions.0.Environment.Variables.API_KEY'].sort(),
    );
    expect(redactedFields('lambda:function', lambdaConfig())).toEqual([]);
  });

  it('declares fields only for registered types, each path well formed', () => {
    const types = new Set(registry.handlers.map((h) => h.type));
    for (const [type, paths] of Object.entries(SECRET_FIELDS)) {
      expect(types.has(type), type).toBe(true);
      for (const p of paths) expect(p, `${type}: ${p}`).toMatch(/^(?:[A-Za-z-]+|\*|\*\(\w+!=[\w,]+\))(?:\.(?:[A-Za-z-]+|\*|\*\(\w+!=[\w,]+\)))*$/);
    }
  });
});

describe('the backup with --redact', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nova-redact-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const fnArn = `arn:aws:lambda:${R}:${ACCOUNT}:function:nova-fn`;
  const plan = (): PlanDocument =>
    sealPlan({
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
      items: [
        {
          ref: { arn: fnArn, type: 'lambda:function', region: R, account: ACCOUNT, partition: 'aws', name: 'nova-fn' },
          tags: { project: 'nova' },
          config: redactConfig('lambda:function', lambdaConfig()).config,
          uses: [],
          children: [],
          layer: 0,
          usedBy: [],
          usesInPlan: [],
          rule: 'delete',
          reason: 'matches',
        },
      ],
      notPlanned: [],
      permissions: { status: 'allowed', checked: 1, calls: 1 },
      usageCheck: { listings: 0, reads: 0, regions: 1 },
    });
  const head = (p: PlanDocument) => ({ format: 'nova-cleanup-backup' as const, version: 2 as const, runId: 'run-1', createdAt: '2024-05-06T07:08:10.000Z', plan: p });
  const resource = () => ({ arn: fnArn, type: 'lambda:function', region: R, name: 'nova-fn', tags: { project: 'nova' }, config: lambdaConfig(), artifacts: [] });

  it('replaces the secret values in each configuration, says so in the header, and resume can still read it', async () => {
    const files = runFiles(dir, ACCOUNT, 'run-1', new Date());
    const p = plan();
    const written = await writeBackup(files, head(p), [resource()], { redact: true });
    const text = await readFile(files.backup, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('X-Amz-Signature');
    expect(written.redacted).toEqual({ marker: REDACTED, values: 4 });
    const doc = JSON.parse(text) as Record<string, unknown>;
    // The header comes before the plan and the configurations.
    expect(Object.keys(doc)).toEqual(['format', 'version', 'runId', 'createdAt', 'redacted', 'plan', 'resources']);
    expect(written.resources[0]?.config).toMatchObject({ Configuration: { Environment: { Variables: { API_KEY: REDACTED, STAGE: REDACTED } } } });
    // The plan inside is the one approved, digest intact.
    const back = await readBackup(files.backup);
    expect(back.plan.digest).toBe(p.digest);
    expect(back.redacted).toEqual({ marker: REDACTED, values: 4 });
  });

  it('without it, the backup keeps the values as the services returned them and says it is not redacted', async () => {
    const files = runFiles(dir, ACCOUNT, 'run-2', new Date());
    const written = await writeBackup(files, head(plan()), [resource()]);
    expect(written.redacted).toBe(false);
    const text = await readFile(files.backup, 'utf8');
    expect(text).toContain(SECRET);
    // Once, in the backup's own copy of the configuration: the plan inside carries the marker.
    expect(text.split(SECRET)).toHaveLength(2);
    expect(written.plan.items[0]?.config).toMatchObject({ Configuration: { Environment: { Variables: { API_KEY: REDACTED } } } });
    expect((await readBackup(files.backup)).redacted).toBe(false);
  });
});

describe('restore of a redacted configuration', () => {
  const lambda = mockClient(LambdaClient);
  const sagemaker = mockClient(SageMakerClient);
  let dir: string;
  let aws: AwsClients;
  const ZIP = Buffer.from('PK zip');

  beforeEach(async () => {
    lambda.reset();
    sagemaker.reset();
    lambda.on(CreateFunctionCommand).resolves({});
    lambda.on(CreateEventSourceMappingCommand).resolves({});
    sagemaker.on(CreateModelCommand).resolves({});
    aws = new AwsClients({ maxAttempts: 1 });
    dir = await mkdtemp(join(tmpdir(), 'nova-redact-restore-'));
    await writeFile(join(dir, 'pkg.zip'), ZIP);
  });
  afterEach(async () => {
    await aws.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  const fnEntry = (config: Record<string, unknown>): RestoreEntry => ({
    arn: `arn:aws:lambda:${R}:${ACCOUNT}:function:nova-fn`,
    type: 'lambda:function',
    region: R,
    name: 'nova-fn',
    tags: {},
    config,
    files: [{ name: 'package.zip', path: join(dir, 'pkg.zip'), sha256: createHash('sha256').update(ZIP).digest('hex') }],
  });

  it('a Lambda function: says the environment values were redacted, never creates it with the marker, and leaves its mappings disabled', async () => {
    const config = redactConfig('lambda:function', lambdaConfig()).config;
    const parsed = lambdaFunctionRestorer.schema.parse(config);
    const entry = fnEntry(config);
    expect(lambdaFunctionRestorer.lost(entry, parsed)).toContainEqual(expect.stringMatching(/^environment values were redacted in the backup: set API_KEY, STAGE by hand .*1 event source mapping is re-created disabled/));
    await lambdaFunctionRestorer.restore(entry, parsed, { aws });
    const input = lambda.commandCalls(CreateFunctionCommand)[0]?.args[0].input;
    expect(input?.FunctionName).toBe('nova-fn');
    expect(input?.Environment).toBeUndefined();
    expect(JSON.stringify(input)).not.toContain(REDACTED);
    expect(lambda.commandCalls(CreateEventSourceMappingCommand)[0]?.args[0].input).toMatchObject({ Enabled: false });
  });

  it('a Lambda function from a backup that is not redacted: environment and enabled mappings as they were', async () => {
    const config = lambdaConfig();
    const parsed = lambdaFunctionRestorer.schema.parse(config);
    expect(lambdaFunctionRestorer.lost(fnEntry(config), parsed).join('\n')).not.toMatch(/redacted/);
    await lambdaFunctionRestorer.restore(fnEntry(config), parsed, { aws });
    expect(lambda.commandCalls(CreateFunctionCommand)[0]?.args[0].input.Environment).toEqual({ Variables: { API_KEY: SECRET, STAGE: 'dev' } });
    expect(lambda.commandCalls(CreateEventSourceMappingCommand)[0]?.args[0].input).toMatchObject({ Enabled: true });
  });

  it('a SageMaker model with a redacted environment is not re-created (it cannot be changed later): it fails naming the fields', async () => {
    const config = redactConfig('sagemaker:model', { ModelName: 'nova-model', ExecutionRoleArn: 'arn:aws:iam::123456789012:role/exec', PrimaryContainer: { Image: 'img', Environment: { HF_TOKEN: SECRET } } }).config;
    const entry: RestoreEntry = { arn: `arn:aws:sagemaker:${R}:${ACCOUNT}:model/nova-model`, type: 'sagemaker:model', region: R, name: 'nova-model', tags: {}, config, files: [] };
    const parsed = sagemakerModelRestorer.schema.parse(config);
    expect(sagemakerModelRestorer.lost(entry, parsed)).toEqual([expect.stringMatching(/^container environment values were redacted in the backup/)]);
    await expect(sagemakerModelRestorer.restore(entry, parsed, { aws })).rejects.toThrow(/environment values were redacted in the backup \(PrimaryContainer\.Environment\.HF_TOKEN\)/);
    expect(sagemaker.commandCalls(CreateModelCommand)).toHaveLength(0);
  });
});
