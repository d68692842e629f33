import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startProxy, type Proxy } from '../../scripts/lib/proxy.js';
import { buildWorld, snapshot } from '../../scripts/lib/world.js';
import { SERVICE_IDS } from '../../src/aws/clients.js';
import type { Report } from '../../src/model.js';
import { describeWithMoto, MOTO_ABSENT, ROOT, runCli, type CliResult } from './harness.js';

/** No AWS_* variable the harness sets: what the run gets comes from the shared files alone. */
const NO_AWS_ENV = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_ENDPOINT_URL: undefined };
const ASSUME = MOTO_ABSENT.flatMap((t) => ['--assume-absent', t]);

/** A folder with a config and a credentials file, and the variables that point the SDK at them. */
async function awsFiles(configText: string, credentialsText = ''): Promise<{ dir: string; env: Record<string, string | undefined> }> {
  const dir = await mkdtemp(join(tmpdir(), 'nova-aws-config-'));
  await writeFile(join(dir, 'config'), configText);
  await writeFile(join(dir, 'credentials'), credentialsText);
  return { dir, env: { ...NO_AWS_ENV, AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), HOME: dir } };
}

/**
 * The built CLI with exactly this environment added (runCli removes AWS_PROFILE from the child's
 * environment, so the runs that set it start the CLI here).
 */
