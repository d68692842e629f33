import { BatchGetProjectsCommand, CodeBuildClient, DeleteProjectCommand, ListProjectsCommand, type Project } from '@aws-sdk/client-codebuild';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { codebuildProject as handler } from '../../../src/resources/codebuild-project.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const codebuild = mockClient(CodeBuildClient);
const ACCOUNT = '123456789012';
const arnOf = (name: string, region = 'us-east-1') => `arn:aws:codebuild:${region}:${ACCOUNT}:project/${name}`;
const ARN = arnOf('sagemaker-mlops-build');
const ROLE = `arn:aws:iam::${ACCOUNT}:role/service-role/codebuild-mlops`;
/** The log group a project's builds write to, in its region and account. */
const LOGS = (group: string, region = 'us-east-1') => `arn:aws:logs:${region}:${ACCOUNT}:log-group:${group}`;
const GROUP = LOGS('/aws/codebuild/sagemaker-mlops-build');
const ref = () => refFor(handler, ARN);
const ctx = () => testContext();
const live = () => liveFor(handler, ARN);
const sent = () => codebuild.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

const project = (name: string, extra: Partial<Project> = {}): Project => ({
  name,
  arn: arnOf(name),
  serviceRole: ROLE,
  source: { type: 'CODEPIPELINE', buildspec: 'buildspec.yml' },
  environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
  tags: [{ key: 'project', value: 'nova' }],
  ...extra,
});

