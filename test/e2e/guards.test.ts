import { beforeEach, expect, it } from 'vitest';
import { buildWorld, snapshot, type World } from '../../scripts/lib/world.js';
import { describeWithMoto, runCli } from './harness.js';

describeWithMoto('refusals and bad input change nothing', (moto) => {
  let world: World;
  let before: Record<string, string[]>;
  const tag = () => `${world.tagKey}=${world.tagValue}`;

  beforeEach(async () => {
    await moto().reset();
    world = await buildWorld({ endpoint: moto().url });
    before = await snapshot(moto().url);
  });

  it('refuses without a terminal and without --yes (exit 2)', async () => {
    const r = await runCli(['--tag', tag()], { moto: moto() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to delete without confirmation/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(await snapshot(moto().url)).toEqual(before);
  });

  it('stops on an account mismatch (exit 2)', async () => {
    const r = await runCli(['--tag', tag(), '--yes', '--account', '111122223333'], { moto: moto() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/belong to account 123456789012, not 111122223333/);
    expect(await snapshot(moto().url)).toEqual(before);
  });

  it('accepts the right account', async () => {
    const r = await runCli(['--tag', tag(), '--dry-run', '--account', '123456789012'], { moto: moto() });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Account 123456789012');
  });

  it.each([
    [['--yes'], /at least one --tag/],
    [['--tag', '=x', '--yes'], /--tag: .* no tag key/],
    [['--tag', 'a=1', '--tag', 'a=2', '--yes'], /given twice/],
    [['--tag', 'a=1', '--region', 'us-esat-1', '--yes'], /unknown region "us-esat-1"/],
    [['--tag', 'a=1', '--account', '12', '--yes'], /--account "12": must be a 12-digit/],
    [['--tag', 'a=1', '--include-type', 'ec2:instance', '--yes'], /unknown type "ec2:instance"/],
    [['--tag', 'a=1', '--interactive', '--yes'], /contradict/],
    [['--tag', 'a=1', '--no-such-flag'], /unknown option/],
  ])('bad input %j exits 2 with one line', async (args, message) => {
    const r = await runCli(args, { moto: moto() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(await snapshot(moto().url)).toEqual(before);
  });

  it('leaves resources of another tag value alone', async () => {
    const r = await runCli(['--tag', `${world.tagKey}=no-such-project`, '--yes', '--json'], { moto: moto() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary.deleted).toBe(0);
    expect(await snapshot(moto().url)).toEqual(before);
  });

  it('lists the supported types', async () => {
    const r = await runCli(['types']);
    expect(r.code).toBe(0);
    for (const t of ['s3:bucket', 'lambda:function', 'iam:role', 'sagemaker:endpoint', 'sagemaker:endpoint-config', 'sagemaker:model', 'sagemaker:notebook-instance']) {
      expect(r.stdout).toContain(t);
    }
    expect(r.stdout).toMatch(/sagemaker:endpoint\s+sagemaker:endpoint-config/);
  });

  it('shows examples in --help', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('--dry-run');
  });
});
