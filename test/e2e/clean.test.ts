import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { buildWorld, CLEANED, snapshot, type World } from '../../scripts/lib/world.js';
import type { Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';

describeWithMoto('the main job against moto', (moto) => {
  let world: World;
  let backupDir: string;
  const tagArgs = () => ['--tag', `${world.tagKey}=${world.tagValue}`, '--region', 'us-east-1'];

  beforeEach(async () => {
    await moto().reset();
    world = await buildWorld({ endpoint: moto().url });
    backupDir = await mkdtemp(join(tmpdir(), 'nova-backup-'));
  });

  it('--dry-run plans exactly the tagged resources and changes nothing', async () => {
    const before = await snapshot(moto().url);
    const r = await runCli([...tagArgs(), '--dry-run', '--json', '--backup-dir', backupDir], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.dryRun).toBe(true);
    const planned = report.resources.filter((o) => o.status === 'planned').map((o) => o.arn);
    expect(new Set(planned)).toEqual(new Set(world.tagged));
    for (const decoy of world.decoys) expect(r.stdout).not.toContain(`/${decoy}"`);
    expect(await snapshot(moto().url)).toEqual(before);
    expect(await readdir(backupDir)).toEqual([]);
    // the human plan (on stderr with --json) is grouped by type, with counts
    expect(r.stderr).toContain('Plan: 7 resources to delete');
    expect(r.stderr).toContain('sagemaker:endpoint (1)');
    expect(r.stderr).toMatch(/permission check skipped/);
  });

  it('--yes deletes exactly the tagged set, keeps every decoy, backs up first, and a second run finds nothing', async () => {
    const r = await runCli([...tagArgs(), '--yes', '--json', '--backup-dir', backupDir], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    const report = JSON.parse(r.stdout) as Report;
    const failed = report.resources.filter((o) => o.status === 'failed');
    expect(failed).toEqual([]);
    expect(r.code).toBe(0);
    expect(new Set(report.resources.filter((o) => o.status === 'deleted').map((o) => o.arn))).toEqual(new Set(world.tagged));

    const after = await snapshot(moto().url);
    expect(after).toEqual(CLEANED);

    // The backup: one 0600 file holding every deleted resource with its configuration.
    expect(report.backupPath).toBeDefined();
    const path = report.backupPath as string;
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const backup = JSON.parse(await readFile(path, 'utf8')) as { resources: { arn: string; type: string; tags: Record<string, string>; config: Record<string, unknown> }[] };
    expect(new Set(backup.resources.map((b) => b.arn))).toEqual(new Set(world.tagged));
    for (const b of backup.resources) expect(b.tags[world.tagKey]).toBe(world.tagValue);
    const byType = (t: string) => backup.resources.find((b) => b.type === t)?.config ?? {};
    expect(JSON.stringify(byType('iam:role'))).toContain('sagemaker.amazonaws.com'); // trust policy
    expect(JSON.stringify(byType('iam:role'))).toContain('inline-logs');
    expect(JSON.stringify(byType('s3:bucket'))).toContain('Enabled'); // versioning
    expect(JSON.stringify(byType('s3:bucket'))).toContain('locked/*'); // bucket policy
    expect(JSON.stringify(byType('sagemaker:endpoint'))).toContain('nova-demo-config');
    expect(JSON.stringify(byType('sagemaker:endpoint-config'))).toContain('nova-demo-model');
    expect(JSON.stringify(byType('lambda:function'))).toContain('python3.12');

    // The journal records each delete, in dependency order: the endpoint before its config, the role last.
    const journal = (await readFile(report.journalPath as string, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { event: string; arn: string; runId: string; type?: string; step?: string });
    // One run id; every item event names the item, its type and the step.
    expect(new Set(journal.map((e) => e.runId))).toEqual(new Set([report.runId]));
    for (const e of journal.filter((x) => x.arn)) expect(e).toMatchObject({ type: expect.any(String), step: expect.any(String) });
    const deletedAt = (arn: string) => journal.findIndex((e) => e.event === 'deleted' && e.arn === arn);
    const arnOf = (part: string) => world.tagged.find((a) => a.includes(part)) as string;
    expect(deletedAt(arnOf(':endpoint/'))).toBeLessThan(journal.findIndex((e) => e.event === 'step-started' && e.arn === arnOf('endpoint-config/')));
    expect(deletedAt(arnOf('endpoint-config/'))).toBeLessThan(journal.findIndex((e) => e.event === 'step-started' && e.arn === arnOf(':model/')));
    for (const user of [':model/', ':function:', 'notebook-instance/']) {
      expect(deletedAt(arnOf(user))).toBeLessThan(journal.findIndex((e) => e.event === 'step-started' && e.arn === arnOf(':role/')));
    }

    const again = await runCli([...tagArgs(), '--yes', '--json', '--backup-dir', backupDir], { moto: moto() });
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout) as Report;
    expect(second.resources.filter((o) => o.status !== 'gone' && o.status !== 'unsupported')).toEqual([]);
    expect(second.summary.deleted).toBe(0);
  });

  it('prints a human plan and report with --yes, through --endpoint-url', async () => {
    const r = await runCli([...tagArgs(), '--yes', '--endpoint-url', moto().url, '--backup-dir', backupDir, '--include-type', 'sagemaker:*']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Plan: 4 resources to delete in 3 layers');
    expect(r.stdout).toMatch(/Summary: 4 deleted, 0 failed/);
    expect(r.stdout).toMatch(/skipped\s+lambda:function\s+nova-demo-preprocess\s+\[type-excluded\]\s+type excluded/);
    expect(r.stderr).toContain(`Backup of 4 resources written to ${backupDir}`);
    const after = await snapshot(moto().url);
    expect(after.roles).toContain('nova-demo-exec');
    expect(after.functions).toContain('nova-demo-preprocess');
    expect(after.models).toEqual(['nova-demo-model-keep']);
  });

  it('an excluded endpoint keeps its config, its model and their role; the rest goes', async () => {
    const r = await runCli([...tagArgs(), '--yes', '--json', '--backup-dir', backupDir, '--exclude-type', 'sagemaker:endpoint'], { moto: moto() });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    const status = (part: string) => report.resources.find((o) => o.arn.includes(part) && o.status !== 'unsupported');
    expect(status(':endpoint/')).toMatchObject({ status: 'skipped', rule: 'type-excluded' });
    expect(status('endpoint-config/')).toMatchObject({ status: 'skipped', rule: 'in-use', reason: 'used by sagemaker:endpoint nova-demo-endpoint (us-east-1), which stays' });
    expect(status(':model/')).toMatchObject({ status: 'skipped', rule: 'in-use', reason: 'used by sagemaker:endpoint-config nova-demo-config (us-east-1), which stays' });
    expect(status(':role/')).toMatchObject({ status: 'skipped', rule: 'in-use', reason: 'used by sagemaker:model nova-demo-model (us-east-1), which stays' });
    for (const part of [':function:', 's3:::', 'notebook-instance/']) expect(status(part)?.status).toBe('deleted');
    const after = await snapshot(moto().url);
    expect(after.endpoints).toEqual(['nova-demo-endpoint InService']);
    expect(after.configs).toEqual(['nova-demo-config']);
    expect(after.models).toContain('nova-demo-model');
    expect(after.roles).toContain('nova-demo-exec');
  });
});

