import { BatchGetProjectsCommand, CodeBuildClient, CreateProjectCommand, ListProjectsCommand } from '@aws-sdk/client-codebuild';
import { CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient, ListImagesCommand, PutImageCommand, PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { ListRolesCommand } from '@aws-sdk/client-iam';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Factory, type TagMap } from '../../scripts/lib/factory.js';
import { ACCOUNT, clientConfig } from '../../scripts/lib/world.js';
import type { Outcome, Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';

const REGION = 'us-east-1';
const TAG = { project: 'ecb-test' };
const OTHER = { project: 'someone-else' };
const repoArn = (name: string) => `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`;
const projectArn = (name: string) => `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/${name}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

/** A schema-2 image manifest; moto derives the image digest from it. */
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 7023, digest: `sha256:${'a'.repeat(64)}` },
  layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 32654, digest: `sha256:${'b'.repeat(64)}` }],
});

/**
 * The types under test, and IAM roles (projects run as one). Types left out are still listed by the usage check
 * when they may use a candidate (every user of a role), so the untagged project still keeps its role.
 */
const TYPES = ['--include-type', 'ecr:repository', '--include-type', 'codebuild:project', '--include-type', 'iam:role'];

/**
 * ECR repositories and CodeBuild projects on moto. moto's Tagging API returns neither type (AWS's does),
 * so the runs use `--discovery list`: each type's own list + tags calls.
 */
describeWithMoto('ecr:repository and codebuild:project on moto', (moto) => {
  let f: Factory;
  let ecr: ECRClient;
  let codebuild: CodeBuildClient;
  let backupDir: string;

  const run = async (extra: string[]) => {
    const r = await runCli(['--tag', 'project=ecb-test', '--region', REGION, '--discovery', 'list', ...TYPES, '--json', '--backup-dir', backupDir, ...extra], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    return { ...r, report: JSON.parse(r.stdout) as Report };
  };
  const byName = (report: Report, name: string): Outcome | undefined => report.resources.find((o) => o.name === name);

  const repository = async (name: string, tags?: TagMap, image = false) => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: name, ...(tags ? { tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } : {}) }));
    if (image) await ecr.send(new PutImageCommand({ repositoryName: name, imageManifest: MANIFEST, imageTag: 'latest' }));
  };
  const project = async (name: string, role: string, tags?: TagMap) => {
    await codebuild.send(
      new CreateProjectCommand({
        name,
        source: { type: 'S3', location: 'ecb-sources/source.zip' },
        artifacts: { type: 'NO_ARTIFACTS' },
        environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
        serviceRole: role,
        ...(tags ? { tags: Object.entries(tags).map(([key, value]) => ({ key, value })) } : {}),
      }),
    );
  };
  /** What is left of the world: repository names (with their image counts), project names, role names. */
  const left = async () => {
    const repos = (await ecr.send(new DescribeRepositoriesCommand({}))).repositories ?? [];
    const repositories = await Promise.all(
      repos.map(async (r) => `${r.repositoryName} images=${(await ecr.send(new ListImagesCommand({ repositoryName: r.repositoryName }))).imageIds?.length ?? 0}`),
    );
    const projects = (await codebuild.send(new ListProjectsCommand({}))).projects ?? [];
    const roles = ((await f.iam().send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName as string);
    return { repositories: repositories.sort(), projects: [...projects].sort(), roles: roles.sort() };
  };

  beforeEach(async () => {
    await moto().reset();
    f = new Factory(moto().url);
    ecr = new ECRClient(clientConfig(moto().url, REGION));
    codebuild = new CodeBuildClient(clientConfig(moto().url, REGION));
    backupDir = await mkdtemp(join(tmpdir(), 'nova-ecb-'));

    // Deleted: a tagged repository holding an image; a tagged project and the tagged role it runs as.
    await repository('ecb/images', TAG, true);
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'ecb/images', lifecyclePolicyText: JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } }] }) }));
    await f.role('ecb-build-role', TAG);
    await project('ecb-build', roleArn('ecb-build-role'), TAG);
    // Kept: a tagged role that an untagged project runs as.
    await f.role('ecb-shared-role', TAG);
    await project('ecb-untagged-user', roleArn('ecb-shared-role'));
    // Decoys: untagged, another tag value, the same name prefix.
    await f.role('ecb-decoy-role');
    await repository('ecb/images-untagged', undefined, true);
    await repository('ecb/images-other', OTHER);
    await repository('ecb-images', { team: 'ecb-test' });
    await project('ecb-build-untagged', roleArn('ecb-decoy-role'));
    await project('ecb-build-other', roleArn('ecb-decoy-role'), OTHER);
  });
  afterEach(() => {
    f.close();
    ecr.destroy();
    codebuild.destroy();
  });

  const DECOYS = {
    repositories: ['ecb-images images=0', 'ecb/images-other images=0', 'ecb/images-untagged images=1'],
    projects: ['ecb-build-other', 'ecb-build-untagged', 'ecb-untagged-user'],
    roles: ['ecb-decoy-role', 'ecb-shared-role'],
  };

  it('--dry-run plans exactly the tagged repository, project and role, and changes nothing', async () => {
    const before = await left();
    expect(before.repositories).toContain('ecb/images images=1');
    const { code, report, stderr } = await run(['--dry-run']);
    expect(code).toBe(0);
    const planned = report.resources.filter((o) => o.status === 'planned').map((o) => o.arn);
    expect(new Set(planned)).toEqual(new Set([repoArn('ecb/images'), projectArn('ecb-build'), roleArn('ecb-build-role')]));
    expect(byName(report, 'ecb-shared-role')).toMatchObject({ status: 'skipped', rule: 'in-use', reason: `used by codebuild:project ecb-untagged-user (${REGION}), which stays` });
    // The plan (on stderr with --json) says the image goes with its repository, and is not in the backup.
    expect(stderr).toContain('removes with it: 1 image (container images not in the backup)');
    expect(await left()).toEqual(before);
    expect(await readdir(backupDir)).toEqual([]);
  });

  it('--yes deletes the repository with its image, the project, then its role; keeps the role an untagged project uses and every decoy', async () => {
    const { code, report } = await run(['--yes']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    const deleted = report.resources.filter((o) => o.status === 'deleted').map((o) => o.arn);
    expect(new Set(deleted)).toEqual(new Set([repoArn('ecb/images'), projectArn('ecb-build'), roleArn('ecb-build-role')]));
    expect(byName(report, 'ecb-shared-role')).toMatchObject({ status: 'skipped', rule: 'in-use', reason: `used by codebuild:project ecb-untagged-user (${REGION}), which stays` });
    expect(await left()).toEqual(DECOYS);
    // The untagged project still runs as its role.
    const kept = await codebuild.send(new BatchGetProjectsCommand({ names: ['ecb-untagged-user'] }));
    expect(kept.projects?.[0]?.serviceRole).toBe(roleArn('ecb-shared-role'));

    // The role goes only after the project that runs as it.
    const journal = (await readFile(report.journalPath as string, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { event: string; arn?: string });
    const deletedAt = (arn: string) => journal.findIndex((e) => e.event === 'deleted' && e.arn === arn);
    const startedAt = (arn: string) => journal.findIndex((e) => e.event === 'step-started' && e.arn === arn);
    expect(deletedAt(projectArn('ecb-build'))).toBeGreaterThanOrEqual(0);
    expect(deletedAt(projectArn('ecb-build'))).toBeLessThan(startedAt(roleArn('ecb-build-role')));

    // The backup keeps the repository's settings, lifecycle policy and image ids, and the project's role.
    const backup = JSON.parse(await readFile(report.backupPath as string, 'utf8')) as { resources: { arn: string; tags: Record<string, string>; config: Record<string, unknown> }[] };
    const saved = (arn: string) => backup.resources.find((b) => b.arn === arn);
    expect(saved(repoArn('ecb/images'))).toMatchObject({
      tags: TAG,
      config: { repositoryName: 'ecb/images', LifecyclePolicy: { lifecyclePolicyText: { rules: [{ rulePriority: 1 }] } }, RepositoryPolicy: null, Images: [{ imageTag: 'latest' }] },
    });
    expect(saved(projectArn('ecb-build'))).toMatchObject({ tags: TAG, config: { name: 'ecb-build', serviceRole: roleArn('ecb-build-role'), source: { type: 'S3' } } });

    // A second run finds nothing more to delete.
    const again = await run(['--yes']);
    expect(again.code).toBe(0);
    expect(again.report.summary.deleted).toBe(0);
    expect(await left()).toEqual(DECOYS);
  });
});
