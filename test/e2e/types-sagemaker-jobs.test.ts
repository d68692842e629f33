import {
  AddTagsCommand,
  CreateClusterCommand,
  CreateProcessingJobCommand,
  ListClustersCommand,
  ListProcessingJobsCommand,
  ListTrainingJobsCommand,
  SageMakerClient,
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

const TAG = { project: 'sm-jobs-e2e' };
const OTHER = { project: 'someone-else' };
const REGION = 'us-east-1';
const tagList = (t?: Record<string, string>) => (t ? Object.entries(t).map(([Key, Value]) => ({ Key, Value })) : undefined);

const CLUSTER = 'sagemaker:cluster';
const TRAINING = 'sagemaker:training-job';
const PROCESSING = 'sagemaker:processing-job';
const RETAINED = "retained by AWS: a finished job's record has no delete here; nothing to do";
/** Operations that change something (the proxy's own `mutating` also counts Bedrock's POST list calls). */
const WRITES = /^(Create|Delete|Stop|Update|Put|Add|Remove|Detach|Attach|Tag|Untag)/;

/**
 * HyperPod clusters, training jobs and processing jobs on moto. moto makes every job Completed at once,
 * so the jobs are reported as retained and the roles they name are free to go; a running job's stop is
 * covered by the unit tests (moto has no StopTrainingJob). moto's Tagging API returns all three types.
 */
describeWithMoto('sagemaker: HyperPod clusters and finished jobs on moto', (moto) => {
  let f: Factory;
  let sm: SageMakerClient;
  let proxy: Proxy;
  let backupDir: string;

  /** A cluster of two nodes in one group. moto wants ThreadsPerCore and a lifecycle URI under s3://sagemaker-. */
  const cluster = async (name: string, roleArn: string, tags?: Record<string, string>) => {
    await sm.send(
      new CreateClusterCommand({
        ClusterName: name,
        InstanceGroups: [
          {
            InstanceGroupName: 'workers',
            InstanceType: 'ml.c5.large',
            InstanceCount: 2,
            ExecutionRole: roleArn,
            ThreadsPerCore: 1,
            LifeCycleConfig: { SourceS3Uri: 's3://sagemaker-lifecycle/scripts/', OnCreate: 'on_create.sh' },
          },
        ],
        Tags: tagList(tags),
      }),
    );
  };
  const processingJob = async (name: string, roleArn: string, tags?: Record<string, string>) => {
    await sm.send(
      new CreateProcessingJobCommand({
        ProcessingJobName: name,
        RoleArn: roleArn,
        AppSpecification: { ImageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/prep:latest' },
        ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 10 } },
        StoppingCondition: { MaxRuntimeInSeconds: 3600 },
        Tags: tagList(tags),
      }),
    );
  };
  const run = async (extra: string[]) => {
    const r = await runCli(['--tag', 'project=sm-jobs-e2e', '--region', REGION, '--json', '--backup-dir', backupDir, ...extra], { endpoint: proxy.url });
    expect(r.stderr).not.toMatch(/unexpected error/);
    return { ...r, report: JSON.parse(r.stdout) as Report };
  };
  const by = (report: Report, type: string, name: string): Outcome | undefined => report.resources.find((o) => o.type === type && o.name === name);
  const named = (report: Report, status: Outcome['status']) => report.resources.filter((o) => o.status === status).map((o) => `${o.type} ${o.name}`).sort();
  /** What is left in moto. */
  const left = async () => ({
    clusters: ((await sm.send(new ListClustersCommand({}))).ClusterSummaries ?? []).map((c) => c.ClusterName).sort(),
    training: ((await sm.send(new ListTrainingJobsCommand({}))).TrainingJobSummaries ?? []).map((j) => `${j.TrainingJobName} ${j.TrainingJobStatus}`).sort(),
    processing: ((await sm.send(new ListProcessingJobsCommand({}))).ProcessingJobSummaries ?? []).map((j) => `${j.ProcessingJobName} ${j.ProcessingJobStatus}`).sort(),
    roles: (await snapshot(moto().url, REGION)).roles,
  });

  const PLANNED = ['iam:role ft-decoy-exec', 'iam:role ft-exec', 'iam:role hp-exec', 'iam:role prep-exec', `${CLUSTER} hp-nova`];

  beforeEach(async () => {
    await moto().reset();
    f = new Factory(moto().url);
    sm = new SageMakerClient(clientConfig(moto().url, REGION));
    proxy = await startProxy(moto().url);
    backupDir = await mkdtemp(join(tmpdir(), 'nova-sm-jobs-'));

    // The tagged HyperPod cluster and its nodes' role: both go, the cluster first.
    await cluster('hp-nova', await f.role('hp-exec', TAG), TAG);
    // A tagged training job and a tagged processing job, Completed at once: retained; their roles go.
    await f.trainingJob('ft-nova', await f.role('ft-exec', TAG), REGION, TAG);
    await processingJob('prep-nova', await f.role('prep-exec', TAG), TAG);

    // Decoys. An untagged cluster with the same name prefix on a tagged role: both stay (in use).
    await cluster('hp-nova-copy', await f.role('hp-decoy-exec', TAG));
    // Another project's cluster and jobs, on their own roles.
    const other = await f.role('other-exec', OTHER);
    await cluster('hp-other', other, OTHER);
    await f.trainingJob('ft-other', other, REGION, OTHER);
    await processingJob('prep-other', other, OTHER);
    // An untagged finished training job with the same prefix names a tagged role: a finished job uses
    // nothing, so the role is not held back (it goes); the job itself stays untouched.
    await f.trainingJob('ft-nova-copy', await f.role('ft-decoy-exec', TAG), REGION);
    // A job tagged after it was created (AddTags), with another value: not a candidate.
    await processingJob('prep-nova-copy', other);
    await sm.send(new AddTagsCommand({ ResourceArn: `arn:aws:sagemaker:${REGION}:123456789012:processing-job/prep-nova-copy`, Tags: tagList(OTHER) }));
    proxy.clear();
  });
  afterEach(async () => {
    sm.destroy();
    f.close();
    await proxy.stop();
  });

  it('--dry-run plans the cluster and the roles, reports the finished jobs as retained, and changes nothing', async () => {
    const before = await left();
    proxy.clear();
    const { code, report } = await run(['--dry-run']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(named(report, 'planned')).toEqual(PLANNED);
    expect(named(report, 'retained')).toEqual([`${PROCESSING} prep-nova`, `${TRAINING} ft-nova`]);
    expect(by(report, TRAINING, 'ft-nova')).toMatchObject({ status: 'retained', rule: 'retained-by-aws', reason: RETAINED });
    expect(by(report, 'iam:role', 'hp-decoy-exec')).toMatchObject({ status: 'skipped', rule: 'in-use', reason: expect.stringContaining('hp-nova-copy') });
    expect(proxy.requests().filter((r) => WRITES.test(r.operation)).map((r) => r.operation)).toEqual([]);
    expect(await left()).toEqual(before);
  });

  it('--yes deletes the cluster, then its role and the roles of the finished jobs; the jobs and the decoys stay', async () => {
    // The order of the deletes that matter, noted as they pass (a rule that only looks, never answers).
    const order: string[] = [];
    proxy.fail((r) => {
      if (r.operation === 'DeleteCluster') order.push('cluster hp-nova');
      if (r.operation === 'DeleteRole') order.push(`role ${new URLSearchParams(r.body).get('RoleName') ?? '?'}`);
      return false;
    }, { code: 'Unused', message: 'never answered' });
    const { code, report } = await run(['--yes']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(named(report, 'deleted')).toEqual(PLANNED);
    expect(by(report, TRAINING, 'ft-nova')).toMatchObject({ status: 'retained', reason: RETAINED });
    expect(by(report, PROCESSING, 'prep-nova')).toMatchObject({ status: 'retained', reason: RETAINED });
    expect(by(report, 'iam:role', 'hp-decoy-exec')).toMatchObject({ status: 'skipped', rule: 'in-use' });

    // The cluster goes before the role its nodes run as; nothing is sent to the jobs.
    expect(proxy.requests().filter((r) => r.service === 'sagemaker' && WRITES.test(r.operation)).map((r) => r.operation)).toEqual(['DeleteCluster']);
    expect(order.indexOf('role hp-exec')).toBeGreaterThan(order.indexOf('cluster hp-nova'));
    expect(order.filter((o) => o.startsWith('role')).sort()).toEqual(['role ft-decoy-exec', 'role ft-exec', 'role hp-exec', 'role prep-exec']);

    expect(await left()).toEqual({
      clusters: ['hp-nova-copy', 'hp-other'],
      training: ['ft-nova Completed', 'ft-nova-copy Completed', 'ft-other Completed'],
      processing: ['prep-nova Completed', 'prep-nova-copy Completed', 'prep-other Completed'],
      roles: ['hp-decoy-exec', 'other-exec'],
    });

    // Run again: only the records AWS keeps are left, reported as retained, and the run exits 0.
    const again = await run(['--yes']);
    expect(again.code).toBe(0);
    expect(named(again.report, 'retained')).toEqual([`${PROCESSING} prep-nova`, `${TRAINING} ft-nova`]);
    expect(again.report.resources.filter((o) => o.status === 'deleted' || o.status === 'failed')).toEqual([]);
  });

  it('--discovery list finds the same: every cluster and job listed, tags read from SageMaker', async () => {
    // Only these types: moto does not implement every other type's list call (ListNotebookInstanceLifecycleConfigs).
    const only = ['sagemaker:cluster', 'sagemaker:training-job', 'sagemaker:processing-job', 'iam:role'].flatMap((t) => ['--include-type', t]);
    const { code, report } = await run(['--dry-run', '--discovery', 'list', ...only]);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(named(report, 'planned')).toEqual(PLANNED);
    expect(named(report, 'retained')).toEqual([`${PROCESSING} prep-nova`, `${TRAINING} ft-nova`]);
    // Tags come from SageMaker itself (the Tagging API is asked only for types no handler supports).
    expect(proxy.requests().some((r) => r.service === 'sagemaker' && r.operation === 'ListTags')).toBe(true);
  });
});
