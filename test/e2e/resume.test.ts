import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildWorld, CLEANED, snapshot, type World } from '../../scripts/lib/world.js';
import type { Report } from '../../src/model.js';
import { describeWithMoto, runCli, spawnCli } from './harness.js';
import { startProxy, type Match, type Proxy } from '../../scripts/lib/proxy.js';

describeWithMoto('stopped runs: SIGKILL then resume, SIGTERM', (moto) => {
  let world: World;
  let backupDir: string;
  let proxy: Proxy;
  const args = () => ['--tag', `${world.tagKey}=${world.tagValue}`, '--region', 'us-east-1', '--backup-dir', backupDir, '--yes', '--json'];
  const journalIn = async (dir: string): Promise<string> => {
    const f = (await readdir(dir)).find((n) => n.endsWith('.journal.ndjson'));
    if (!f) throw new Error(`no journal in ${dir}`);
    return join(dir, f);
  };

  beforeEach(async () => {
    await moto().reset();
    world = await buildWorld({ endpoint: moto().url });
    backupDir = await mkdtemp(join(tmpdir(), 'nova-resume-'));
    proxy = await startProxy(moto().url);
  });
  afterEach(async () => {
    await proxy.stop();
  });

  /** Runs the cleanup, kills it with SIGKILL once a request matching `at` is in flight, then resumes it. */
  const killThenResume = async (at: Match, onClientGone: 'forward' | 'drop') => {
    const hold = proxy.hold(at, { onClientGone });
    const { child, done } = spawnCli(args(), { endpoint: proxy.url });
    await hold.arrived;
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    hold.release();
    const journal = await journalIn(backupDir);
    const before = (await readFile(journal, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { runId: string; event: string });
    expect(before.some((e) => e.event === 'run-ended')).toBe(false);

    const resumed = await runCli(['resume', journal, '--yes', '--json'], { endpoint: proxy.url });
    expect(resumed.stderr).not.toMatch(/unexpected error/);
    const report = JSON.parse(resumed.stdout) as Report;
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(resumed.code).toBe(0);
    expect(report.command).toBe('resume');
    expect(await snapshot(moto().url)).toEqual(CLEANED);
    // One run, one id: resume appended to the same journal.
    const after = (await readFile(journal, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { runId: string; event: string });
    expect(new Set(after.map((e) => e.runId)).size).toBe(1);
    expect(after.some((e) => e.event === 'resumed')).toBe(true);
    return report;
  };

  it('SIGKILL while the first deletes are in flight, then resume finishes the job', async () => {
    const report = await killThenResume((r) => r.operation === 'DeleteEndpoint', 'forward');
    // The endpoint's delete reached moto after the kill: resume finds it gone.
    const endpoint = report.resources.find((o) => o.type === 'sagemaker:endpoint');
    expect(['gone', 'deleted']).toContain(endpoint?.status);
  });

  it('SIGKILL while the bucket is being emptied, then resume empties and deletes it', async () => {
    const report = await killThenResume((r) => r.operation === 'DeleteObjects', 'forward');
    expect(report.resources.find((o) => o.type === 's3:bucket')?.status).toBe('deleted');
  });

  it('SIGKILL after the role was stripped of its policies, then resume deletes it', async () => {
    const report = await killThenResume((r) => r.operation === 'DeleteRole', 'drop');
    const role = report.resources.find((o) => o.type === 'iam:role');
    expect(role?.status).toBe('deleted');
    // Everything deleted before the kill is reported as such, not deleted twice.
    expect(report.resources.filter((o) => o.reason === 'deleted by the run being resumed').length).toBeGreaterThan(0);
  });

  it('SIGTERM lets the delete in flight finish, starts nothing new, prints the report and exits 3', async () => {
    const hold = proxy.hold((r) => r.operation === 'DeleteEndpoint');
    const { child, done } = spawnCli(args(), { endpoint: proxy.url });
    await hold.arrived;
    child.kill('SIGTERM');
    // Give the CLI a moment to take the signal before the held call is answered.
    await new Promise((r) => setTimeout(r, 300));
    hold.release();
    const r = await done;
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/SIGTERM taken: no new deletes will start; still running \(\d+[^)]*\): [^;]*sagemaker:endpoint \S+[^;]*; the report follows once they finish/);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.interrupted).toBe(true);
    expect(report.exitCode).toBe(3);
    expect(report.resources.find((o) => o.type === 'sagemaker:endpoint')?.status).toBe('deleted');
    // The endpoint's config waited for the endpoint, and nothing new started after the signal.
    expect(report.resources.find((o) => o.type === 'sagemaker:endpoint-config')).toMatchObject({ status: 'skipped', rule: 'interrupted' });
    expect(report.resources.find((o) => o.type === 'iam:role')?.status).toBe('skipped');
    expect((await snapshot(moto().url)).roles).toContain('nova-demo-exec');
  });
});
