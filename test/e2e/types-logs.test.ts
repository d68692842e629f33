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
import { CodeBuildClient, CreateProjectCommand, ListProjectsCommand } from '@aws-sdk/client-codebuild';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ACCOUNT, clientConfig } from '../../scripts/lib/world.js';
import type { Outcome, Report } from '../../src/model.js';
import type { PlanDocument } from '../../src/plan/document.js';
import { describeWithMoto, runCli } from './harness.js';

const REGION = 'us-east-1';
const TAG = { project: 'logs-e2e' };
const OTHER = { project: 'someone-else' };
const OPTION = '--delete-shared-log-groups';

/** The project's own group (with log events). */
const OWN = '/nova/e2e/app';
/** Tagged, and everyone's: every training job of the account writes to it. Protected unless the option. */
const SHARED = '/aws/sagemaker/TrainingJobs';
/** Tagged, and the group of an UNTAGGED CodeBuild project that exists (and stays): kept because it uses it. */
const BUILD = 'nova-build';
const BUILD_GROUP = `/aws/codebuild/${BUILD}`;
/** Tagged, the group of an endpoint that does not exist: no writer keeps it, so it goes. */
const ENDPOINT_GROUP = '/aws/sagemaker/Endpoints/nova-ep';
/** Decoys: untagged, another tag value, and an untagged group whose name starts with the tagged one's. */
const DECOYS = ['/nova/e2e/untagged', '/nova/e2e/other-team', `${OWN}-2`];
const groupArn = (name: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`;
const PROTECTED = /^account-wide log group every SageMaker training job in the account writes to.*--delete-shared-log-groups$/;
const IN_USE = { status: 'skipped', rule: 'in-use', reason: `used by codebuild:project ${BUILD} (${REGION}), which stays` };

describeWithMoto('logs:log-group on moto', (moto) => {
  let logs: CloudWatchLogsClient;
  let codebuild: CodeBuildClient;
  let backupDir: string;
  const run = async (extra: string[]) => {
    const r = await runCli(['--tag', 'project=logs-e2e', '--region', REGION, '--json', '--backup-dir', backupDir, ...extra], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    return { ...r, report: JSON.parse(r.stdout) as Report };
  };
  const outcome = (report: Report, name: string): Outcome | undefined => report.resources.find((o) => o.type === 'logs:log-group' && o.name === name);
  const ofType = (report: Report) => report.resources.filter((o) => o.type === 'logs:log-group');
  const groupsLeft = async () => ((await logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map((g) => g.logGroupName ?? '').sort();
  /** Deleted, kept or planned: the names of the log-group outcomes with that status. */
  const named = (report: Report, status: string) => ofType(report).filter((o) => o.status === status).map((o) => o.name).sort();

  beforeEach(async () => {
    await moto().reset();
    logs = new CloudWatchLogsClient(clientConfig(moto().url, REGION));
    codebuild = new CodeBuildClient(clientConfig(moto().url, REGION));
    backupDir = await mkdtemp(join(tmpdir(), 'nova-logs-'));
    await logs.send(new CreateLogGroupCommand({ logGroupName: OWN, tags: TAG }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: OWN, logStreamName: 'worker/1' }));
    await logs.send(new PutLogEventsCommand({ logGroupName: OWN, logStreamName: 'worker/1', logEvents: [{ timestamp: Date.now(), message: 'epoch 1 loss 0.42' }] }));
    for (const name of [SHARED, BUILD_GROUP, ENDPOINT_GROUP]) await logs.send(new CreateLogGroupCommand({ logGroupName: name, tags: TAG }));
    // The writer of BUILD_GROUP: an untagged project (so it stays), logging to its default group.
    await codebuild.send(
      new CreateProjectCommand({
        name: BUILD,
        source: { type: 'S3', location: 'nova-sources/build.zip' },
        artifacts: { type: 'NO_ARTIFACTS' },
        environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
        serviceRole: `arn:aws:iam::${ACCOUNT}:role/nova-build-role`,
      }),
    );
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/nova/e2e/untagged' }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/nova/e2e/other-team', tags: OTHER }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: `${OWN}-2` }));
  });
  afterEach(() => {
    logs.destroy();
    codebuild.destroy();
  });

  it('a dry run plans the own group and the writerless endpoint group, keeps the account-wide one (protected) and the build group (in use), and changes nothing', async () => {
    const before = await groupsLeft();
    expect(before).toEqual([OWN, SHARED, BUILD_GROUP, ENDPOINT_GROUP, ...DECOYS].sort());
    const { code, report } = await run(['--dry-run']);
    expect(code).toBe(0);
    expect(named(report, 'planned')).toEqual([OWN, ENDPOINT_GROUP].sort());
    expect(outcome(report, SHARED)).toMatchObject({ status: 'skipped', rule: 'protected', reason: expect.stringMatching(PROTECTED) });
    expect(outcome(report, BUILD_GROUP)).toMatchObject(IN_USE);
    // No longer protected by its name: the endpoint group is an ordinary tagged group.
    expect(outcome(report, ENDPOINT_GROUP)).toMatchObject({ status: 'planned', rule: 'delete', arn: groupArn(ENDPOINT_GROUP) });
    expect(ofType(report).map((o) => o.name).sort()).toEqual([OWN, SHARED, BUILD_GROUP, ENDPOINT_GROUP].sort());
    // The untagged project is a user, not a candidate.
    expect(report.resources.filter((o) => o.type === 'codebuild:project')).toEqual([]);
    expect(await groupsLeft()).toEqual(before);
  });

  it('the plan lists the kept groups with their reason, and the stored log data of the one it deletes', async () => {
    const out = join(backupDir, 'plan.json');
    const r = await runCli(['plan', '--tag', 'project=logs-e2e', '--region', REGION, '--out', out, '--json'], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(0);
    const plan = JSON.parse(await readFile(out, 'utf8')) as PlanDocument;
    expect(plan.items.map((i) => i.ref.name).sort()).toEqual([OWN, ENDPOINT_GROUP].sort());
    const own = plan.items.find((i) => i.ref.name === OWN);
    expect(own?.children).toEqual([{ kind: 'stored-log-data', id: '*', count: 'epoch 1 loss 0.42'.length, lost: 'log events not in the backup' }]);
    expect(own?.ref.arn).toBe(groupArn(OWN));
    expect(plan.items.find((i) => i.ref.name === ENDPOINT_GROUP)?.ref.arn).toBe(groupArn(ENDPOINT_GROUP));
    const notPlanned = plan.notPlanned.filter((o) => o.type === 'logs:log-group');
    expect(notPlanned.map((o) => o.name).sort()).toEqual([SHARED, BUILD_GROUP].sort());
    expect(notPlanned.find((o) => o.name === SHARED)).toMatchObject({ rule: 'protected', reason: expect.stringMatching(PROTECTED) });
    expect(notPlanned.find((o) => o.name === BUILD_GROUP)).toMatchObject({ rule: 'in-use', reason: IN_USE.reason });
    expect(plan.settings.deleteSharedLogGroups).toBe(false);
  });

  it('--yes deletes the own group and the writerless endpoint group, keeps the account-wide one, the one in use and every decoy', async () => {
    const { code, report } = await run(['--yes']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(named(report, 'deleted')).toEqual([OWN, ENDPOINT_GROUP].sort());
    expect(outcome(report, SHARED)).toMatchObject({ status: 'skipped', rule: 'protected' });
    expect(outcome(report, BUILD_GROUP)).toMatchObject(IN_USE);
    expect(await groupsLeft()).toEqual([SHARED, BUILD_GROUP, ...DECOYS].sort());
    expect((await codebuild.send(new ListProjectsCommand({}))).projects).toEqual([BUILD]);
  });

  it('list discovery finds the same groups and decides the same', async () => {
    const { code, report } = await run(['--yes', '--discovery', 'list']);
    expect(code).toBe(0);
    expect(named(report, 'deleted')).toEqual([OWN, ENDPOINT_GROUP].sort());
    expect(outcome(report, SHARED)).toMatchObject({ status: 'skipped', rule: 'protected' });
    expect(outcome(report, BUILD_GROUP)).toMatchObject(IN_USE);
    expect(await groupsLeft()).toEqual([SHARED, BUILD_GROUP, ...DECOYS].sort());
  });

  it(`${OPTION} deletes the account-wide group too, but not the group a project that stays writes to, nor any decoy`, async () => {
    const { code, report } = await run(['--yes', OPTION]);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(named(report, 'deleted')).toEqual([OWN, SHARED, ENDPOINT_GROUP].sort());
    // The option is about account-wide groups: a group in use stays whatever it says.
    expect(outcome(report, BUILD_GROUP)).toMatchObject(IN_USE);
    expect(await groupsLeft()).toEqual([BUILD_GROUP, ...DECOYS].sort());
    expect((await codebuild.send(new ListProjectsCommand({}))).projects).toEqual([BUILD]);
  });

  it('many groups of one folder are read by one listing of their common prefix, with the same decisions as one by one', async () => {
    // Six more of the project's groups under one folder, and an untagged look-alike among them that the
    // listing returns too and that must stay out.
    const batch = [1, 2, 3, 4, 5, 6].map((i) => `/nova/e2e/batch/run-${i}`);
    for (const name of batch) await logs.send(new CreateLogGroupCommand({ logGroupName: name, tags: TAG }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/nova/e2e/batch/run-1-copy' }));
    const { code, report } = await run(['--dry-run']);
    expect(code).toBe(0);
    expect(named(report, 'planned')).toEqual([OWN, ENDPOINT_GROUP, ...batch].sort());
    // The six: one page of their prefix (one call each would be six); the other four, alone in their folders, one call each.
    expect(report.calls?.byOperation['logs:DescribeLogGroups']).toBe(1 + 4);
    expect(report.calls?.byOperation['logs:ListTagsForResource']).toBe(batch.length + 4);
  });
});
