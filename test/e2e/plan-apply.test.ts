import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DeleteBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Factory } from '../../scripts/lib/factory.js';
import { buildWorld, clientConfig, snapshot, type World } from '../../scripts/lib/world.js';
import type { Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';
import { startProxy, type Proxy } from '../../scripts/lib/proxy.js';

describeWithMoto('plan --out, then apply exactly that plan', (moto) => {
  let world: World;
  let dir: string;
  let proxy: Proxy;
  const tag = () => `${world.tagKey}=${world.tagValue}`;
  const makePlan = async () => {
    const out = join(dir, 'plan.json');
    const r = await runCli(['plan', '--tag', tag(), '--region', 'us-east-1', '--out', out, '--json'], { endpoint: proxy.url });
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(0);
    return { out, r };
  };

  beforeEach(async () => {
    await moto().reset();
    world = await buildWorld({ endpoint: moto().url });
    dir = await mkdtemp(join(tmpdir(), 'nova-plan-'));
    proxy = await startProxy(moto().url);
  });
  afterEach(async () => {
    await proxy.stop();
  });

  it('plan --out writes the plan (0600) and makes no mutating call; apply deletes only what it lists, re-checked', async () => {
    const { out, r } = await makePlan();
    expect(proxy.mutating()).toEqual([]);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    const plan = JSON.parse(await readFile(out, 'utf8')) as { format: string; digest: string; account: string; items: { ref: { arn: string } }[]; notPlanned: unknown[] };
    expect(plan.format).toBe('nova-cleanup-plan');
    expect(plan.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(new Set(plan.items.map((i) => i.ref.arn))).toEqual(new Set(world.tagged));
    expect((JSON.parse(r.stdout) as Report).summary.planned).toBe(world.tagged.length);

    // The world changes between plan and apply: a new tagged bucket, and a planned bucket loses its tag.
    const f = new Factory(moto().url);
    await f.bucket('nova-demo-late-bucket', 'us-east-1', { [world.tagKey]: world.tagValue });
    f.close();
    const s3 = new S3Client(clientConfig(moto().url, 'us-east-1'));
    await s3.send(new DeleteBucketTaggingCommand({ Bucket: 'nova-demo-artifacts' }));
    s3.destroy();

    const backups = join(dir, 'backups');
    const applied = await runCli(['apply', out, '--yes', '--json', '--backup-dir', backups], { endpoint: proxy.url });
    expect(applied.stderr).not.toMatch(/unexpected error/);
    const report = JSON.parse(applied.stdout) as Report;
    expect(applied.code).toBe(0);
    expect(report.command).toBe('apply');
    expect(report.resources.find((o) => o.name === 'nova-demo-artifacts')).toMatchObject({ status: 'skipped', rule: 'changed-since-plan' });
    expect(report.resources.some((o) => o.name === 'nova-demo-late-bucket')).toBe(false);
    const deleted = report.resources.filter((o) => o.status === 'deleted').map((o) => o.arn);
    expect(new Set(deleted)).toEqual(new Set(world.tagged.filter((a) => !a.endsWith(':::nova-demo-artifacts'))));
    const buckets = (await snapshot(moto().url)).buckets;
    expect(buckets.some((b) => b.startsWith('nova-demo-artifacts '))).toBe(true);
    expect(buckets.some((b) => b.startsWith('nova-demo-late-bucket '))).toBe(true);
    // Nothing outside the plan was touched: the only tagged bucket left is the late one, and apply sent
    // no mutating S3 call at all (the planned bucket lost its tag, the late one is not in the plan).
    expect(proxy.mutating().filter((m) => m.service === 's3')).toEqual([]);
    expect(proxy.mutating().length).toBeGreaterThan(0);
    // The backup is the plan plus each item's fresh configuration.
    const backup = JSON.parse(await readFile(report.backupPath as string, 'utf8')) as { plan: { digest: string }; resources: { arn: string; config: unknown }[] };
    expect(backup.plan.digest).not.toBe(''); // the re-checked plan of this apply
    expect(backup.resources.length).toBe(deleted.length);
  });

  it('refuses an edited, truncated or foreign plan, and a region the plan does not name, before any change', async () => {
    const { out } = await makePlan();
    const text = await readFile(out, 'utf8');
    const before = await snapshot(moto().url);
    proxy.clear();

    const edited = join(dir, 'edited.json');
    await writeFile(edited, text.replace('nova-demo-exec', 'nova-demo-exec-keep'));
    const truncated = join(dir, 'truncated.json');
    await writeFile(truncated, text.slice(0, text.length / 2));
    const cases: [string[], RegExp][] = [
      [['apply', edited, '--yes'], /changed after it was made/],
      [['apply', truncated, '--yes'], /not valid JSON/],
      [['apply', out, '--yes', '--region', 'eu-west-1'], /--region eu-west-1: the plan covers us-east-1 only/],
      [['apply', out], /refusing to delete without confirmation/],
      [['apply', join(dir, 'missing.json'), '--yes'], /cannot read the plan/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli([...argv, '--backup-dir', join(dir, 'b')], { endpoint: proxy.url });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }

    // Credentials of another account (moto's AssumeRole into 111122223333).
    const sts = new STSClient(clientConfig(moto().url, 'us-east-1'));
    const creds = (await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111122223333:role/other', RoleSessionName: 'other' }))).Credentials;
    sts.destroy();
    const foreign = await runCli(['apply', out, '--yes', '--backup-dir', join(dir, 'b')], {
      endpoint: proxy.url,
      env: { AWS_ACCESS_KEY_ID: creds?.AccessKeyId, AWS_SECRET_ACCESS_KEY: creds?.SecretAccessKey, AWS_SESSION_TOKEN: creds?.SessionToken },
    });
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(/123456789012.*111122223333|111122223333.*123456789012/);

    expect(proxy.mutating()).toEqual([]);
    expect(await snapshot(moto().url)).toEqual(before);
  });
});
