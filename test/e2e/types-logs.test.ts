import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { clientConfig } from '../../scripts/lib/world.js';
import type { Outcome, Report } from '../../src/model.js';
import type { PlanDocument } from '../../src/plan/document.js';
import { describeWithMoto, runCli, MOTO_UNLISTABLE } from './harness.js';

const REGION = 'us-east-1';
const TAG = { project: 'logs-e2e' };
const OTHER = { project: 'someone-else' };
const OPTION = '--delete-shared-log-groups';

/** The project's own group (with log events), and the tagged groups that are everyone's or another resource's. */
const OWN = '/nova/e2e/app';
const SHARED = ['/aws/sagemaker/TrainingJobs', '/aws/sagemaker/Endpoints/nova-ep', '/aws/codebuild/nova-build'];
/** Decoys: untagged, another tag value, and an untagged group whose name starts with the tagged one's. */
const DECOYS = ['/nova/e2e/untagged', '/nova/e2e/other-team', `${OWN}-2`];

describeWithMoto('logs:log-group on moto', (moto) => {
  let logs: CloudWatchLogsClient;
  let backupDir: string;
  const run = async (extra: string[]) => {
    const r = await runCli(['--tag', 'project=logs-e2e', '--region', REGION, '--json', '--backup-dir', backupDir, ...extra], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    return { ...r, report: JSON.parse(r.stdout) as Report };
  };
  const outcome = (report: Report, name: string): Outcome | undefined => report.resources.find((o) => o.type === 'logs:log-group' && o.name === name);
  const ofType = (report: Report) => report.resources.filter((o) => o.type === 'logs:log-group');
  const groupsLeft = async () => ((await logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map((g) => g.logGroupName ?? '').sort();
  const reasonFor = (name: string) => expect.stringMatching(name.startsWith('/aws/sagemaker/TrainingJobs') ? /^account-wide log group every SageMaker training job.*--delete-shared-log-groups$/ : /which may stay.*--delete-shared-log-groups$/);

  beforeEach(async () => {
    await moto().reset();
    logs = new CloudWatchLogsClient(clientConfig(moto().url, REGION));
    backupDir = await mkdtemp(join(tmpdir(), 'nova-logs-'));
    await logs.send(new CreateLogGroupCommand({ logGroupName: OWN, tags: TAG }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: OWN, logStreamName: 'worker/1' }));
    await logs.send(new PutLogEventsCommand({ logGroupName: OWN, logStreamName: 'worker/1', logEvents: [{ timestamp: Date.now(), message: 'epoch 1 loss 0.42' }] }));
    for (const name of SHARED) await logs.send(new CreateLogGroupCommand({ logGroupName: name, tags: TAG }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/nova/e2e/untagged' }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/nova/e2e/other-team', tags: OTHER }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: `${OWN}-2` }));
  });
  afterEach(() => logs.destroy());

  it('a dry run plans the tagged group only, shows the shared ones as protected with the option, and changes nothing', async () => {
    const before = await groupsLeft();
    const { code, report } = await run(['--dry-run']);
    expect(code).toBe(0);
    expect(ofType(report).filter((o) => o.status === 'planned').map((o) => o.name)).toEqual([OWN]);
    for (const name of SHARED) expect(outcome(report, name)).toMatchObject({ status: 'skipped', rule: 'protected', reason: reasonFor(name) });
    expect(ofType(report).map((o) => o.name).sort()).toEqual([OWN, ...SHARED].sort());
    expect(await groupsLeft()).toEqual(before);
  });

  it('the plan lists the protected groups with their reason, and the stored log data of the one it deletes', async () => {
    const out = join(backupDir, 'plan.json');
    const r = await runCli(['plan', '--tag', 'project=logs-e2e', '--region', REGION, '--out', out, '--json'], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(0);
    const plan = JSON.parse(await readFile(out, 'utf8')) as PlanDocument;
    expect(plan.items.map((i) => i.ref.name)).toEqual([OWN]);
    expect(plan.items[0]?.children).toEqual([{ kind: 'stored-log-data', id: '*', count: 'epoch 1 loss 0.42'.length, lost: 'log events not in the backup' }]);
    expect(plan.items[0]?.ref.arn).toBe(`arn:aws:logs:${REGION}:123456789012:log-group:${OWN}`);
    const notPlanned = plan.notPlanned.filter((o) => o.type === 'logs:log-group');
    expect(notPlanned.map((o) => o.name).sort()).toEqual([...SHARED].sort());
    for (const o of notPlanned) expect(o).toMatchObject({ rule: 'protected', reason: reasonFor(o.name) });
    expect(plan.settings.deleteSharedLogGroups).toBe(false);
  });

  it('--yes deletes the tagged group and keeps the protected ones and every decoy', async () => {
    const { code, report } = await run(['--yes']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(ofType(report).filter((o) => o.status === 'deleted').map((o) => o.name)).toEqual([OWN]);
    for (const name of SHARED) expect(outcome(report, name)).toMatchObject({ status: 'skipped', rule: 'protected' });
    expect(await groupsLeft()).toEqual([...SHARED, ...DECOYS].sort());
  });

  it('list discovery finds the same groups and decides the same', async () => {
    const { code, report } = await run(['--yes', '--discovery', 'list', ...MOTO_UNLISTABLE]);
    expect(code).toBe(0);
    expect(ofType(report).filter((o) => o.status === 'deleted').map((o) => o.name)).toEqual([OWN]);
    for (const name of SHARED) expect(outcome(report, name)).toMatchObject({ status: 'skipped', rule: 'protected' });
    expect(await groupsLeft()).toEqual([...SHARED, ...DECOYS].sort());
  });

  it(`${OPTION} deletes the tagged shared groups too, still none of the decoys`, async () => {
    const { code, report } = await run(['--yes', OPTION]);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(ofType(report).filter((o) => o.status === 'deleted').map((o) => o.name).sort()).toEqual([OWN, ...SHARED].sort());
    expect(await groupsLeft()).toEqual([...DECOYS].sort());
  });
});
