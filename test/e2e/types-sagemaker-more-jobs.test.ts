import {
  AddTagsCommand,
  CreateAutoMLJobV2Command,
  CreateHyperParameterTuningJobCommand,
  CreateTransformJobCommand,
  ListAutoMLJobsCommand,
  ListHyperParameterTuningJobsCommand,
  ListModelsCommand,
  ListTransformJobsCommand,
  SageMakerClient,
  type HyperParameterTrainingJobDefinition,
} from '@aws-sdk/client-sagemaker';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Factory } from '../../scripts/lib/factory.js';
import { clientConfig, snapshot } from '../../scripts/lib/world.js';
import type { Outcome, Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';
import { startProxy, type Proxy } from '../../scripts/lib/proxy.js';

const TAG = { project: 'sm-more-e2e' };
const OTHER = { project: 'someone-else' };
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
/** moto 5.2.5 stores a transform or tuning job created without `Tags` with none at all: ListTags on it is a 500. */
const tagList = (t?: Record<string, string>) => (t ? Object.entries(t).map(([Key, Value]) => ({ Key, Value })) : []);

const TRANSFORM = 'sagemaker:transform-job';
const TUNING = 'sagemaker:hyper-parameter-tuning-job';
const AUTOML = 'sagemaker:automl-job';
const RETAINED = "retained by AWS: a finished job's record has no delete here; nothing to do";
/** Operations that change something. */
const WRITES = /^(Create|Delete|Stop|Update|Put|Add|Remove|Detach|Attach|Tag|Untag)/;

/**
 * Batch transform, hyperparameter tuning and AutoML jobs on moto 5.2.5. moto makes transform and tuning
 * jobs Completed at once: they are retained, and what they name (the model, the roles) is free to go;
 * stopping a running one is covered by the unit tests (moto has no StopTransformJob nor
 * StopHyperParameterTuningJob). moto's AutoML V2 jobs stay InProgress and StopAutoMLJob stops them at
 * once: a tagged one is stopped before its role goes, and an untagged running one keeps its tagged role.
 * moto's Tagging API returns all three types.
 */
describeWithMoto('sagemaker: transform, tuning and AutoML jobs on moto', (moto) => {
  let f: Factory;
  let sm: SageMakerClient;
  let proxy: Proxy;
  let backupDir: string;

  const transformJob = async (name: string, modelName: string, tags?: Record<string, string>) => {
    await sm.send(
      new CreateTransformJobCommand({
        TransformJobName: name,
        ModelName: modelName,
        TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://nova-batch/in/' } } },
        TransformOutput: { S3OutputPath: 's3://nova-batch/out/' },
        TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
        Tags: tagList(tags),
      }),
    );
  };
  const definition = (roleArn: string, name?: string): HyperParameterTrainingJobDefinition => ({
    ...(name ? { DefinitionName: name } : {}),
    RoleArn: roleArn,
    StaticHyperParameters: { epochs: '1' },
    AlgorithmSpecification: { TrainingImage: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/train:latest`, TrainingInputMode: 'File' },
    OutputDataConfig: { S3OutputPath: 's3://nova-hpo/out/' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  });
  const tuningJob = async (name: string, defs: { one?: string; many?: string[] }, tags?: Record<string, string>) => {
    await sm.send(
      new CreateHyperParameterTuningJobCommand({
        HyperParameterTuningJobName: name,
        HyperParameterTuningJobConfig: {
          Strategy: 'Bayesian',
          ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 },
          HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'accuracy' },
        },
        ...(defs.one ? { TrainingJobDefinition: definition(defs.one) } : {}),
        ...(defs.many ? { TrainingJobDefinitions: defs.many.map((role, i) => definition(role, `def-${i}`)) } : {}),
        Tags: tagList(tags),
      }),
    );
  };
  /** moto wants CompletionCriteria in the problem type config. */
  const automlJob = async (name: string, roleArn: string, tags?: Record<string, string>) => {
    await sm.send(
      new CreateAutoMLJobV2Command({
        AutoMLJobName: name,
        AutoMLJobInputDataConfig: [{ ChannelType: 'training', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://nova-automl/in/' } } }],
        OutputDataConfig: { S3OutputPath: 's3://nova-automl/out/' },
        AutoMLProblemTypeConfig: { TabularJobConfig: { TargetAttributeName: 'label', ProblemType: 'Regression', CompletionCriteria: { MaxCandidates: 2 } } },
        RoleArn: roleArn,
        Tags: tagList(tags),
      }),
    );
  };
  const run = async (extra: string[]) => {
    const r = await runCli(['--tag', 'project=sm-more-e2e', '--region', REGION, '--json', '--backup-dir', backupDir, ...extra], { endpoint: proxy.url });
    expect(r.stderr).not.toMatch(/unexpected error/);
    return { ...r, report: JSON.parse(r.stdout) as Report };
  };
  const by = (report: Report, type: string, name: string): Outcome | undefined => report.resources.find((o) => o.type === type && o.name === name);
  const named = (report: Report, status: Outcome['status']) => report.resources.filter((o) => o.status === status).map((o) => `${o.type} ${o.name}`).sort();
  /** What is left in moto. */
  const left = async () => ({
    transform: ((await sm.send(new ListTransformJobsCommand({}))).TransformJobSummaries ?? []).map((j) => `${j.TransformJobName} ${j.TransformJobStatus}`).sort(),
    tuning: ((await sm.send(new ListHyperParameterTuningJobsCommand({}))).HyperParameterTuningJobSummaries ?? [])
      .map((j) => `${j.HyperParameterTuningJobName} ${j.HyperParameterTuningJobStatus}`)
      .sort(),
    automl: ((await sm.send(new ListAutoMLJobsCommand({}))).AutoMLJobSummaries ?? []).map((j) => `${j.AutoMLJobName} ${j.AutoMLJobStatus}`).sort(),
    models: ((await sm.send(new ListModelsCommand({}))).Models ?? []).map((m) => m.ModelName).sort(),
    roles: (await snapshot(moto().url, REGION)).roles,
  });

  const PLANNED = [
    'iam:role aml-exec',
    'iam:role hpo-a-exec',
    'iam:role hpo-b-exec',
    'iam:role hpo-decoy-exec',
    'iam:role hpo-exec',
    'iam:role tf-model-exec',
    `${AUTOML} aml-nova`,
    'sagemaker:model tf-model',
  ];
  const RETAINED_JOBS = [`${TUNING} hpo-nova`, `${TUNING} hpo-nova-multi`, `${TRANSFORM} tf-nova`];

  beforeEach(async () => {
    await moto().reset();
    f = new Factory(moto().url);
    sm = new SageMakerClient(clientConfig(moto().url, REGION));
    proxy = await startProxy(moto().url);
    backupDir = await mkdtemp(join(tmpdir(), 'nova-sm-more-jobs-'));

    // A tagged batch transform job (Completed at once: retained) on a tagged model: the model and its role go.
    await f.model('tf-model', await f.role('tf-model-exec', TAG), REGION, TAG);
    await transformJob('tf-nova', 'tf-model', TAG);
    // Tagged tuning jobs, one definition or several (Completed at once: retained): every role they name goes.
    await tuningJob('hpo-nova', { one: await f.role('hpo-exec', TAG) }, TAG);
    await tuningJob('hpo-nova-multi', { many: [await f.role('hpo-a-exec', TAG), await f.role('hpo-b-exec', TAG)] }, TAG);
    // A tagged AutoML job, InProgress on moto: stopped, then its role goes.
    await automlJob('aml-nova', await f.role('aml-exec', TAG), TAG);

    // Decoys. An untagged finished transform job with the same prefix runs the tagged model: a finished
    // job uses nothing, so the model still goes; the job itself stays untouched.
    await transformJob('tf-nova-copy', 'tf-model');
    // An untagged finished tuning job names a tagged role: not held back either.
    await tuningJob('hpo-nova-copy', { many: [await f.role('hpo-decoy-exec', TAG)] });
    // An untagged AutoML job still running on a tagged role: the role stays (in use), the job is not stopped.
    await automlJob('aml-nova-copy', await f.role('aml-decoy-exec', TAG));
    // Another project's jobs and model, on their own role.
    const other = await f.role('other-exec', OTHER);
    await f.model('other-model', other, REGION, OTHER);
    await transformJob('tf-other', 'other-model', OTHER);
    await tuningJob('hpo-other', { one: other }, OTHER);
    await automlJob('aml-other', other, OTHER);
    // An AutoML job tagged after it was created (AddTags), with another value: not a candidate.
    await automlJob('aml-nova-late', other);
    await sm.send(new AddTagsCommand({ ResourceArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:automl-job/aml-nova-late`, Tags: tagList(OTHER) }));
    proxy.clear();
  });
  afterEach(async () => {
    sm.destroy();
    f.close();
    await proxy.stop();
  });

  it('--dry-run plans the running AutoML job, the model and the roles, reports the finished jobs as retained, and changes nothing', async () => {
    const before = await left();
    proxy.clear();
    const { code, report } = await run(['--dry-run']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(named(report, 'planned')).toEqual(PLANNED);
    expect(named(report, 'retained')).toEqual(RETAINED_JOBS);
    expect(by(report, TRANSFORM, 'tf-nova')).toMatchObject({ status: 'retained', rule: 'retained-by-aws', reason: RETAINED });
    expect(by(report, TUNING, 'hpo-nova')).toMatchObject({ status: 'retained', rule: 'retained-by-aws', reason: RETAINED });
    expect(by(report, 'iam:role', 'aml-decoy-exec')).toMatchObject({ status: 'skipped', rule: 'in-use', reason: expect.stringContaining('aml-nova-copy') });
    // Nothing else of the account is in the report: the other project's jobs and the late-tagged one.
    expect(report.resources.map((o) => o.name).filter((n) => /other|late|copy$/.test(n))).toEqual([]);
    expect(proxy.requests().filter((r) => WRITES.test(r.operation)).map((r) => r.operation)).toEqual([]);
    expect(await left()).toEqual(before);
  });

  it('--yes stops the AutoML job before its role goes, deletes the model before its role; the finished jobs and the decoys stay', async () => {
    // The order of the calls that matter, noted as they pass (a rule that only looks, never answers).
    const order: string[] = [];
    proxy.fail((r) => {
      if (r.operation === 'StopAutoMLJob') order.push(`stop ${(JSON.parse(r.body) as { AutoMLJobName?: string }).AutoMLJobName ?? '?'}`);
      if (r.operation === 'DeleteModel') order.push(`model ${(JSON.parse(r.body) as { ModelName?: string }).ModelName ?? '?'}`);
      if (r.operation === 'DeleteRole') order.push(`role ${new URLSearchParams(r.body).get('RoleName') ?? '?'}`);
      return false;
    }, { code: 'Unused', message: 'never answered' });
    const { code, report } = await run(['--yes']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(named(report, 'deleted')).toEqual(PLANNED);
    expect(named(report, 'retained')).toEqual(RETAINED_JOBS);
    expect(by(report, 'iam:role', 'aml-decoy-exec')).toMatchObject({ status: 'skipped', rule: 'in-use' });

    // SageMaker is sent exactly the stop of the tagged AutoML job and the delete of the model.
    expect(proxy.requests().filter((r) => r.service === 'sagemaker' && WRITES.test(r.operation)).map((r) => r.operation).sort()).toEqual(['DeleteModel', 'StopAutoMLJob']);
    expect(order.indexOf('role aml-exec')).toBeGreaterThan(order.indexOf('stop aml-nova'));
    expect(order.indexOf('role tf-model-exec')).toBeGreaterThan(order.indexOf('model tf-model'));
    expect(order.filter((o) => o.startsWith('stop'))).toEqual(['stop aml-nova']);

    expect(await left()).toEqual({
      transform: ['tf-nova Completed', 'tf-nova-copy Completed', 'tf-other Completed'],
      tuning: ['hpo-nova Completed', 'hpo-nova-copy Completed', 'hpo-nova-multi Completed', 'hpo-other Completed'],
      automl: ['aml-nova Stopped', 'aml-nova-copy InProgress', 'aml-nova-late InProgress', 'aml-other InProgress'],
      models: ['other-model'],
      roles: ['aml-decoy-exec', 'other-exec'],
    });

    // Run again: only the records AWS keeps are left (the stopped AutoML job's now too), and the run exits 0.
    const again = await run(['--yes']);
    expect(again.code).toBe(0);
    expect(named(again.report, 'retained')).toEqual([`${AUTOML} aml-nova`, ...RETAINED_JOBS].sort());
    expect(again.report.resources.filter((o) => o.status === 'deleted' || o.status === 'failed')).toEqual([]);
  });

  it('--discovery list finds the same: every job listed, tags read from SageMaker', async () => {
    // Only these types: moto does not implement every other type's list call.
    const only = [TRANSFORM, TUNING, AUTOML, 'sagemaker:model', 'iam:role'].flatMap((t) => ['--include-type', t]);
    const { code, report } = await run(['--dry-run', '--discovery', 'list', ...only]);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(named(report, 'planned')).toEqual(PLANNED);
    expect(named(report, 'retained')).toEqual(RETAINED_JOBS);
    expect(by(report, 'iam:role', 'aml-decoy-exec')).toMatchObject({ status: 'skipped', rule: 'in-use' });
    const sent = new Set(proxy.requests().filter((r) => r.service === 'sagemaker').map((r) => r.operation));
    for (const op of ['ListTransformJobs', 'ListHyperParameterTuningJobs', 'ListAutoMLJobs', 'ListTags']) expect(sent).toContain(op);
    expect(proxy.requests().filter((r) => WRITES.test(r.operation)).map((r) => r.operation)).toEqual([]);
  });
});