function runWithEnv(args: readonly string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const full: Record<string, string | undefined> = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1', AWS_PROFILE: undefined, ...env };
  for (const [k, v] of Object.entries(full)) if (v === undefined) delete full[k];
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'nova-cleanup.js'), ...args], { cwd: ROOT, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

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

  describe('profiles as the AWS CLI reads them', () => {
    let proxy: Proxy;
    beforeEach(async () => {
      proxy = await startProxy(moto().url);
    });
    afterEach(async () => {
      await proxy.stop();
    });

    /** A profile whose endpoint_url is the proxy in front of moto: the only way the run can reach moto. */
    const emulatorProfile = () =>
      awsFiles(`[profile emu]\nregion = eu-west-1\nendpoint_url = ${proxy.url}\n`, '[emu]\naws_access_key_id = testing\naws_secret_access_key = testing\n');

    const expectPlanned = (r: CliResult, n: number, region: string) => {
      expect(r.stderr).not.toMatch(/^nova-cleanup: /m);
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as Report;
      expect(report.regions).toEqual([region]);
      expect(report.summary.planned).toBe(n);
    };

    it('--profile takes the endpoint_url of the profile (and its region and keys), for every service', async () => {
      await buildWorld({ endpoint: moto().url, region: 'eu-west-1', prefix: 'viaflag' });
      const { env } = await emulatorProfile();
      const r = await runWithEnv(['--tag', 'project=nova-demo', '--profile', 'emu', '--dry-run', '--json', ...ASSUME], env);
      expectPlanned(r, 7, 'eu-west-1');
      // Every call went to the profile's endpoint, S3's (path-style) too.
      const services = new Set(proxy.requests().map((q) => q.service));
      for (const s of ['sts', 'tagging', 's3', 'lambda', 'sagemaker', 'iam']) expect(services).toContain(s);
      expect(proxy.mutating()).toEqual([]);
    });

    it('AWS_PROFILE takes the same endpoint_url, region and keys as --profile', async () => {
      await buildWorld({ endpoint: moto().url, region: 'eu-west-1', prefix: 'viaenv' });
      const { env } = await emulatorProfile();
      const r = await runWithEnv(['--tag', 'project=nova-demo', '--dry-run', '--json', ...ASSUME], { ...env, AWS_PROFILE: 'emu' });
      expectPlanned(r, 7, 'eu-west-1');
      expect(proxy.count('GetCallerIdentity')).toBe(1);
      expect(proxy.count('GetResources')).toBeGreaterThan(0);
    });

    it("a service's endpoint from the profile's services section wins over its endpoint_url", async () => {
      await buildWorld({ endpoint: moto().url, region: 'eu-west-1', prefix: 'svcsec' });
      // endpoint_url points nowhere; the services section sends STS and every other client used to the proxy.
      const services = Object.values(SERVICE_IDS).map((id) => id.toLowerCase().replaceAll(' ', '_'));
      const { env } = await awsFiles(
        `[profile emu]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:9\nservices = local\n\n[services local]\n${services.map((s) => `${s} =\n  endpoint_url = ${proxy.url}\n`).join('')}`,
        '[emu]\naws_access_key_id = testing\naws_secret_access_key = testing\n',
      );
      const r = await runWithEnv(['--tag', 'project=nova-demo', '--profile', 'emu', '--dry-run', '--json', '--include-type', 'lambda:function', '--include-type', 's3:bucket', ...ASSUME], env);
      expect(r.stderr).not.toMatch(/^nova-cleanup: /m);
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as Report;
      expect(report.resources.filter((o) => o.status === 'planned').map((o) => o.type).sort()).toEqual(['lambda:function', 's3:bucket']);
      expect(proxy.count('GetCallerIdentity')).toBe(1);
    });

    it('a credential_process profile: the command prints the credentials', async () => {
      await buildWorld({ endpoint: moto().url, region: 'us-east-1', prefix: 'process' });
      const { dir, env } = await awsFiles('');
      const script = join(dir, 'creds.mjs');
      // It also counts its runs: once per run, whatever the number of services and regions.
      await writeFile(
        script,
        `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(join(dir, 'runs'))}, 'run\\n');\nprocess.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: 'testing', SecretAccessKey: 'testing' }));\n`,
      );
      await writeFile(join(dir, 'config'), `[profile proc]\nregion = us-east-1\ncredential_process = ${process.execPath} ${script}\n`);
      const r = await runWithEnv(['--tag', 'project=nova-demo', '--profile', 'proc', '--endpoint-url', proxy.url, '--dry-run', '--json', ...ASSUME], env);
      expect(r.stderr).toContain('Account 123456789012 as ');
      expectPlanned(r, 7, 'us-east-1');
      expect(proxy.count('GetResources')).toBeGreaterThan(0);
      expect((await readFile(join(dir, 'runs'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(1);
    });

    it('AWS_DEFAULT_REGION alone names the region', async () => {
      await buildWorld({ endpoint: moto().url, region: 'ap-southeast-2', prefix: 'defregion' });
      const r = await runCli(['--tag', 'project=nova-demo', '--dry-run', '--json'], { endpoint: proxy.url, env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: 'ap-southeast-2', AWS_CONFIG_FILE: '/nonexistent/config' } });
      expect(r.stderr).toContain('in ap-southeast-2');
      expectPlanned(r, 7, 'ap-southeast-2');
      // The identity and the discovery were asked in that region (the usage check looks in every region).
      expect(new Set(proxy.requests().filter((q) => q.operation === 'GetCallerIdentity' || q.operation === 'GetResources').map((q) => q.region))).toEqual(new Set(['ap-southeast-2']));
    });

    it('an unknown profile is named, with the file it is not in, before any call', async () => {
      const { dir, env } = await awsFiles('[profile emu]\nregion = eu-west-1\n');
      for (const [args, extra, from] of [
        [['--profile', 'prod-typo'], {}, '--profile'],
        [[], { AWS_PROFILE: 'prod-typo' }, 'AWS_PROFILE'],
      ] as const) {
        const r = await runWithEnv(['--tag', 'project=nova-demo', ...args, '--endpoint-url', proxy.url, '--dry-run'], { ...env, ...extra });
        expect(r.code).toBe(2);
        expect(r.stderr.trim()).toBe(
          `nova-cleanup: profile "prod-typo" (${from}) is not in ${join(dir, 'config')} (AWS_CONFIG_FILE) nor in ${join(dir, 'credentials')} (AWS_SHARED_CREDENTIALS_FILE); check its name (\`aws configure list-profiles\` lists them) or create it with \`aws configure --profile prod-typo\``,
        );
      }
      expect(proxy.requests()).toEqual([]);
    });

    it('--region is repeatable and comma-separated, duplicates once', async () => {
      const r = await runCli(['--tag', 'project=nova-demo', '--region', 'us-east-1,eu-west-1', '--region', 'us-east-1', '--dry-run', '--json'], { endpoint: proxy.url });
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as Report).regions).toEqual(['us-east-1', 'eu-west-1']);
    });
  });
});
