import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Factory } from '../../scripts/lib/factory.js';
import { CreateBucketCommand, PutBucketTaggingCommand, PutObjectCommand, PutObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateCompilationJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { clientConfig, snapshot } from '../../scripts/lib/world.js';
import type { Outcome, Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';
import { startProxy } from '../../scripts/lib/proxy.js';

const TAG = { project: 'scope-test' };
const OTHER = { project: 'someone-else' };

describeWithMoto('nothing in use is ever deleted: the scope decision on moto', (moto) => {
  let f: Factory;
  let backupDir: string;
  const run = async (extra: string[] = [], env: Record<string, string> = {}) => {
    const r = await runCli(['--tag', 'project=scope-test', '--region', 'us-east-1', '--json', '--backup-dir', backupDir, ...extra], { moto: moto(), env });
    expect(r.stderr).not.toMatch(/unexpected error/);
    return { ...r, report: JSON.parse(r.stdout) as Report };
  };
  const byName = (report: Report, name: string): Outcome | undefined => report.resources.find((o) => o.name === name);

  beforeEach(async () => {
    await moto().reset();
    f = new Factory(moto().url);
    backupDir = await mkdtemp(join(tmpdir(), 'nova-scope-'));
  });
  afterEach(() => f.close());

  it('keeps a tagged role used by an untagged function, model or notebook, or by a function in another region; deletes the unused one', async () => {
    const fnRole = await f.role('scope-fn-untagged', TAG);
    const modelRole = await f.role('scope-model-untagged', TAG);
    const nbRole = await f.role('scope-nb-untagged', TAG);
    const westRole = await f.role('scope-fn-west', TAG);
    await f.role('scope-unused', TAG);
    const pairRole = await f.role('scope-tagged-user', TAG);
    await f.fn('platform-etl', fnRole, 'us-east-1');
    await f.model('shared-model', modelRole, 'us-east-1', OTHER);
    await f.notebook('team-notebook', nbRole, 'us-east-1');
    await f.fn('west-job', westRole, 'us-west-2', TAG); // tagged, but --region is us-east-1: it stays
    await f.fn('scope-worker', pairRole, 'us-east-1', TAG);

    const { code, report } = await run(['--yes']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(byName(report, 'scope-fn-untagged')).toMatchObject({ status: 'skipped', rule: 'in-use', reason: 'used by lambda:function platform-etl (us-east-1), which stays' });
    expect(byName(report, 'scope-model-untagged')).toMatchObject({ rule: 'in-use', reason: 'used by sagemaker:model shared-model (us-east-1), which stays' });
    expect(byName(report, 'scope-nb-untagged')).toMatchObject({ rule: 'in-use', reason: 'used by sagemaker:notebook-instance team-notebook (us-east-1), which stays' });
    expect(byName(report, 'scope-fn-west')).toMatchObject({ rule: 'in-use', reason: 'used by lambda:function west-job (us-west-2), which stays' });
    expect(byName(report, 'scope-unused')).toMatchObject({ status: 'deleted', rule: 'delete' });
    expect(byName(report, 'scope-tagged-user')).toMatchObject({ status: 'deleted' });
    expect(byName(report, 'scope-worker')).toMatchObject({ status: 'deleted' });

    const left = await snapshot(moto().url);
    expect(left.roles).toEqual(['scope-fn-untagged', 'scope-fn-west', 'scope-model-untagged', 'scope-nb-untagged']);
    expect(left.functions).toEqual(['platform-etl']);
    expect((await snapshot(moto().url, 'us-west-2')).functions).toEqual(['west-job']);
  });

  it('an MLOps-like world run twice keeps the same roles both times, for the same reason', async () => {
    // A tagged endpoint on an untagged config, whose untagged model runs as a tagged role.
    const role = await f.role('mlops-exec', TAG);
    await f.model('mlops-model', role, 'us-east-1');
    await f.endpointConfig('mlops-config', 'mlops-model', 'us-east-1');
    await f.endpoint('mlops-endpoint', 'mlops-config', 'us-east-1', TAG);
    await f.bucket('mlops-artifacts', 'us-east-1', TAG);

    const first = await run(['--yes']);
    expect(first.code).toBe(0);
    expect(byName(first.report, 'mlops-endpoint')?.status).toBe('deleted');
    expect(byName(first.report, 'mlops-artifacts')?.status).toBe('deleted');
    const kept = byName(first.report, 'mlops-exec');
    expect(kept).toMatchObject({ status: 'skipped', rule: 'in-use', reason: 'used by sagemaker:model mlops-model (us-east-1), which stays' });

    // The endpoint that led to the model is gone now: the decision must not change.
    const second = await run(['--yes']);
    expect(second.code).toBe(0);
    expect(byName(second.report, 'mlops-exec')).toEqual(kept);
    expect((await snapshot(moto().url)).roles).toEqual(['mlops-exec']);
  });

  it('a tagged resource of an unsupported type holds back the role it may use, and the run exits 1', async () => {
    // A SageMaker Neo compilation job: a type this tool does not cover, which moto's Tagging API returns.
    const role = await f.role('compile-exec', TAG);
    const sm = new SageMakerClient(clientConfig(moto().url, 'us-east-1'));
    try {
      await sm.send(
        new CreateCompilationJobCommand({
          CompilationJobName: 'nova-compile',
          RoleArn: role,
          InputConfig: { S3Uri: 's3://compile-data/model.tar.gz', DataInputConfig: '{"input":[1,3,224,224]}', Framework: 'PYTORCH' },
          OutputConfig: { S3OutputLocation: 's3://compile-data/out/', TargetDevice: 'ml_c5' },
          StoppingCondition: { MaxRuntimeInSeconds: 900 },
          Tags: [{ Key: 'project', Value: 'scope-test' }],
        }),
      );
    } finally {
      sm.destroy();
    }
    await f.bucket('compile-data', 'us-east-1', TAG);
    const events = new EventBridgeClient(clientConfig(moto().url, 'us-east-1'));
    try {
      await events.send(new CreateEventBusCommand({ Name: 'compile-events', Tags: [{ Key: 'project', Value: 'scope-test' }] }));
    } finally {
      events.destroy();
    }

    const { code, report } = await run(['--yes']);
    expect(code).toBe(1);
    expect(report.resources.find((o) => o.status === 'unsupported')?.arn).toMatch(/compilation-job\/nova-compile$/);
    expect(byName(report, 'compile-exec')).toMatchObject({ status: 'skipped', rule: 'held-back', reason: expect.stringMatching(/^held back: sagemaker:compilation-job .*nova-compile.*unsupported type/) });
    // A SageMaker resource may use buckets (a feature group's offline store): held back too.
    expect(byName(report, 'compile-data')).toMatchObject({ status: 'skipped', rule: 'held-back' });
    // What no SageMaker resource can use is still cleaned.
    expect(byName(report, 'compile-events')?.status).toBe('deleted');
    expect((await snapshot(moto().url)).roles).toEqual(['compile-exec']);
  });

  it('a dry run decides exactly as the real run does', async () => {
    const role = await f.role('dry-exec', TAG);
    await f.fn('dry-untagged', role, 'us-east-1');
    await f.role('dry-unused', TAG);
    const dry = await run(['--dry-run']);
    expect(dry.code).toBe(0);
    const decisions = (r: Report) => r.resources.map((o) => `${o.name} ${o.rule}${o.rule === 'delete' ? '' : ` ${o.reason ?? ''}`}`).sort();
    const real = await run(['--yes']);
    expect(decisions(real.report)).toEqual(decisions(dry.report));
    expect(byName(dry.report, 'dry-unused')?.status).toBe('planned');
    expect(byName(real.report, 'dry-unused')?.status).toBe('deleted');
  });

  it('AccessDenied on reading a resource that may use a candidate keeps what it may use, and exits 1', async () => {
    // What the least-privilege policy gives for untagged resources: DescribeEndpointConfig denied on them.
    const role = await f.role('denied-exec', TAG);
    await f.model('denied-model', role, 'us-east-1', TAG);
    await f.endpointConfig('untagged-config', 'denied-model', 'us-east-1');
    await f.role('denied-unused', TAG);
    const proxy = await startProxy(moto().url);
    try {
      const denied = proxy.fail((r) => r.operation === 'DescribeEndpointConfig' && r.body.includes('untagged-config'), { code: 'AccessDeniedException', message: 'not authorized' });
      const r = await runCli(['--tag', 'project=scope-test', '--region', 'us-east-1', '--json', '--yes', '--backup-dir', backupDir], { endpoint: proxy.url });
      expect(denied.hits).toBeGreaterThan(0);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as Report;
      expect(byName(report, 'untagged-config')).toMatchObject({ status: 'failed', rule: 'unreadable', error: expect.stringMatching(/AccessDenied/) });
      expect(byName(report, 'denied-model')).toMatchObject({ status: 'skipped', rule: 'held-back', reason: expect.stringMatching(/untagged-config.*could not be read/) });
      expect(byName(report, 'denied-exec')).toMatchObject({ status: 'skipped' });
      expect(['held-back', 'in-use']).toContain(byName(report, 'denied-exec')?.rule);
      expect(byName(report, 'denied-unused')?.status).toBe('deleted');
      const left = await snapshot(moto().url);
      expect(left.roles).toEqual(['denied-exec']);
      expect(left.models).toEqual(['denied-model']);
    } finally {
      await proxy.stop();
    }
  });

  it('a bucket under Object Lock in compliance mode is blocked before anything is removed from it', async () => {
    const s3 = new S3Client(clientConfig(moto().url, 'us-east-1'));
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'locked-artifacts', ObjectLockEnabledForBucket: true }));
      await s3.send(new PutBucketTaggingCommand({ Bucket: 'locked-artifacts', Tagging: { TagSet: [{ Key: 'project', Value: 'scope-test' }] } }));
      await s3.send(
        new PutObjectLockConfigurationCommand({
          Bucket: 'locked-artifacts',
          ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 1 } } },
        }),
      );
      await s3.send(new PutObjectCommand({ Bucket: 'locked-artifacts', Key: 'model.bin', Body: 'weights' }));
    } finally {
      s3.destroy();
    }
    await f.bucket('plain-artifacts', 'us-east-1', TAG);
    const { code, report } = await run(['--yes']);
    expect(code).toBe(0);
    expect(byName(report, 'locked-artifacts')).toMatchObject({ status: 'blocked', rule: 'blocked', reason: expect.stringMatching(/compliance mode \(1 day\)/) });
    expect(byName(report, 'plain-artifacts')?.status).toBe('deleted');
    expect((await snapshot(moto().url)).buckets).toEqual(['locked-artifacts versions=1 markers=0']);
  });
});