describe('codebuild:project', () => {
  beforeEach(() => codebuild.reset());

  it('owns project ARNs, uses roles and log groups, and reads with two operations only', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(`arn:aws:codebuild:us-east-1:${ACCOUNT}:build/sagemaker-mlops-build:0f2c`)).toBe(false);
    expect(handler.arnPattern.test(`arn:aws:codebuild:us-east-1:${ACCOUNT}:report-group/sagemaker-mlops-build-reports`)).toBe(false);
    expect(handler.arnPattern.test(`arn:aws:codebuild:us-east-1:${ACCOUNT}:project/`)).toBe(false);
    expect(handler.nameOf(ARN)).toBe('sagemaker-mlops-build');
    expect(handler.references).toEqual(['iam:role', 'logs:log-group']);
    expect(handler.notFound).toEqual(['ResourceNotFoundException']);
    expect(handler.client).toBe('codebuild');
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['ListProjects', 'BatchGetProjects']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  describe('list', () => {
    it('lists every project with its tags, service role and log group: ListProjects pages, then BatchGetProjects 100 at a time', async () => {
      const names = Array.from({ length: 150 }, (_, i) => `p${i}`);
      codebuild.on(ListProjectsCommand)
        .resolvesOnce({ projects: names.slice(0, 120), nextToken: 'n2' })
        .resolvesOnce({ projects: names.slice(120) });
      codebuild.on(BatchGetProjectsCommand).callsFake((input: { names: string[] }) => ({
        // p3 was deleted since ListProjects; p4 runs as no role; p5 has no tags.
        projects: input.names
          .filter((n) => n !== 'p3')
          .map((n) => (n === 'p4' ? project(n, { serviceRole: undefined }) : n === 'p5' ? project(n, { tags: undefined }) : project(n))),
        projectsNotFound: input.names.filter((n) => n === 'p3'),
      }));

      const listed = await handler.list(ctx(), 'us-east-1');
      expect(listed).toHaveLength(149);
      expect(listed[0]).toEqual({ arn: arnOf('p0'), tags: { project: 'nova' }, uses: [ROLE, LOGS('/aws/codebuild/p0')] });
      expect(listed.find((l) => l.arn === arnOf('p4'))).toEqual({ arn: arnOf('p4'), tags: { project: 'nova' }, uses: [LOGS('/aws/codebuild/p4')] });
      expect(listed.find((l) => l.arn === arnOf('p5'))?.tags).toEqual({});
      expect(listed.some((l) => l.arn === arnOf('p3'))).toBe(false);

      expect(codebuild).toHaveReceivedNthSpecificCommandWith(2, ListProjectsCommand, { nextToken: 'n2' });
      expect(codebuild).toHaveReceivedCommandTimes(BatchGetProjectsCommand, 2);
      expect(codebuild).toHaveReceivedNthSpecificCommandWith(1, BatchGetProjectsCommand, { names: names.slice(0, 100) });
      expect(codebuild).toHaveReceivedNthSpecificCommandWith(2, BatchGetProjectsCommand, { names: names.slice(100) });
      expect(sent().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('sends no BatchGetProjects for a region without projects', async () => {
      codebuild.on(ListProjectsCommand).resolves({ projects: [] });
      expect(await handler.list(ctx(), 'eu-west-1')).toEqual([]);
      expect(sent()).toEqual(['ListProjects']);
      expect(await codebuild.call(0).thisValue.config.region()).toBe('eu-west-1');
    });

    it('reads a bare role name as a role of the project account', async () => {
      codebuild.on(ListProjectsCommand).resolves({ projects: ['p'] });
      codebuild.on(BatchGetProjectsCommand).resolves({ projects: [project('p', { serviceRole: 'plain-role' })] });
      expect(await handler.list(ctx(), 'us-east-1')).toEqual([
        { arn: arnOf('p'), tags: { project: 'nova' }, uses: [`arn:aws:iam::${ACCOUNT}:role/plain-role`, LOGS('/aws/codebuild/p')] },
      ]);
    });

    it("puts the log group in the project's own region and account, as its ARN says", async () => {
      const other = 'arn:aws:codebuild:eu-west-1:210987654321:project/p';
      codebuild.on(ListProjectsCommand).resolves({ projects: ['p'] });
      codebuild.on(BatchGetProjectsCommand).resolves({ projects: [project('p', { arn: other, serviceRole: 'plain-role' })] });
      expect(await handler.list(ctx(), 'eu-west-1')).toEqual([
        {
          arn: other,
          tags: { project: 'nova' },
          uses: ['arn:aws:iam::210987654321:role/plain-role', 'arn:aws:logs:eu-west-1:210987654321:log-group:/aws/codebuild/p'],
        },
      ]);
    });
  });

  describe('the log group it uses', () => {
    const usesWith = async (logsConfig: Project['logsConfig']) => {
      codebuild.on(BatchGetProjectsCommand).resolves({ projects: [project('sagemaker-mlops-build', { logsConfig })] });
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      return d.uses;
    };

    it('is /aws/codebuild/<name> when CloudWatch logging names no group (or has no logsConfig)', async () => {
      expect(await usesWith(undefined)).toEqual([ROLE, GROUP]);
      expect(await usesWith({})).toEqual([ROLE, GROUP]);
      expect(await usesWith({ cloudWatchLogs: { status: 'ENABLED' } })).toEqual([ROLE, GROUP]);
      expect(await usesWith({ cloudWatchLogs: { status: 'ENABLED', streamName: 'builds' }, s3Logs: { status: 'DISABLED' } })).toEqual([ROLE, GROUP]);
    });

    it('is the group logsConfig names, not the default one', async () => {
      const uses = await usesWith({ cloudWatchLogs: { status: 'ENABLED', groupName: '/nova/ci-builds', streamName: 'mlops' } });
      expect(uses).toEqual([ROLE, LOGS('/nova/ci-builds')]);
      expect(uses).not.toContain(GROUP);
    });

    it('is none when CloudWatch logging is DISABLED, even with a group name left in the config', async () => {
      expect(await usesWith({ cloudWatchLogs: { status: 'DISABLED' } })).toEqual([ROLE]);
      expect(await usesWith({ cloudWatchLogs: { status: 'DISABLED', groupName: '/nova/ci-builds' }, s3Logs: { status: 'ENABLED', location: 'bucket/logs' } })).toEqual([ROLE]);
    });

    it('is the same in list as in describe', async () => {
      const logsConfig = { cloudWatchLogs: { status: 'ENABLED' as const, groupName: '/nova/ci-builds' } };
      codebuild.on(ListProjectsCommand).resolves({ projects: ['sagemaker-mlops-build', 'quiet'] });
      codebuild.on(BatchGetProjectsCommand).resolves({
        projects: [project('sagemaker-mlops-build', { logsConfig }), project('quiet', { serviceRole: undefined, logsConfig: { cloudWatchLogs: { status: 'DISABLED' } } })],
      });
      expect(await handler.list(ctx(), 'us-east-1')).toEqual([
        { arn: ARN, tags: { project: 'nova' }, uses: [ROLE, LOGS('/nova/ci-builds')] },
        { arn: arnOf('quiet'), tags: { project: 'nova' }, uses: [] },
      ]);
    });
  });

  describe('describe and currentTags', () => {
    it('reads the whole project, its tags, its service role and its log group with one BatchGetProjects', async () => {
      codebuild.on(BatchGetProjectsCommand, { names: ['sagemaker-mlops-build'] }).resolves({
        projects: [project('sagemaker-mlops-build', { webhook: { url: 'https://hook' }, logsConfig: { cloudWatchLogs: { status: 'ENABLED' } } })],
        projectsNotFound: [],
        $metadata: {},
      });
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([ROLE, GROUP]);
      expect(d.config).toMatchObject({ name: 'sagemaker-mlops-build', serviceRole: ROLE, source: { type: 'CODEPIPELINE' }, webhook: { url: 'https://hook' } });
      expect(d.config).not.toHaveProperty('$metadata');
      expect(sent()).toEqual(['BatchGetProjects']);
    });

    it('ignores a tags hint: the one call it makes carries them anyway', async () => {
      codebuild.on(BatchGetProjectsCommand).resolves({ projects: [project('sagemaker-mlops-build', { tags: [{ key: 'project', value: 'live' }] })] });
      const d = await handler.describe(ref(), ctx(), { tags: { project: 'hinted' } });
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'live' });
    });

    it('reads the live tags with BatchGetProjects', async () => {
      codebuild.on(BatchGetProjectsCommand).resolves({ projects: [project('sagemaker-mlops-build', { tags: [{ key: 'a', value: '1' }, { key: 'b' }] })] });
      expect(await handler.currentTags(ref(), ctx())).toEqual({ a: '1', b: '' });
      expect(codebuild).toHaveReceivedCommandWith(BatchGetProjectsCommand, { names: ['sagemaker-mlops-build'] });
    });

    it('is gone when BatchGetProjects names it among the projects not found', async () => {
      codebuild.on(BatchGetProjectsCommand).resolves({ projects: [], projectsNotFound: ['sagemaker-mlops-build'] });
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
      expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
    });

    it('does not take an answer that names it nowhere, nor an error, for gone', async () => {
      codebuild.on(BatchGetProjectsCommand).resolves({ projects: [project('another')] });
      await expect(handler.describe(ref(), ctx())).rejects.toThrow(/neither project sagemaker-mlops-build/);
      await expect(handler.currentTags(ref(), ctx())).rejects.toThrow(/neither/);
      codebuild.on(BatchGetProjectsCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: codebuild:BatchGetProjects', 403));
      await expect(handler.currentTags(ref(), ctx())).rejects.toThrow('codebuild:BatchGetProjects');
      expect(sent().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });
  });

  describe('actions', () => {
    it('needs BatchGetProjects (the re-check) and DeleteProject on the project', () => {
      expect(handler.actions(live())).toEqual([
        { action: 'codebuild:BatchGetProjects', resource: ARN },
        { action: 'codebuild:DeleteProject', resource: ARN },
      ]);
      expect(handler.children).toBeUndefined();
    });
  });

  describe('delete', () => {
    it('deletes the project by name in one step', async () => {
      codebuild.on(DeleteProjectCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(live(), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete', done: 'deleted project sagemaker-mlops-build' }]);
      expect(codebuild).toHaveReceivedCommandWith(DeleteProjectCommand, { name: 'sagemaker-mlops-build' });
      expect(sent()).toEqual(['DeleteProject']);
    });

    it('sends nothing when its step is stopped', async () => {
      await expect(handler.delete(live(), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(sent()).toEqual([]);
    });

    it('lets a failed delete through', async () => {
      codebuild.on(DeleteProjectCommand).rejects(awsError('InvalidInputException', 'project has builds and a resource policy'));
      await expect(handler.delete(live(), ctx(), recordingSteps())).rejects.toThrow('resource policy');
    });
  });
});
