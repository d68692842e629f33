import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { startProxy } from '../../scripts/lib/proxy.js';
import { buildWorld, snapshot } from '../../scripts/lib/world.js';
import type { Outcome, Report } from '../../src/model.js';
import type { PlanDocument } from '../../src/plan/document.js';
import { describeWithMoto, runCli } from './harness.js';

/**
 * `--config <file>` end to end: the file's tags and regions are what the run looks for, what it protects
 * stays (shown as protected, what it uses kept) through a cleanup, a plan and its apply; a flag wins over
 * the file; a bad file is refused before any AWS call; `config --explain` says where each setting came from.
 */

const REGION = 'eu-west-1';
const BUCKET_ARN = 'arn:aws:s3:::nova-demo-artifacts';

async function folder(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'nova-config-file-'));
}

async function configFile(dir: string, text: string, name = 'cleanup.yaml'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** The world's tag and region, a protected bucket ARN and a protected function name pattern. */
const PROTECTING = `# the sandbox of the demo
tags:
  project: nova-demo
regions: [${REGION}]
protect:
  arns: ["${BUCKET_ARN}"]
  names: ["*-preprocess"]
concurrency: { all: 2, sagemaker: 1 }
`;

const byName = (report: Report, type: string, name: string): Outcome | undefined => report.resources.find((r) => r.type === type && r.name === name);

describeWithMoto('--config <file>', (moto) => {
  beforeEach(async () => {
    await moto().reset();
  });

  it("uses the file's tags and regions; what it protects is kept, shown as protected, and keeps its role", async () => {
    await buildWorld({ endpoint: moto().url, region: REGION });
    const dir = await folder();
    const config = await configFile(dir, PROTECTING);
    // No --tag, no --region (the harness's AWS_REGION is us-east-1): both come from the file.
    const r = await runCli(['--config', config, '--yes', '--json', '--backup-dir', join(dir, 'backups')], { moto: moto() });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.regions).toEqual([REGION]);
    expect(report.tagFilters).toEqual([{ key: 'project', values: ['nova-demo'] }]);
    expect(byName(report, 'lambda:function', 'nova-demo-preprocess')).toMatchObject({ status: 'skipped', rule: 'protected', reason: 'protected by config: name matches "*-preprocess"' });
    expect(byName(report, 's3:bucket', 'nova-demo-artifacts')).toMatchObject({ status: 'skipped', rule: 'protected', reason: 'protected by config: its ARN is listed' });
    expect(byName(report, 'iam:role', 'nova-demo-exec')).toMatchObject({ status: 'skipped', rule: 'in-use' });
    expect(byName(report, 'iam:role', 'nova-demo-exec')?.reason).toMatch(/^used by lambda:function nova-demo-preprocess \(eu-west-1\), which stays/);
    expect(byName(report, 'sagemaker:endpoint', 'nova-demo-endpoint')).toMatchObject({ status: 'deleted' });
    // The text plan on stderr says it too.
    expect(r.stderr).toContain('protected by config: name matches "*-preprocess"');

    const after = await snapshot(moto().url, REGION);
    expect(after.functions).toContain('nova-demo-preprocess');
    expect(after.roles).toContain('nova-demo-exec');
    expect(after.buckets.some((b) => b.startsWith('nova-demo-artifacts '))).toBe(true);
    expect(after.endpoints).toEqual([]);
  });

  it('a plan records a protected resource as protected, and its apply does not delete it; apply given --protect-name keeps one the plan had', async () => {
    await buildWorld({ endpoint: moto().url, region: REGION });
    const dir = await folder();
    const config = await configFile(dir, PROTECTING);
    const planned = join(dir, 'plan.json');
    const p = await runCli(['plan', '--config', config, '--out', planned], { moto: moto() });
    expect(p.code, p.stderr).toBe(0);
    const doc = JSON.parse(await readFile(planned, 'utf8')) as PlanDocument;
    expect(doc.items.map((i) => i.ref.name)).not.toContain('nova-demo-preprocess');
    expect(doc.notPlanned.find((o) => o.name === 'nova-demo-preprocess')).toMatchObject({ rule: 'protected', reason: 'protected by config: name matches "*-preprocess"' });
    const a = await runCli(['apply', planned, '--yes', '--json', '--backup-dir', join(dir, 'backups')], { moto: moto() });
    expect(a.code, a.stderr).toBe(0);
    expect((await snapshot(moto().url, REGION)).functions).toContain('nova-demo-preprocess');

    // A plan made without protection lists the notebook; apply given --protect-name re-decides, and keeps it.
    await moto().reset();
    await buildWorld({ endpoint: moto().url, region: REGION });
    const open = join(dir, 'open.json');
    const q = await runCli(['plan', '--tag', 'project=nova-demo', '--region', REGION, '--out', open], { moto: moto() });
    expect(q.code, q.stderr).toBe(0);
    expect((JSON.parse(await readFile(open, 'utf8')) as PlanDocument).items.map((i) => i.ref.name)).toContain('nova-demo-notebook');
    const b = await runCli(['apply', open, '--protect-name', 'nova-demo-note*', '--yes', '--json', '--backup-dir', join(dir, 'backups2')], { moto: moto() });
    expect(b.code, b.stderr).toBe(0);
    const report = JSON.parse(b.stdout) as Report;
    expect(byName(report, 'sagemaker:notebook-instance', 'nova-demo-notebook')).toMatchObject({ status: 'skipped', rule: 'protected', reason: 'protected by --protect-name: name matches "nova-demo-note*"' });
    expect(byName(report, 'iam:role', 'nova-demo-exec')).toMatchObject({ status: 'skipped', rule: 'in-use' });
    const after = await snapshot(moto().url, REGION);
    expect(after.notebooks.some((n) => n.startsWith('nova-demo-notebook '))).toBe(true);
    expect(after.roles).toContain('nova-demo-exec');
    expect(after.endpoints).toEqual([]);
  });

  it("a flag wins over the file's key, and a repeatable flag replaces the file's list", async () => {
    await buildWorld({ endpoint: moto().url, region: 'us-east-1' });
    const dir = await folder();
    const config = await configFile(dir, PROTECTING);
    const r = await runCli(['--config', config, '--region', 'us-east-1', '--protect-name', '*-notebook', '--dry-run', '--json'], { moto: moto() });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.regions).toEqual(['us-east-1']);
    expect(byName(report, 'sagemaker:notebook-instance', 'nova-demo-notebook')).toMatchObject({ rule: 'protected', reason: 'protected by --protect-name: name matches "*-notebook"' });
    // The file's pattern is replaced, not added to: the function is planned.
    expect(byName(report, 'lambda:function', 'nova-demo-preprocess')).toMatchObject({ status: 'planned' });
    // The file's protected ARN (another key) still holds.
    expect(byName(report, 's3:bucket', 'nova-demo-artifacts')).toMatchObject({ rule: 'protected' });
  });

  // A lane bounds operations (a describe, a listing, a delete), not HTTP calls: a listing's own tag reads
  // go out together. So the peak of calls in flight falls with the bound, by far, without being the bound.
  it('concurrency lowers the SageMaker calls in flight at once: the file\'s, or --concurrency over it', async () => {
    for (const prefix of ['pace-a', 'pace-b', 'pace-c']) await buildWorld({ endpoint: moto().url, region: REGION, prefix });
    const dir = await folder();
    const proxy = await startProxy(moto().url, { latencyMs: 40 });
    /** The most SageMaker calls the proxy had in flight at once during a dry run with these arguments. */
    const peak = async (args: readonly string[]): Promise<number> => {
      proxy.clear();
      const r = await runCli(['--tag', 'project=nova-demo', '--region', REGION, '--dry-run', ...args], { endpoint: proxy.url });
      expect(r.code, r.stderr).toBe(0);
      const calls = proxy.requests().filter((q) => q.service === 'sagemaker');
      expect(calls.length).toBeGreaterThan(10);
      // A sweep over the arrivals and answers: the most requests between arrival and answer at one moment.
      const events = calls.flatMap((c) => [{ at: c.start, d: 1 }, { at: c.end ?? Infinity, d: -1 }]).sort((x, y) => x.at - y.at || x.d - y.d);
      let now = 0;
      let most = 0;
      for (const e of events) most = Math.max(most, (now += e.d));
      return most;
    };
    try {
      const free = await peak([]);
      const file = await configFile(dir, 'concurrency: { all: 8, sagemaker: 1 }\n');
      const fromFile = await peak(['--config', file]);
      const fromFlag = await peak(['--config', file, '--concurrency', '16']);
      expect(fromFile * 3, `${free} in flight at most without a bound, ${fromFile} with sagemaker: 1`).toBeLessThan(free);
      expect(fromFlag, `${fromFlag} in flight at most with --concurrency 16 over the file's sagemaker: 1`).toBeGreaterThan(fromFile * 2);
    } finally {
      await proxy.stop();
    }
  });

  it('a bad file exits 2 naming the file, its line and the path, before any AWS call', async () => {
    const dir = await folder();
    const config = await configFile(dir, 'tags: [project=nova-demo]\nregions:\n  - us-east-1\n  - us-east-9\nprotect:\n  names: [""]\n');
    const proxy = await startProxy(moto().url);
    try {
      const r = await runCli(['--config', config, '--yes', '--backup-dir', join(dir, 'backups')], { endpoint: proxy.url });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([
        `nova-cleanup: ${config}:4: regions[1]: unknown region "us-east-9" (not in the AWS SDK's region list); correct it`,
        `${config}:6: protect.names[0]: must not be empty`,
      ]);
      const j = await runCli(['plan', '--config', join(dir, 'missing.yaml'), '--json'], { endpoint: proxy.url });
      expect(j.code).toBe(2);
      expect((JSON.parse(j.stdout) as { error: { code: string; message: string } }).error).toEqual({ code: 'usage', message: `--config ${join(dir, 'missing.yaml')}: no such file; check the path` });
      const d = await runCli(['apply', join(dir, 'plan.json'), '--config', dir, '--yes'], { endpoint: proxy.url });
      expect(d.code).toBe(2);
      expect(d.stderr).toContain(`--config ${dir}: is a folder, not a file`);
      expect(proxy.mutating()).toEqual([]);
      expect(proxy.requests()).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });

  it('config --explain prints the effective settings and where each came from, without any AWS call', async () => {
    const dir = await folder();
    const config = await configFile(dir, PROTECTING);
    const proxy = await startProxy(moto().url);
    try {
      const j = await runCli(['config', '--explain', '--config', config, '--region', 'us-east-1', '--json'], { endpoint: proxy.url });
      expect(j.code, j.stderr).toBe(0);
      const doc = JSON.parse(j.stdout) as { config: string; settings: Record<string, { value: unknown; source: string }> };
      expect(doc.config).toBe(config);
      expect(doc.settings.tags).toEqual({ value: [{ key: 'project', values: ['nova-demo'] }], source: 'file' });
      expect(doc.settings.regions).toEqual({ value: ['us-east-1'], source: 'flag' });
      expect(doc.settings['protect.names']).toEqual({ value: ['*-preprocess'], source: 'file' });
      expect(doc.settings.concurrency).toEqual({ value: { all: 2, services: { sagemaker: 1 } }, source: 'file' });
      expect(doc.settings.waitTimeout).toEqual({ value: 1800, source: 'default' });
      const t = await runCli(['config', '--config', config], { endpoint: proxy.url });
      expect(t.code, t.stderr).toBe(0);
      expect(t.stdout).toContain(`config file ${config}; a flag wins over the file, the file over the default`);
      expect(t.stdout).toMatch(/^ {2}regions +eu-west-1 +file$/m);
      expect(t.stdout).toMatch(/^ {2}discovery +tagging +default$/m);
      expect(proxy.requests()).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});
