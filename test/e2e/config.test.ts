import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { buildWorld, snapshot } from '../../scripts/lib/world.js';
import type { Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';

describeWithMoto('regions and credentials from the AWS config chain', (moto) => {
  beforeEach(async () => {
    await moto().reset();
  });

  it('takes region and credentials from --profile, with no AWS_* variables set', async () => {
    await buildWorld({ endpoint: moto().url, region: 'eu-west-1', prefix: 'profiled' });
    const dir = await mkdtemp(join(tmpdir(), 'nova-aws-config-'));
    await writeFile(join(dir, 'config'), '[profile cleanup]\nregion = eu-west-1\n');
    await writeFile(join(dir, 'credentials'), '[cleanup]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
    const env = {
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
    };
    const r = await runCli(['--tag', 'project=nova-demo', '--profile', 'cleanup', '--dry-run', '--json'], { moto: moto(), env });
    expect(r.stderr).toContain('in eu-west-1');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.regions).toEqual(['eu-west-1']);
    expect(report.summary.planned).toBe(7);
  });

  it('cleans several regions in one run: each regional resource once, IAM roles once', async () => {
    const east = await buildWorld({ endpoint: moto().url, region: 'us-east-1', prefix: 'east' });
    const west = await buildWorld({ endpoint: moto().url, region: 'us-west-2', prefix: 'west' });
    const backupDir = await mkdtemp(join(tmpdir(), 'nova-backup-'));
    const r = await runCli(['--tag', 'project=nova-demo', '--region', 'us-east-1', '--region', 'us-west-2', '--yes', '--json', '--backup-dir', backupDir], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(r.code).toBe(0);
    const deleted = report.resources.filter((o) => o.status === 'deleted').map((o) => o.arn);
    expect(deleted).toHaveLength(new Set(deleted).size);
    expect(new Set(deleted)).toEqual(new Set([...east.tagged, ...west.tagged]));
    const westBucket = report.resources.find((o) => o.arn === 'arn:aws:s3:::west-artifacts');
    expect(westBucket?.region).toBe('us-west-2');
    for (const region of ['us-east-1', 'us-west-2']) {
      const left = await snapshot(moto().url, region);
      expect(left.endpoints).toEqual([]);
      expect(left.functions.every((f) => f.endsWith('-keep'))).toBe(true);
    }
  });

  it('--all-regions cleans every region enabled for the account, IAM once; it refuses --region beside it', async () => {
    const east = await buildWorld({ endpoint: moto().url, region: 'us-east-1', prefix: 'alle' });
    const west = await buildWorld({ endpoint: moto().url, region: 'eu-west-1', prefix: 'allw' });
    const r = await runCli(['--tag', 'project=nova-demo', '--all-regions', '--dry-run', '--json'], { moto: moto() });
    expect(r.stderr).toMatch(/All \d+ regions enabled for the account: us-east-1,/);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.regions[0]).toBe('us-east-1');
    expect(report.regions).toContain('eu-west-1');
    const planned = report.resources.filter((o) => o.status === 'planned').map((o) => o.arn);
    expect(planned).toHaveLength(new Set(planned).size);
    expect(new Set(planned)).toEqual(new Set([...east.tagged, ...west.tagged]));

    const both = await runCli(['--tag', 'project=nova-demo', '--all-regions', '--region', 'us-east-1', '--dry-run'], { moto: moto() });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--all-regions and --region contradict each other/);
  });
});
