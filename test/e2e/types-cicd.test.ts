import { CodeBuildClient, CreateProjectCommand, ListProjectsCommand } from '@aws-sdk/client-codebuild';
import { CreateJobCommand, GetJobCommand, GetJobsCommand, GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { ListRolesCommand } from '@aws-sdk/client-iam';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Factory, type TagMap } from '../../scripts/lib/factory.js';
import { ACCOUNT, clientConfig } from '../../scripts/lib/world.js';
import type { Outcome, Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';

const REGION = 'us-east-1';
const TAG = { project: 'cicd-test' };
const OTHER = { project: 'someone-else' };
const jobArn = (name: string) => `arn:aws:glue:${REGION}:${ACCOUNT}:job/${name}`;
const projectArn = (name: string) => `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${name}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const bucketArn = (name: string) => `arn:aws:s3:::${name}`;

/**
 * The types under test and what they use. Types left out are still listed by the usage check when they
 * may use a candidate (codepipeline:pipeline among them: moto has none here, and its empty listing reads
 * fine). codeconnections:connection is not selected: moto answers its calls with HTTP 500.
 */
const TYPES = ['glue:job', 'codebuild:project', 'iam:role', 's3:bucket'].flatMap((t) => ['--include-type', t]);

/**
 * Glue jobs on moto, with the roles and script buckets they use, and a CodeBuild project with the role it
 * runs as. moto's Tagging API returns Glue jobs but not CodeBuild projects (AWS's returns both), so the
 * full runs use `--discovery list`; a Glue-only run shows the Tagging API finding the jobs.
 *
 * CodePipeline pipelines (`codepipeline:pipeline`) are tested with mocks only
 * (test/unit/resources/codepipeline-pipeline.test.ts): moto 5.2.5 answers CodePipeline's timestamps
 * (`created`, `updated`) as ISO text where AWS sends epoch seconds, and the JS SDK cannot read such an
 * answer ("Expected real number"). No pipeline is created here, and every client talks to moto directly.
 */
describeWithMoto('glue:job (and codebuild:project) on moto', (moto) => {
  let f: Factory;
  let glue: GlueClient;
  let codebuild: CodeBuildClient;
  let backupDir: string;

  const run = async (extra: string[], types = TYPES) => {
    const r = await runCli(['--tag', 'project=cicd-test', '--region', REGION, ...types, '--json', '--backup-dir', backupDir, ...extra], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    return { ...r, report: JSON.parse(r.stdout) as Report };
  };
  const byName = (report: Report, name: string): Outcome | undefined => report.resources.find((o) => o.name === name);

  const job = async (name: string, role: string, script: string, tags?: TagMap) => {
    await glue.send(new CreateJobCommand({ Name: name, Role: role, Command: { Name: 'glueetl', ScriptLocation: script }, GlueVersion: '4.0', ...(tags ? { Tags: { ...tags } } : {}) }));
  };
  const project = async (name: string, role: string, tags?: TagMap) => {
    await codebuild.send(
      new CreateProjectCommand({
        name,
        source: { type: 'S3', location: 'cicd-sources/source.zip' },
        artifacts: { type: 'NO_ARTIFACTS' },
        environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
        serviceRole: role,
        ...(tags ? { tags: Object.entries(tags).map(([key, value]) => ({ key, value })) } : {}),
      }),
    );
  };

  /** What is left of the world: job, project, role and bucket names. */
  const left = async () => {
    const jobs = ((await glue.send(new GetJobsCommand({}))).Jobs ?? []).map((j) => j.Name as string);
    const projects = (await codebuild.send(new ListProjectsCommand({}))).projects ?? [];
    const roles = ((await f.iam().send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName as string);
    const buckets = ((await f.s3(REGION).send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name as string);
    return { jobs: jobs.sort(), projects: [...projects].sort(), roles: roles.sort(), buckets: buckets.sort() };
  };

  beforeEach(async () => {
    await moto().reset();
    f = new Factory(moto().url);
    glue = new GlueClient(clientConfig(moto().url, REGION));
    codebuild = new CodeBuildClient(clientConfig(moto().url, REGION));
    backupDir = await mkdtemp(join(tmpdir(), 'nova-cicd-'));

    // Deleted: a tagged job (its role given by name, as the Nova SDK does), with its tagged role and
    // script bucket; it has run once (moto finishes runs at once).
    await f.role('cicd-glue-role', TAG);
    await f.bucket('cicd-scripts', REGION, TAG);
    await job('nova-forge-cicd', 'cicd-glue-role', 's3://cicd-scripts/data/0.bin', TAG);
    await glue.send(new StartJobRunCommand({ JobName: 'nova-forge-cicd' }));
    // Deleted: a tagged CodeBuild project and the tagged role it runs as.
    await f.role('cicd-build-role', TAG);
    await project('cicd-build', roleArn('cicd-build-role'), TAG);

    // Kept: a tagged role and script bucket an untagged job uses.
    await f.role('cicd-shared-role', TAG);
    await f.bucket('cicd-shared-scripts', REGION, TAG);
    await job('cicd-untagged-user', 'cicd-shared-role', 's3://cicd-shared-scripts/data/0.bin');

    // Decoys: untagged, another tag value, the same name prefix with the value under another key.
    await f.role('cicd-decoy-role');
    await f.bucket('cicd-decoy-scripts', REGION);
    await job('nova-forge-cicd-untagged', roleArn('cicd-decoy-role'), 's3://cicd-decoy-scripts/x.py');
    await job('nova-forge-cicd-other', roleArn('cicd-decoy-role'), 's3://cicd-decoy-scripts/x.py', OTHER);
    await job('nova-forge-cicd2', roleArn('cicd-decoy-role'), 's3://cicd-decoy-scripts/x.py', { team: 'cicd-test' });
    await project('cicd-decoy-build', roleArn('cicd-decoy-role'));
    await project('cicd-build-other', roleArn('cicd-decoy-role'), OTHER);
  });
  afterEach(() => {
    f.close();
    glue.destroy();
    codebuild.destroy();
  });

  const DELETED = [jobArn('nova-forge-cicd'), roleArn('cicd-glue-role'), bucketArn('cicd-scripts'), projectArn('cicd-build'), roleArn('cicd-build-role')];
  const DECOYS = {
    jobs: ['cicd-untagged-user', 'nova-forge-cicd-other', 'nova-forge-cicd-untagged', 'nova-forge-cicd2'],
    projects: ['cicd-build-other', 'cicd-decoy-build'],
    roles: ['cicd-decoy-role', 'cicd-shared-role'],
    buckets: ['cicd-decoy-scripts', 'cicd-shared-scripts'],
  };
  const KEPT_REASON = `used by glue:job cicd-untagged-user (${REGION}), which stays`;
  const expectKept = (report: Report) => {
    expect(byName(report, 'cicd-shared-role')).toMatchObject({ status: 'skipped', rule: 'in-use', reason: KEPT_REASON });
    expect(byName(report, 'cicd-shared-scripts')).toMatchObject({ status: 'skipped', rule: 'in-use', reason: KEPT_REASON });
  };

  it('--dry-run plans exactly the tagged job, project and what only they use, and changes nothing', async () => {
    const before = await left();
    const { code, report } = await run(['--discovery', 'list', '--dry-run']);
    expect(code).toBe(0);
    const planned = report.resources.filter((o) => o.status === 'planned').map((o) => o.arn);
    expect(new Set(planned)).toEqual(new Set(DELETED));
    expectKept(report);
    expect(await left()).toEqual(before);
    expect(await readdir(backupDir)).toEqual([]);
  });

  it('--yes deletes the job and the project before what they use, keeps what the untagged job uses and every decoy', async () => {
    const { code, report } = await run(['--discovery', 'list', '--yes']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    const deleted = report.resources.filter((o) => o.status === 'deleted').map((o) => o.arn);
    expect(new Set(deleted)).toEqual(new Set(DELETED));
    expectKept(report);
    expect(await left()).toEqual(DECOYS);
    // The untagged user still names what it uses.
    expect((await glue.send(new GetJobCommand({ JobName: 'cicd-untagged-user' }))).Job?.Role).toBe('cicd-shared-role');

    // A user goes before what it uses: the job before its role and bucket, the project before its role.
    const journal = (await readFile(report.journalPath as string, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { event: string; arn?: string });
    const deletedAt = (arn: string) => journal.findIndex((e) => e.event === 'deleted' && e.arn === arn);
    const startedAt = (arn: string) => journal.findIndex((e) => e.event === 'step-started' && e.arn === arn);
    const before = (user: string, used: string) => {
      expect(deletedAt(user)).toBeGreaterThanOrEqual(0);
      expect(startedAt(used)).toBeGreaterThanOrEqual(0);
      expect(deletedAt(user)).toBeLessThan(startedAt(used));
    };
    before(jobArn('nova-forge-cicd'), roleArn('cicd-glue-role'));
    before(jobArn('nova-forge-cicd'), bucketArn('cicd-scripts'));
    before(projectArn('cicd-build'), roleArn('cicd-build-role'));

    // The backup keeps the job's definition, with its tags.
    const backup = JSON.parse(await readFile(report.backupPath as string, 'utf8')) as { resources: { arn: string; tags: Record<string, string>; config: Record<string, unknown> }[] };
    expect(backup.resources.find((b) => b.arn === jobArn('nova-forge-cicd'))).toMatchObject({
      tags: TAG,
      config: { Name: 'nova-forge-cicd', Role: 'cicd-glue-role', Command: { Name: 'glueetl', ScriptLocation: 's3://cicd-scripts/data/0.bin' }, UnfinishedRuns: [] },
    });

    // A second run finds nothing more to delete.
    const again = await run(['--discovery', 'list', '--yes']);
    expect(again.code).toBe(0);
    expect(again.report.summary.deleted).toBe(0);
    expect(again.report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(await left()).toEqual(DECOYS);
  });

  it('finds the tagged job through the Tagging API too (moto returns Glue jobs), keeping the role an untagged job uses', async () => {
    const before = await left();
    const { code, report } = await run(['--dry-run'], ['glue:job', 'iam:role', 's3:bucket'].flatMap((t) => ['--include-type', t]));
    expect(code).toBe(0);
    const planned = report.resources.filter((o) => o.status === 'planned').map((o) => o.arn);
    // The project is not selected: it stays, and so does the role it runs as.
    expect(new Set(planned)).toEqual(new Set([jobArn('nova-forge-cicd'), roleArn('cicd-glue-role'), bucketArn('cicd-scripts')]));
    expect(byName(report, 'cicd-shared-role')).toMatchObject({ rule: 'in-use', reason: KEPT_REASON });
    expect(byName(report, 'cicd-build-role')).toMatchObject({ rule: 'in-use', reason: `used by codebuild:project cicd-build (${REGION}), which stays` });
    expect(await left()).toEqual(before);
  });
});
