import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildWorld, CLEANED, clientConfig, snapshot, type World } from '../../scripts/lib/world.js';
import { awsError, startProxy, type Proxy } from '../../scripts/lib/proxy.js';
import type { Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';

/**
 * Denied and impossible deletes, and credentials that expire mid-run: the run deletes what it can, says
 * exactly what is left (and what of a half-deleted resource was already removed), exits 1, and `resume`
 * finishes the job once the cause is gone.
 */
describeWithMoto('faults: denied deletes, a bucket policy that denies, expired credentials', (moto) => {
  let world: World;
  let backupDir: string;
  let proxy: Proxy;
  const args = () => ['--tag', `${world.tagKey}=${world.tagValue}`, '--region', 'us-east-1', '--backup-dir', backupDir, '--yes', '--json'];
  const journalIn = async (): Promise<string> => {
    const f = (await readdir(backupDir)).find((n) => n.endsWith('.journal.ndjson'));
    if (!f) throw new Error(`no journal in ${backupDir}`);
    return join(backupDir, f);
  };
  const timed = async (label: string, argv: readonly string[]) => {
    const started = Date.now();
    const r = await runCli(argv, { endpoint: proxy.url });
    expect(r.stderr).not.toMatch(/unexpected error/);
    const report = JSON.parse(r.stdout) as Report;
    const faults = Object.entries(proxy.injected()).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
    console.log(`${label}: exit ${r.code} in ${((Date.now() - started) / 1000).toFixed(1)} s, ${report.summary.deleted} deleted; ${proxy.requests().length} requests; injected: ${faults}`);
    return { ...r, report };
  };
  const others = (report: Report, except: string) => report.resources.filter((o) => world.tagged.includes(o.arn) && o.type !== except);

  beforeEach(async () => {
    await moto().reset();
    world = await buildWorld({ endpoint: moto().url });
    backupDir = await mkdtemp(join(tmpdir(), 'nova-denied-'));
    proxy = await startProxy(moto().url);
  });
  afterEach(async () => {
    await proxy.stop();
  });

  it('a denied DeleteRole fails that role with the AWS error and what was already removed; the rest goes; exit 1; resume finishes it', async () => {
    const deny = proxy.deny('DeleteRole', 'nova-demo-exec');
    const r = await timed('DeleteRole denied', args());
    expect(r.code).toBe(1);
    expect(r.report.exitCode).toBe(1);
    const role = r.report.resources.find((o) => o.type === 'iam:role');
    expect(role).toMatchObject({ status: 'failed', rule: 'delete-failed' });
    expect(role?.error).toMatch(/^AccessDenied: .*not authorized to perform: iam:DeleteRole on resource: nova-demo-exec/);
    // The role was stripped before DeleteRole was refused: the report says of what.
    expect([...(role?.removed ?? [])].sort()).toEqual(['deleted inline policy inline-logs', `detached policy arn:aws:iam::${'123456789012'}:policy/nova-demo-s3-access`]);
    expect(r.stderr).toMatch(/failed iam:role nova-demo-exec: AccessDenied: .*; already removed: (detached policy|deleted inline policy)/);
    expect(others(r.report, 'iam:role').map((o) => o.status)).toEqual(Array(world.tagged.length - 1).fill('deleted'));
    expect(deny.hits).toBe(1); // AccessDenied is not retried
    expect((await snapshot(moto().url)).roles).toContain('nova-demo-exec');

    // The permission is granted: resume deletes what is left of the role, and only that.
    deny.remove();
    proxy.clear();
    const resumed = await timed('resume after the grant', ['resume', await journalIn(), '--yes', '--json']);
    expect(resumed.code).toBe(0);
    expect(resumed.report.resources.find((o) => o.type === 'iam:role')).toMatchObject({ status: 'deleted' });
    expect(proxy.mutating().map((q) => q.operation)).toEqual(['DeleteRole']);
    expect(await snapshot(moto().url)).toEqual(CLEANED);
  });

  it('a bucket whose policy denies s3:DeleteBucket is blocked in the plan: nothing of it is touched; the rest goes; exit 0', async () => {
    const bucket = 'nova-demo-artifacts';
    const s3 = new S3Client(clientConfig(moto().url, 'us-east-1'));
    const Statement = [{ Sid: 'NoDelete', Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', Resource: `arn:aws:s3:::${bucket}` }];
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement }) }));
    s3.destroy();
    const before = (await snapshot(moto().url)).buckets;

    const r = await timed('bucket policy denies DeleteBucket', args());
    const outcome = r.report.resources.find((o) => o.arn === `arn:aws:s3:::${bucket}`);
    expect(outcome).toMatchObject({ status: 'blocked', rule: 'blocked' });
    expect(outcome?.reason).toMatch(/its bucket policy denies s3:DeleteBucket \(statement NoDelete\): nothing of it is touched; remove that statement to delete it/);
    // Not one call that changes the bucket was sent: it keeps every version, upload and setting.
    expect(proxy.mutating().filter((q) => q.service === 's3').map((q) => q.operation)).toEqual([]);
    expect((await snapshot(moto().url)).buckets).toEqual(before);
    // Like Object Lock, a protection its owner set: reported as blocked, and not a failure.
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/blocked/);
    expect(others(r.report, 's3:bucket').map((o) => o.status)).toEqual(Array(world.tagged.length - 1).fill('deleted'));
  });

  it('the reads only the backup needs: none in a dry run; one denied keeps its bucket (failed, untouched, out of the backup); the rest goes; exit 1', async () => {
    const backupOnly = ['GetBucketLifecycleConfiguration', 'GetBucketCors', 'GetBucketEncryption', 'GetFunctionConcurrency', 'ListAliases', 'GetPolicy'];
    const dry = await timed('dry run', [...args(), '--dry-run']);
    expect(dry.code).toBe(0);
    expect(proxy.requests().filter((q) => backupOnly.includes(q.operation) && q.service !== 'iam')).toEqual([]);
    // Nor the role's policy documents (the plan needs their ARNs and names only).
    expect(proxy.requests().filter((q) => ['GetPolicyVersion', 'GetRolePolicy'].includes(q.operation))).toEqual([]);
    proxy.clear();

    const bucket = 'nova-demo-artifacts';
    const before = (await snapshot(moto().url)).buckets;
    const deny = proxy.deny('GetBucketLifecycleConfiguration', bucket);
    const r = await timed('GetBucketLifecycleConfiguration denied', args());
    expect(deny.hits).toBe(1);
    expect(r.code).toBe(1);
    const outcome = r.report.resources.find((o) => o.arn === `arn:aws:s3:::${bucket}`);
    expect(outcome).toMatchObject({ status: 'failed', rule: 'unreadable' });
    expect(outcome?.error).toMatch(/^not deleted: its configuration for the backup could not be read \(.*AccessDenied/);
    expect(proxy.mutating().filter((q) => q.service === 's3').map((q) => q.operation)).toEqual([]);
    expect((await snapshot(moto().url)).buckets).toEqual(before);
    expect(others(r.report, 's3:bucket').map((o) => o.status)).toEqual(Array(world.tagged.length - 1).fill('deleted'));
    // The backup holds what was deleted, with what only it needs (the function's backup-only reads).
    const backup = JSON.parse(await readFile((await journalIn()).replace(/\.journal\.ndjson$/, '.json'), 'utf8')) as { resources: { arn: string; type: string; config: Record<string, unknown> }[] };
    expect(backup.resources.map((e) => e.arn)).not.toContain(`arn:aws:s3:::${bucket}`);
    const fn = backup.resources.find((e) => e.type === 'lambda:function');
    expect(fn?.config).toHaveProperty('Aliases');
    expect(fn?.config).toHaveProperty('Concurrency');
    expect(fn?.config).toHaveProperty('EventSourceMappings');
    // The role's, with both its policy documents.
    const role = backup.resources.find((e) => e.type === 'iam:role');
    expect(role?.config).toMatchObject({
      AttachedPolicies: [{ PolicyName: 'nova-demo-s3-access', Document: { Statement: [{ Action: 's3:GetObject' }] } }],
      InlinePolicies: [{ PolicyName: 'inline-logs', PolicyDocument: { Statement: [{ Action: 'logs:*' }] } }],
    });
  });

  it('credentials that expire mid-run: no new delete starts, the report says what was not started, exit 1, stderr names the next step', async () => {
    // Every call after the first delete is answered ExpiredToken (in the shape of each protocol).
    let expired = false;
    const expiry = proxy.fail(
      (q) => {
        if (expired) return true;
        if (q.mutating && q.operation.startsWith('Delete')) expired = true; // this one goes through
        return false;
      },
      (q) => {
        const json = q.protocol === 'json' || q.protocol === 'rest-json';
        return awsError(q.protocol, json ? 'ExpiredTokenException' : 'ExpiredToken', 'The security token included in the request is expired', q.protocol === 'query' ? 403 : 400);
      },
    );
    const started = Date.now();
    const r = await timed('credentials expire after the first delete', args());
    // No wait for --wait-timeout: the waits under way stop too.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(r.code).toBe(1);
    const journal = await journalIn();
    // After the first expired answer nothing that changes anything reached moto.
    const firstExpired = proxy.requests().findIndex((q) => q.fault === 'fail');
    expect(firstExpired).toBeGreaterThan(0);
    expect(proxy.requests().slice(firstExpired).filter((q) => q.mutating && q.outcome === 'forwarded')).toEqual([]);
    // What waited for others was not started (and, by the timing, maybe some of the first layer too),
    // and says why and what to do; what had started failed with the expired answer.
    const notStarted = r.report.resources.filter((o) => o.rule === 'interrupted');
    expect(notStarted.map((o) => o.type)).toEqual(expect.arrayContaining(['iam:role', 'sagemaker:endpoint-config', 'sagemaker:model']));
    for (const o of notStarted) {
      expect(o.status).toBe('skipped');
      expect(o.reason).toMatch(/^not started: the credentials stopped working \(.*Expired.*\); refresh them, then run `nova-cleanup resume /);
    }
    const begun = r.report.resources.filter((o) => world.tagged.includes(o.arn) && o.rule !== 'interrupted');
    expect(begun.length).toBeGreaterThan(0);
    for (const o of begun) expect([o.status, o.error]).toEqual(['failed', expect.stringMatching(/Expired/)]);
    expect(r.stderr).toContain(`refresh them, then run \`nova-cleanup resume ${journal}\``);
    expect(r.report.summary.failed).toBeGreaterThan(0);

    // Fresh credentials: the command it named finishes the job.
    expiry.remove();
    proxy.clear();
    const resumed = await timed('resume with fresh credentials', ['resume', journal, '--yes', '--json']);
    expect(resumed.code).toBe(0);
    expect(await snapshot(moto().url)).toEqual(CLEANED);
  });
});
