import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Factory } from '../../scripts/lib/factory.js';
import { clientConfig } from '../../scripts/lib/world.js';
import type { Outcome, Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';

const REGION = 'us-east-1';
const TAG = { project: 'owned-logs' };

/**
 * The log groups of Lambda functions and SageMaker endpoints: a function uses its group, so a group of a
 * function that stays is kept whatever its tags, and with --delete-owned-log-groups the group of a deleted
 * function goes too, tagged or not.
 */
describeWithMoto('log groups of the resources that write to them, on moto', (moto) => {
  let logs: CloudWatchLogsClient;
  let backupDir: string;
  const run = async (extra: string[]) => {
    const r = await runCli(['--tag', 'project=owned-logs', '--region', REGION, '--json', '--backup-dir', backupDir, ...extra], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    return { ...r, report: JSON.parse(r.stdout) as Report };
  };
  const group = (report: Report, name: string): Outcome | undefined => report.resources.find((o) => o.type === 'logs:log-group' && o.name === name);
  const groupsLeft = async () => ((await logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map((g) => g.logGroupName ?? '').sort();

  beforeEach(async () => {
    await moto().reset();
    logs = new CloudWatchLogsClient(clientConfig(moto().url, REGION));
    backupDir = await mkdtemp(join(tmpdir(), 'nova-owned-logs-'));
    const f = new Factory(moto().url);
    const role = await f.role('owned-logs-exec');
    // A tagged function with an untagged group: its group alone.
    await f.fn('owned-etl', role, REGION, TAG);
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/owned-etl' }));
    // An untagged function that stays, with a tagged group (tagged by name substring, as the MLOps agent does).
    await f.fn('owned-keep', role, REGION);
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/owned-keep', tags: TAG }));
    // Decoy: the same name prefix, no function.
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/owned-etl-2' }));
  });
  afterEach(() => logs.destroy());

  it('a tagged group of a function that stays is kept, naming the function; an untagged group of a deleted one is left without the option', async () => {
    const { code, report } = await run(['--yes']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(group(report, '/aws/lambda/owned-keep')).toMatchObject({ status: 'skipped', rule: 'in-use', reason: 'used by lambda:function owned-keep (us-east-1), which stays' });
    expect(report.resources.filter((o) => o.status === 'deleted').map((o) => o.name)).toEqual(['owned-etl']);
    expect(await groupsLeft()).toEqual(['/aws/lambda/owned-etl', '/aws/lambda/owned-etl-2', '/aws/lambda/owned-keep']);
  });

  it('--delete-owned-log-groups: the dry run plans the deleted function\'s own group after it, saying why', async () => {
    const { code, report } = await run(['--dry-run', '--delete-owned-log-groups']);
    expect(code).toBe(0);
    expect(group(report, '/aws/lambda/owned-etl')).toMatchObject({ status: 'planned', reason: expect.stringContaining('the log group of lambda:function owned-etl alone') });
    expect(group(report, '/aws/lambda/owned-keep')).toMatchObject({ rule: 'in-use' });
    expect(group(report, '/aws/lambda/owned-etl-2')).toBeUndefined();
    expect(await groupsLeft()).toEqual(['/aws/lambda/owned-etl', '/aws/lambda/owned-etl-2', '/aws/lambda/owned-keep']);
  });

  it('--delete-owned-log-groups --yes deletes the function, then its group; the rest stays', async () => {
    const { code, report } = await run(['--yes', '--delete-owned-log-groups']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(report.resources.filter((o) => o.status === 'deleted').map((o) => o.name).sort()).toEqual(['/aws/lambda/owned-etl', 'owned-etl']);
    expect(await groupsLeft()).toEqual(['/aws/lambda/owned-etl-2', '/aws/lambda/owned-keep']);
  });

  it('the report counts the AWS calls per operation, and --debug logs each attempt', async () => {
    const r = await runCli(['--tag', 'project=owned-logs', '--region', REGION, '--json', '--dry-run', '--debug'], { moto: moto() });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.calls?.byOperation['sts:GetCallerIdentity']).toBe(1);
    expect(report.calls?.byOperation['lambda:GetFunction']).toBe(1);
    expect(report.calls?.calls).toBe(Object.values(report.calls?.byOperation ?? {}).reduce((a, b) => a + b, 0));
    expect(report.calls?.throttled).toBe(0);
    expect(r.stderr).toMatch(/^debug: sts GetCallerIdentity us-east-1 attempt 1: ok HTTP 200 \d+ ms$/m);
    const text = await runCli(['--tag', 'project=owned-logs', '--region', REGION, '--dry-run'], { moto: moto() });
    expect(text.stdout).toMatch(new RegExp(`^AWS calls: \\d+ \\(\\d+ retries, 0 throttled\\); most: `, 'm'));
  });
});

