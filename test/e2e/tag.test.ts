import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Factory } from '../../scripts/lib/factory.js';
import { snapshot } from '../../scripts/lib/world.js';
import type { Report } from '../../src/model.js';
import type { TagReport } from '../../src/ui/ui.js';
import { describeWithMoto, runCli } from './harness.js';
import { startProxy, type Proxy } from '../../scripts/lib/proxy.js';

describeWithMoto('tag: untagged leftovers found by name, tagged, then cleaned by that tag', (moto) => {
  let f: Factory;
  let dir: string;
  let proxy: Proxy;

  beforeEach(async () => {
    await moto().reset();
    f = new Factory(moto().url);
    dir = await mkdtemp(join(tmpdir(), 'nova-tag-'));
    proxy = await startProxy(moto().url);
    // What the Nova customization SDK leaves, untagged, under its own names; and look-alikes.
    await f.bucket('sagemaker-nova-123456789012-us-east-1', 'us-east-1');
    await f.bucket('sagemaker-novak-data', 'us-east-1');
    const role = await f.role('SageMakerDeployModelExecutionRole');
    await f.role('MyOwnExecutionRole');
    await f.model('forge-run-7-model', role, 'us-east-1');
    await f.model('other-model', role, 'us-east-1');
  });
  afterEach(async () => {
    f.close();
    await proxy.stop();
  });

  it('--dry-run shows what matches and changes nothing; --yes tags it and journals it; it never deletes', async () => {
    // The types of this world (moto cannot list some others, which would be reported as failed, exit 1).
    const types = ['s3:bucket', 'iam:role', 'sagemaker:model'].flatMap((t) => ['--type', t]);
    const args = ['tag', '--preset', 'nova', '--name-prefix', 'forge-run-', '--tag', 'project=nova-leftovers', '--region', 'us-east-1', '--json', ...types];
    const dry = await runCli([...args, '--dry-run'], { endpoint: proxy.url });
    expect(dry.code).toBe(0);
    const planned = JSON.parse(dry.stdout) as TagReport;
    expect(planned.resources.map((r) => `${r.type} ${r.name} ${r.status}`).sort()).toEqual([
      'iam:role SageMakerDeployModelExecutionRole planned',
      's3:bucket sagemaker-nova-123456789012-us-east-1 planned',
      'sagemaker:model forge-run-7-model planned',
    ]);
    expect(proxy.mutating()).toEqual([]);

    const done = await runCli([...args, '--yes', '--backup-dir', dir], { endpoint: proxy.url });
    expect(done.code).toBe(0);
    const report = JSON.parse(done.stdout) as TagReport;
    expect(report.resources.every((r) => r.status === 'tagged')).toBe(true);
    expect(proxy.mutating().map((m) => m.operation).sort()).toEqual(['TagResources', 'TagRole']);
    const journal = (await readFile(report.journalPath as string, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { event: string; arn?: string; runId: string });
    expect(journal.filter((e) => e.event === 'tagged')).toHaveLength(3);
    expect(new Set(journal.map((e) => e.runId)).size).toBe(1);

    // A second run finds them already tagged and changes nothing.
    proxy.clear();
    const again = JSON.parse((await runCli([...args, '--yes', '--backup-dir', dir], { endpoint: proxy.url })).stdout) as TagReport;
    expect(again.resources.every((r) => r.status === 'already-tagged')).toBe(true);
    expect(proxy.mutating()).toEqual([]);

    // The next cleanup is tag-scoped: exactly what was tagged, look-alikes untouched.
    const clean = await runCli(['--tag', 'project=nova-leftovers', '--region', 'us-east-1', '--yes', '--json', '--backup-dir', dir], { moto: moto() });
    const cleaned = JSON.parse(clean.stdout) as Report;
    expect(clean.code).toBe(0);
    expect(cleaned.resources.filter((o) => o.status === 'deleted').map((o) => o.name).sort()).toEqual(['forge-run-7-model', 'sagemaker-nova-123456789012-us-east-1']);
    // The role is still used by the untagged other-model: kept.
    expect(cleaned.resources.find((o) => o.name === 'SageMakerDeployModelExecutionRole')).toMatchObject({ status: 'skipped', rule: 'in-use' });
    const left = await snapshot(moto().url);
    expect(left.buckets.map((b) => b.split(' ')[0])).toEqual(['sagemaker-novak-data']);
    expect(left.roles).toEqual(['MyOwnExecutionRole', 'SageMakerDeployModelExecutionRole']);
  });

  it('refuses without a terminal and without --yes, and without a prefix or a tag value, changing nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['tag', '--name-prefix', 'forge-', '--tag', 'project=x'], /refusing to tag without confirmation/],
      [['tag', '--tag', 'project=x', '--yes'], /at least one --name-prefix/],
      [['tag', '--name-prefix', 'forge-', '--tag', 'project', '--yes'], /exactly one value/],
      [['tag', '--name-prefix', ' forge', '--tag', 'project=x', '--yes'], /--name-prefix/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli([...argv, '--backup-dir', dir], { endpoint: proxy.url });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(proxy.mutating()).toEqual([]);
  });

  it('a type it cannot list is reported as failed (exit 1); what it could list is still shown', async () => {
    // Without --assume-absent for the types moto cannot list: their listing fails, and says so.
    const types = ['sagemaker:notebook-instance-lifecycle-config', 'sagemaker:model'].flatMap((t) => ['--type', t]);
    const r = await runCli(['tag', '--name-prefix', 'forge-run-', '--tag', 'project=x', '--region', 'us-east-1', '--dry-run', '--json', ...types], { endpoint: proxy.url, assumeAbsent: false });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as TagReport;
    // moto 5.2.5 has no ListNotebookInstanceLifecycleConfigs.
    expect(report.resources.find((c) => c.type === 'sagemaker:notebook-instance-lifecycle-config')).toMatchObject({ status: 'failed', error: expect.stringMatching(/could not list them/) });
    expect(report.resources.find((c) => c.name === 'forge-run-7-model')?.status).toBe('planned');
    expect(proxy.mutating()).toEqual([]);
  });
});
