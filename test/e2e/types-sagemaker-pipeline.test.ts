import {
  CreatePipelineCommand,
  DescribeNotebookInstanceLifecycleConfigCommand,
  ListNotebookInstancesCommand,
  ListPipelineExecutionsCommand,
  ListPipelinesCommand,
  SageMakerClient,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Factory, type TagMap } from '../../scripts/lib/factory.js';
import { clientConfig, snapshot } from '../../scripts/lib/world.js';
import type { Outcome, Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';
import { startProxy, type Proxy } from '../../scripts/lib/proxy.js';

const REGION = 'us-east-1';
const TAG = { project: 'smp-test' };
const OTHER = { project: 'someone-else' };
const DEFINITION = JSON.stringify({ Version: '2020-12-01', Parameters: [], Steps: [] });
const tagList = (tags?: TagMap) => Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));

/**
 * SageMaker pipelines and notebook instance lifecycle configs on moto 5.2.5, the CLI going through the
 * recording proxy. moto deletes pipelines but has no StopPipelineExecution, and its executions are
 * Succeeded at once: the pipeline here has a finished run (stopping is tested with mocks). For lifecycle
 * configs moto has Create, Describe and Delete, but no ListNotebookInstanceLifecycleConfigs and no
 * ListTags on their ARNs (both HTTP 500), and its Tagging API does not return them: they cannot be found
 * by their tags on moto at all, so they are tested with mocks only.
 */
describeWithMoto('sagemaker:pipeline on moto', (moto) => {
  let f: Factory;
  let sm: SageMakerClient;
  let proxy: Proxy;
  let backupDir: string;
  /** The mutating calls the CLI sent, in order, with their bodies. */
  let writes: string[];
  /** Lifecycle configs created, with their tags: what the proxy lists and tags them by. */
  let lifecycles: Map<string, TagMap>;

  const run = async (extra: string[]) => {
    const r = await runCli(['--tag', 'project=smp-test', '--region', REGION, '--json', '--backup-dir', backupDir, ...extra], { endpoint: proxy.url });
    expect(r.stderr).not.toMatch(/unexpected error/);
    return { ...r, report: JSON.parse(r.stdout) as Report };
  };
  const by = (report: Report, type: string, name: string): Outcome | undefined => report.resources.find((o) => o.type === type && o.name === name);
  /** The changing calls the proxy saw (Bedrock's REST list calls are POSTs it does not name: not counted). */
  const changes = () => proxy.mutating().filter((r) => !/^[A-Z]+ \//.test(r.operation));
  const named = (report: Report, status: string) => report.resources.filter((o) => o.status === status).map((o) => `${o.type} ${o.name}`).sort();

  const pipeline = async (name: string, roleArn: string, tags?: TagMap) => {
    await sm.send(new CreatePipelineCommand({ PipelineName: name, PipelineDefinition: DEFINITION, RoleArn: roleArn, ...(tags ? { Tags: tagList(tags) } : {}) }));
  };
  /** What is left in moto: pipelines, lifecycle configs (read one by one: moto cannot list them), notebooks, roles. */
  const left = async () => {
    const pipelines = ((await sm.send(new ListPipelinesCommand({}))).PipelineSummaries ?? []).map((p) => p.PipelineName ?? '').sort();
    const configs: string[] = [];
    for (const name of lifecycles.keys()) {
      try {
        await sm.send(new DescribeNotebookInstanceLifecycleConfigCommand({ NotebookInstanceLifecycleConfigName: name }));
        configs.push(name);
      } catch (err) {
        if ((err as { name?: string }).name !== 'ValidationException') throw err;
      }
    }
    const notebooks = ((await sm.send(new ListNotebookInstancesCommand({}))).NotebookInstances ?? []).map((n) => n.NotebookInstanceName ?? '').sort();
    return { pipelines, configs: configs.sort(), notebooks, roles: (await snapshot(moto().url, REGION)).roles };
  };

  beforeEach(async () => {
    await moto().reset();
    f = new Factory(moto().url);
    sm = new SageMakerClient(clientConfig(moto().url, REGION));
    backupDir = await mkdtemp(join(tmpdir(), 'nova-smp-'));
    writes = [];
    lifecycles = new Map();
    proxy = await startProxy(moto().url);
    // Sees every call first and answers none: the order of the writes.
    proxy.fail((r) => {
      if (r.mutating) writes.push(`${r.operation} ${r.body}`);
      return false;
    }, { code: 'never' });
  });
  afterEach(async () => {
    sm.destroy();
    f.close();
    await proxy.stop();
  });

  it('deletes a tagged pipeline (it had a finished run) and then its role; keeps the role an untagged pipeline uses, and every decoy', async () => {
    await pipeline('smp-train', await f.role('smp-train-exec', TAG), TAG);
    await sm.send(new StartPipelineExecutionCommand({ PipelineName: 'smp-train' }));
    expect((await sm.send(new ListPipelineExecutionsCommand({ PipelineName: 'smp-train' }))).PipelineExecutionSummaries?.map((e) => e.PipelineExecutionStatus)).toEqual(['Succeeded']);
    // Decoys: untagged (on a tagged role, which it keeps), another tag value, the same name prefix.
    await pipeline('team-pipeline', await f.role('smp-shared-exec', TAG), undefined);
    const decoyRole = await f.role('decoy-exec');
    await pipeline('smp-train-other', decoyRole, OTHER);
    await pipeline('smp-train-copy', decoyRole, undefined);
    const before = await left();

    const dry = await run(['--dry-run']);
    expect(dry.code).toBe(0);
    expect(named(dry.report, 'planned')).toEqual(['iam:role smp-train-exec', 'sagemaker:pipeline smp-train']);
    expect(by(dry.report, 'iam:role', 'smp-shared-exec')).toMatchObject({ status: 'skipped', rule: 'in-use', reason: 'used by sagemaker:pipeline team-pipeline (us-east-1), which stays' });
    expect(changes()).toEqual([]);
    expect(await left()).toEqual(before);

    const real = await run(['--yes']);
    expect(real.report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(real.code).toBe(0);
    expect(named(real.report, 'deleted')).toEqual(['iam:role smp-train-exec', 'sagemaker:pipeline smp-train']);
    expect(by(real.report, 'iam:role', 'smp-shared-exec')).toMatchObject({ status: 'skipped', rule: 'in-use' });
    // Nothing was running: no stop, the pipeline's delete, then its role's.
    expect(proxy.count('ListPipelineExecutions')).toBeGreaterThan(0);
    expect(proxy.count('StopPipelineExecution')).toBe(0);
    const pipelineDelete = writes.findIndex((w) => w.startsWith('DeletePipeline ') && w.includes('smp-train'));
    const roleDelete = writes.findIndex((w) => w.startsWith('DeleteRole ') && w.includes('smp-train-exec'));
    expect(pipelineDelete).toBeGreaterThanOrEqual(0);
    expect(roleDelete).toBeGreaterThan(pipelineDelete);
    expect(await left()).toEqual({ ...before, pipelines: ['smp-train-copy', 'smp-train-other', 'team-pipeline'], roles: before.roles.filter((r) => r !== 'smp-train-exec') });
  });
});
