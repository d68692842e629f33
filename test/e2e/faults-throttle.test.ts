import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildWorld, CLEANED, snapshot, type World } from '../../scripts/lib/world.js';
import { startProxy, type Proxy, type RecordedRequest } from '../../scripts/lib/proxy.js';
import type { Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';

/**
 * Throttling and transient faults, injected by the proxy between the CLI and moto: the run is slower,
 * never wrong. Every tagged resource of the world is deleted, every decoy stays, and the exit code is 0.
 */
describeWithMoto('faults: throttling and transient errors', (moto) => {
  let world: World;
  let backupDir: string;
  let proxy: Proxy;
  const args = () => ['--tag', `${world.tagKey}=${world.tagValue}`, '--region', 'us-east-1', '--backup-dir', backupDir, '--yes', '--json'];

  beforeEach(async () => {
    await moto().reset();
    world = await buildWorld({ endpoint: moto().url });
    backupDir = await mkdtemp(join(tmpdir(), 'nova-faults-'));
    proxy = await startProxy(moto().url);
  });
  afterEach(async () => {
    await proxy.stop();
  });

  /** Runs the cleanup through the proxy; checks that the job was done in full; returns the report. */
  const cleanThrough = async (label: string): Promise<Report> => {
    const started = Date.now();
    const r = await runCli(args(), { endpoint: proxy.url });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    expect(r.stderr).not.toMatch(/unexpected error/);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(r.code).toBe(0);
    const deleted = report.resources.filter((o) => o.status === 'deleted');
    expect(new Set(deleted.map((o) => o.arn))).toEqual(new Set(world.tagged));
    expect(await snapshot(moto().url)).toEqual(CLEANED);
    const faults = Object.entries(proxy.injected()).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
    console.log(`${label}: exit ${r.code} in ${seconds} s, ${deleted.length} deleted; ${proxy.requests().length} requests (${proxy.reads().length} reads, ${proxy.mutating().length} mutating); injected: ${faults}; the CLI counted ${report.calls?.retries} retries, ${report.calls?.throttled} throttled`);
    return report;
  };

  const throttledStatus = (service: string): number[] => [...new Set(proxy.requests().filter((q: RecordedRequest) => q.service === service && q.fault === 'throttle').map((q) => q.status as number))];

  for (const share of [0.3, 0.6]) {
    it(`${share * 100}% of all calls throttled, on every service, with its own error: everything is deleted, exit 0`, { timeout: 240_000 }, async () => {
      // Reads and mutating calls each draw from their own seeded sequence: how many deletes are throttled
      // then depends on the seed alone, not on how the requests interleave (a run has only a dozen deletes).
      proxy.throttle(share, { seed: 2026, match: (q) => !q.mutating });
      proxy.throttle(share, { seed: 2026, match: (q) => q.mutating });
      const report = await cleanThrough(`${share * 100}% throttled`);
      const requests = proxy.requests().length;
      const throttled = proxy.injected().throttle;
      // The share was applied to every call, reads and deletes alike.
      expect(throttled / requests).toBeGreaterThan(share - 0.08);
      expect(throttled / requests).toBeLessThan(share + 0.08);
      expect(proxy.mutating().filter((q) => q.fault === 'throttle').length).toBeGreaterThan(0);
      // Each service answered with its own throttling error (IAM Throttling 400, Lambda 429, S3 SlowDown 503).
      expect(throttledStatus('iam')).toEqual([400]);
      expect(throttledStatus('lambda')).toEqual([429]);
      // S3 makes few calls in this world: a seeded 30% may miss them all; any it got were 503 SlowDown.
      expect(throttledStatus('s3').every((s) => s === 503)).toBe(true);
      expect(throttledStatus('sagemaker')).toEqual([400]);
      // The CLI saw them as throttling (its count misses the few calls made outside its client factory), and retried them.
      expect(report.calls?.throttled).toBeGreaterThan(throttled * 0.95);
      expect(report.calls?.retries).toBeGreaterThanOrEqual(report.calls?.throttled ?? Infinity);
    });
  }

  it('500s and 503s on reads and on deletes, dropped connections before and after moto acted: everything is deleted, exit 0', async () => {
    // Transient: a call meets faults on its first 3 attempts at most (the SDK numbers them in the
    // amz-sdk-request header) and has 6. Without that bound, one call in about 6,000 met a fault on all
    // 6 (a 15% share of 500s plus one read in ten dropped, drawn in arrival order), and the run then
    // rightly reported that read as failed, exit 1: with some 630 reads, about one run in 10.
    let numbered = 0;
    const early = (q: { headers: Record<string, string | string[] | undefined> }) => {
      const attempt = /attempt=(\d+)/.exec(String(q.headers['amz-sdk-request'] ?? ''))?.[1];
      if (attempt) numbered += 1;
      return Number(attempt ?? 1) <= 3;
    };
    proxy.serverError(0.15, { status: 500, seed: 3, match: (q) => !q.mutating && early(q) });
    proxy.serverError(0.15, { status: 503, seed: 4, match: (q) => q.mutating && early(q) });
    // The first call of every mutating operation reaches moto, which acts on it; its answer is lost.
    const cut = new Set<string>();
    proxy.dropConnection((q) => q.mutating && !cut.has(q.operation) && cut.add(q.operation) !== undefined, { when: 'after' });
    // One read in ten never reaches moto: the connection is closed at once.
    let reads = 0;
    proxy.dropConnection((q) => !q.mutating && early(q) && ++reads % 10 === 0);

    const report = await cleanThrough('500/503 and dropped connections');
    const injected = proxy.injected();
    expect(injected['server-error']).toBeGreaterThan(10);
    expect(injected.drop).toBeGreaterThan(10);
    // The bound above saw the SDK's attempt numbers.
    expect(numbered).toBeGreaterThan(proxy.requests().length / 2);
    const cutAfter = (op: string) => proxy.requests().find((q) => q.operation === op && q.outcome === 'cut');
    // moto deleted the role, the answer never came back, the SDK sent DeleteRole again and got NoSuchEntity:
    // the CLI re-read the role and reports it deleted, not failed (nor deleted by someone else).
    for (const op of ['DeleteRole', 'DeleteBucket', 'DeleteFunction', 'DeleteEndpoint', 'DeleteModel']) expect(cutAfter(op)?.status).toBeLessThan(300);
    const role = report.resources.find((o) => o.type === 'iam:role');
    expect(role).toMatchObject({ status: 'deleted', rule: 'delete' });
    expect(role?.reason).toMatch(/answer to its delete call was lost; the retry and a re-read found it deleted/);
    expect(proxy.count('DeleteRole')).toBe(2);
  });
});
