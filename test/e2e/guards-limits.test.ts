import { CreateAccountAliasCommand, IAMClient } from '@aws-sdk/client-iam';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildWorld, clientConfig, snapshot, type World } from '../../scripts/lib/world.js';
import type { Report } from '../../src/model.js';
import { describeWithMoto, runCli, type CliResult } from './harness.js';
import { startProxy, type Proxy } from '../../scripts/lib/proxy.js';

/** The line the run ended with (a refusal after the plan was shown comes last on stderr). */
const lastLine = (r: CliResult): string => r.stderr.trim().split('\n').at(-1) ?? '';

describeWithMoto('guards: --max-resources, --expect-count, account lists and prod aliases refuse before any change', (moto) => {
  let world: World;
  let dir: string;
  let proxy: Proxy;
  let before: Record<string, string[]>;
  const tag = () => `${world.tagKey}=${world.tagValue}`;
  const endpoints = () => world.tagged.filter((a) => /:sagemaker:[^:]*:\d{12}:endpoint\//.test(a)).length;

  /** Exit 2, the line, no mutating request, and the account as it was. */
  const refused = async (r: CliResult, line: RegExp) => {
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code, r.stderr).toBe(2);
    expect(lastLine(r)).toMatch(line);
    expect(r.stdout).not.toMatch(/"summary"/); // no report: the run stopped
    expect(proxy.mutating()).toEqual([]);
    expect(await snapshot(moto().url)).toEqual(before);
  };

  beforeEach(async () => {
    await moto().reset();
    world = await buildWorld({ endpoint: moto().url });
    dir = await mkdtemp(join(tmpdir(), 'nova-guards-'));
    proxy = await startProxy(moto().url);
    before = await snapshot(moto().url);
  });
  afterEach(async () => {
    await proxy.stop();
  });

  it('--max-resources: the run, `plan` (which writes no file) and `apply` refuse a larger plan; the limit met, the run goes on', async () => {
    const n = world.tagged.length;
    expect(n).toBeGreaterThan(2);
    const backups = join(dir, 'b');
    const line = new RegExp(`^nova-cleanup: the plan deletes ${n} resources, more than --max-resources 2; nothing was changed$`);
    await refused(await runCli(['--tag', tag(), '--yes', '--json', '--max-resources', '2', '--backup-dir', backups], { endpoint: proxy.url }), line);
    expect(existsSync(backups)).toBe(true); // the folder is prepared first, but no backup is written into it
    await refused(await runCli(['--tag', tag(), '--dry-run', '--max-resources', '2'], { endpoint: proxy.url }), line);

    const out = join(dir, 'plan.json');
    await refused(await runCli(['plan', '--tag', tag(), '--out', out, '--max-resources', '2'], { endpoint: proxy.url }), line);
    expect(existsSync(out)).toBe(false);

    // A plan made without the limit, applied with it.
    const made = await runCli(['plan', '--tag', tag(), '--out', out, '--max-resources', String(n)], { endpoint: proxy.url });
    expect(made.code, made.stderr).toBe(0);
    proxy.clear();
    await refused(await runCli(['apply', out, '--yes', '--max-resources', '2', '--backup-dir', backups], { endpoint: proxy.url }), line);

    const ok = await runCli(['apply', out, '--yes', '--json', '--max-resources', String(n), '--backup-dir', backups], { endpoint: proxy.url });
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as Report).summary.deleted).toBeGreaterThan(0);
  });

  it('--expect-count: a count by type or a total that differs is refused, saying by how much; the right counts pass', async () => {
    const eps = endpoints();
    expect(eps).toBeGreaterThan(0);
    const n = world.tagged.length;
    await refused(
      await runCli(['--tag', tag(), '--yes', '--expect-count', `sagemaker:endpoint=${eps + 2}`, '--backup-dir', join(dir, 'b')], { endpoint: proxy.url }),
      new RegExp(`--expect-count: expected ${eps + 2} sagemaker:endpoint, the plan has ${eps} \\(2 fewer\\); nothing was changed$`),
    );
    await refused(
      await runCli(['--tag', tag(), '--dry-run', '--expect-count', String(n - 1), '--expect-count', 'sagemaker:endpoint=0'], { endpoint: proxy.url }),
      new RegExp(`--expect-count: expected ${n - 1} resources in all, the plan has ${n} \\(1 more\\); expected 0 sagemaker:endpoint, the plan has ${eps} \\(${eps} more\\); nothing was changed$`),
    );
    const out = join(dir, 'plan.json');
    await refused(await runCli(['plan', '--tag', tag(), '--out', out, '--expect-count', `sagemaker:endpoint=${eps + 1}`], { endpoint: proxy.url }), /\(1 fewer\); nothing was changed$/);
    expect(existsSync(out)).toBe(false);

    const ok = await runCli(['--tag', tag(), '--dry-run', '--json', '--expect-count', String(n), '--expect-count', `sagemaker:endpoint=${eps}`], { endpoint: proxy.url });
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as Report).summary.planned).toBe(n);
  });

  it('--block-account and --allow-account refuse right after the identity check, in a dry run too', async () => {
    const cases: [string[], RegExp][] = [
      [['--yes', '--block-account', '123456789012'], /account guard: account 123456789012 is blocked \(--block-account\); nothing was done$/],
      [['--dry-run', '--block-account', '123456789012'], /account 123456789012 is blocked/],
      [['--yes', '--allow-account', '111122223333', '--allow-account', '444455556666'], /account guard: account 123456789012 is not one of --allow-account 111122223333, 444455556666; nothing was done$/],
      [['plan', '--allow-account', '111122223333'], /is not one of --allow-account 111122223333/],
    ];
    for (const [args, line] of cases) {
      const argv = args[0] === 'plan' ? ['plan', '--tag', tag(), ...args.slice(1)] : ['--tag', tag(), ...args, '--backup-dir', join(dir, 'b')];
      const r = await runCli(argv, { endpoint: proxy.url });
      await refused(r, line);
      // Nothing but the identity check was asked of AWS.
      expect(proxy.requests().map((q) => q.operation)).toEqual(['GetCallerIdentity']);
      proxy.clear();
    }
    const allowed = await runCli(['--tag', tag(), '--dry-run', '--allow-account', '123456789012', '--block-account', '111122223333'], { endpoint: proxy.url });
    expect(allowed.code, allowed.stderr).toBe(0);
  });

  it('an account alias containing "prod" is refused (dry run and apply too) unless --allow-prod-alias or --allow-account names it', async () => {
    const out = join(dir, 'plan.json');
    const made = await runCli(['plan', '--tag', tag(), '--out', out], { endpoint: proxy.url });
    expect(made.code, made.stderr).toBe(0);

    const iam = new IAMClient(clientConfig(moto().url, 'us-east-1'));
    await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'nova-Prod-eu' }));
    iam.destroy();
    before = await snapshot(moto().url);
    proxy.clear();

    const line = /account guard: account 123456789012 has the alias "nova-Prod-eu", which looks like production; pass --allow-prod-alias \(or --allow-account 123456789012\) if you mean it; nothing was done$/;
    await refused(await runCli(['--tag', tag(), '--yes', '--backup-dir', join(dir, 'b')], { endpoint: proxy.url }), line);
    await refused(await runCli(['--tag', tag(), '--dry-run'], { endpoint: proxy.url }), line);
    await refused(await runCli(['plan', '--tag', tag(), '--out', join(dir, 'other.json')], { endpoint: proxy.url }), line);
    expect(existsSync(join(dir, 'other.json'))).toBe(false);
    await refused(await runCli(['apply', out, '--yes', '--backup-dir', join(dir, 'b')], { endpoint: proxy.url }), line);
    expect(proxy.requests().map((q) => q.operation)).toEqual(Array.from({ length: 4 }, () => ['GetCallerIdentity', 'ListAccountAliases']).flat());

    for (const extra of [['--allow-prod-alias'], ['--allow-account', '123456789012']]) {
      const r = await runCli(['--tag', tag(), '--dry-run', ...extra], { endpoint: proxy.url });
      expect(r.code, r.stderr).toBe(0);
    }
    const applied = await runCli(['apply', out, '--yes', '--json', '--allow-prod-alias', '--backup-dir', join(dir, 'b')], { endpoint: proxy.url });
    expect(applied.code, applied.stderr).toBe(0);
    expect((JSON.parse(applied.stdout) as Report).summary.deleted).toBeGreaterThan(0);
  });

  it.each([
    [['--max-resources', '0'], /^--max-resources "0": must be a whole number of resources, at least 1/],
    [['--max-resources', 'many'], /^--max-resources "many": must be a whole number/],
    [['--expect-count', 'ec2:instance=1'], /^--expect-count "ec2:instance=1": unknown type "ec2:instance"/],
    [['--expect-count', 'sagemaker:endpoint'], /^--expect-count "sagemaker:endpoint": must be N \(the total\) or service:type=N/],
    [['--allow-account', '12'], /^--allow-account "12": must be a 12-digit AWS account id$/],
    [['--block-account', 'x23456789012'], /^--block-account "x23456789012": must be a 12-digit AWS account id$/],
  ])('bad input %j exits 2 with one line, before any AWS call', async (args, message) => {
    const r = await runCli(['--tag', tag(), '--yes', ...args], { endpoint: proxy.url });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(new RegExp(`^nova-cleanup: ${message.source.slice(1)}`));
    expect(proxy.requests()).toEqual([]);
  });
});
