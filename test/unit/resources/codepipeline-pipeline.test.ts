import {
  CodePipelineClient,
  DeletePipelineCommand,
  GetPipelineCommand,
  ListPipelineExecutionsCommand,
  ListPipelinesCommand,
  ListTagsForResourceCommand,
  StopPipelineExecutionCommand,
  type PipelineDeclaration,
  type PipelineExecutionStatus,
  type PipelineExecutionSummary,
} from '@aws-sdk/client-codepipeline';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { layer } from '../../../src/plan/document.js';
import { decideScope } from '../../../src/plan/scope.js';
import { codebuildProject } from '../../../src/resources/codebuild-project.js';
import { codeconnectionsConnection } from '../../../src/resources/codeconnections-connection.js';
import { codepipelinePipeline as handler } from '../../../src/resources/codepipeline-pipeline.js';
import { GONE } from '../../../src/resources/handler.js';
import { iamRole } from '../../../src/resources/iam-role.js';
import { s3Bucket } from '../../../src/resources/s3-bucket.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const cp = mockClient(CodePipelineClient);
const sts = mockClient(STSClient);
const ACCOUNT = '123456789012';
const NAME = 'sagemaker-mlops-p-abc123-modelbuild';
const arnOf = (name: string, region = 'us-east-1') => `arn:aws:codepipeline:${region}:${ACCOUNT}:${name}`;
const ARN = arnOf(NAME);
const ROLE = `arn:aws:iam::${ACCOUNT}:role/service-role/AmazonSageMakerServiceCatalogProductsCodePipelineRole`;
const ACTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy-action`;
/** The role the pipeline's CodeBuild project runs as. */
const BUILD_ROLE = `arn:aws:iam::${ACCOUNT}:role/service-role/AmazonSageMakerServiceCatalogProductsCodeBuildRole`;
const CONNECTION = `arn:aws:codeconnections:us-east-1:${ACCOUNT}:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;
const OLD_CONNECTION = `arn:aws:codestar-connections:us-east-1:${ACCOUNT}:connection/9f8e7d6c-5b4a-3210-fedc-ba9876543210`;
const bucket = (n: string) => `arn:aws:s3:::${n}`;
const project = (n: string, region = 'us-east-1') => `arn:aws:codebuild:${region}:${ACCOUNT}:project/${n}`;
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const ref = () => refFor(handler, ARN);

/** A two-stage pipeline: a GitHub source through a connection, a CodeBuild build. */
const pipeline = (extra: Partial<PipelineDeclaration> = {}): PipelineDeclaration => ({
  name: NAME,
  roleArn: ROLE,
  artifactStore: { type: 'S3', location: 'sagemaker-project-p-abc123' },
  stages: [
    {
      name: 'Source',
      actions: [
        {
          name: 'ModelBuildWorkflowCode',
          actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' },
          configuration: { ConnectionArn: CONNECTION, FullRepositoryId: 'org/modelbuild', BranchName: 'main' },
          outputArtifacts: [{ name: 'Source' }],
        },
      ],
    },
    {
      name: 'Build',
      actions: [
        {
          name: 'BuildAndExecuteSageMakerPipeline',
          actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
          configuration: { ProjectName: 'sagemaker-mlops-p-abc123-modelbuild' },
          inputArtifacts: [{ name: 'Source' }],
        },
      ],
    },
  ],
  version: 3,
  ...extra,
});
const USES = [ROLE, bucket('sagemaker-project-p-abc123'), CONNECTION, project('sagemaker-mlops-p-abc123-modelbuild')];

const execution = (id: string, status: PipelineExecutionStatus): PipelineExecutionSummary => ({ pipelineExecutionId: id, status });
const live = (executions: PipelineExecutionSummary[] = []) => liveFor(handler, ARN, { config: { pipeline: pipeline(), executions }, uses: USES });
const ops = () => cp.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

/** ListPipelineExecutions answers these listings in turn (the last repeats); the stop and the delete succeed. */
function world(...listings: PipelineExecutionSummary[][]): void {
  let chain = cp.on(ListPipelineExecutionsCommand);
  for (const l of listings.slice(0, -1)) chain = chain.resolvesOnce({ pipelineExecutionSummaries: l });
  chain.resolves({ pipelineExecutionSummaries: listings.at(-1) ?? [] });
  cp.on(StopPipelineExecutionCommand).callsFake((input: { pipelineExecutionId: string }) => ({ pipelineExecutionId: input.pipelineExecutionId }));
  cp.on(DeletePipelineCommand).resolves({});
}

async function deleteIt(r = live(), opts: { stopAt?: string; ctx?: ReturnType<typeof ctx> } = {}) {
  const steps = recordingSteps(opts);
  const error: unknown = await handler.delete(r, opts.ctx ?? ctx(), steps).then(() => undefined, (err: unknown) => err);
  return { steps: steps.log, names: steps.log.map((s) => s.name), ...(error === undefined ? {} : { error }) };
}

describe('codepipeline:pipeline', () => {
  beforeEach(() => {
    cp.reset();
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/cleaner/s` });
  });
  afterEach(() => vi.useRealTimers());

  it('owns pipeline ARNs, not its actions or webhooks; uses roles, buckets, projects and connections', () => {
    expect(handler.type).toBe('codepipeline:pipeline');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(arnOf('p.v2@team_x'))).toBe(true);
    expect(handler.arnPattern.test(`${ARN}/Source/ModelBuildWorkflowCode`)).toBe(false);
    expect(handler.arnPattern.test(`arn:aws:codepipeline:us-east-1:${ACCOUNT}:webhook:github-hook`)).toBe(false);
    expect(handler.arnPattern.test(`arn:aws:codepipeline:us-east-1:${ACCOUNT}:actiontype:Custom/Build/X/1`)).toBe(false);
    expect(handler.nameOf(ARN)).toBe(NAME);
    expect(handler.client).toBe('codepipeline');
    expect(handler.taggingApi).toBe(true);
    expect(handler.references).toEqual(['iam:role', 's3:bucket', 'codebuild:project', 'codeconnections:connection']);
    expect(handler.notFound).toEqual(['PipelineNotFoundException', 'ResourceNotFoundException']);
    expect(handler.reads).toEqual(['ListPipelines', 'GetPipeline', 'ListTagsForResource', 'ListPipelineExecutions']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  describe('list and readUses', () => {
    it('lists every pipeline, 1000 a page, by an ARN built in the caller account', async () => {
      cp.on(ListPipelinesCommand)
        .resolvesOnce({ pipelines: [{ name: 'a', version: 1 }], nextToken: 'n2' })
        .resolvesOnce({ pipelines: [{ name: 'b' }, {}] });
      expect(await handler.list(ctx(), 'eu-west-1')).toEqual([{ arn: arnOf('a', 'eu-west-1') }, { arn: arnOf('b', 'eu-west-1') }]);
      expect(cp).toHaveReceivedNthSpecificCommandWith(1, ListPipelinesCommand, { maxResults: 1000 });
      expect(cp).toHaveReceivedNthSpecificCommandWith(2, ListPipelinesCommand, { maxResults: 1000, nextToken: 'n2' });
      expect(await cp.call(0).thisValue.config.region()).toBe('eu-west-1');
    });

    it('asks STS nothing for a region without pipelines', async () => {
      cp.on(ListPipelinesCommand).resolves({ pipelines: [] });
      expect(await handler.list(ctx(), 'us-east-1')).toEqual([]);
      expect(sts).not.toHaveReceivedCommand(GetCallerIdentityCommand);
    });

    it('reads what it uses with GetPipeline alone: role, artifact bucket, connection, CodeBuild project', async () => {
      cp.on(GetPipelineCommand, { name: NAME }).resolves({ pipeline: pipeline() });
      expect(await handler.readUses?.(ref(), ctx())).toEqual(USES);
      expect(ops()).toEqual(['GetPipeline']);
    });

    it('reads every kind of use: cross-region stores and actions, action roles, S3 source and deploy buckets, old connection ARNs', async () => {
      const p = pipeline({
        artifactStore: undefined,
        artifactStores: { 'us-east-1': { type: 'S3', location: 'art-east' }, 'eu-west-1': { type: 'S3', location: 'art-west' } },
        stages: [
          {
            name: 'Source',
            actions: [
              { name: 's3', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' }, configuration: { S3Bucket: 'src-bucket', S3ObjectKey: 'a.zip' } },
              { name: 'gh', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' }, configuration: { ConnectionArn: OLD_CONNECTION } },
            ],
          },
          {
            name: 'Deploy',
            actions: [
              {
                name: 'build-west',
                region: 'eu-west-1',
                roleArn: ACTION_ROLE,
                actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
                configuration: { ProjectName: 'west-build' },
              },
              { name: 'var', actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' }, configuration: { ProjectName: '#{variables.project}' } },
              { name: 'site', actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' }, configuration: { BucketName: 'site-bucket', Extract: 'true' } },
              { name: 'custom', actionTypeId: { category: 'Build', owner: 'Custom', provider: 'CodeBuild', version: '1' }, configuration: { ProjectName: 'not-codebuild' } },
            ],
          },
        ],
      });
      cp.on(GetPipelineCommand).resolves({ pipeline: p });
      expect(await handler.readUses?.(ref(), ctx())).toEqual([
        ROLE,
        bucket('art-east'),
        bucket('art-west'),
        bucket('src-bucket'),
        OLD_CONNECTION,
        ACTION_ROLE,
        project('west-build', 'eu-west-1'),
        bucket('site-bucket'),
      ]);
    });

    it('is gone when GetPipeline cannot find it', async () => {
      cp.on(GetPipelineCommand).rejects(awsError('PipelineNotFoundException', `Account '${ACCOUNT}' does not have a pipeline with name '${NAME}'`));
      expect(await handler.readUses?.(ref(), ctx())).toBe(GONE);
    });
  });

  describe('describe and currentTags', () => {
    it('gives the pipeline and its metadata, its unfinished executions (every page, 100 a page), live tags (every page) and what it uses', async () => {
      cp.on(GetPipelineCommand, { name: NAME }).resolves({ pipeline: pipeline(), metadata: { pipelineArn: ARN }, $metadata: { httpStatusCode: 200 } });
      cp.on(ListTagsForResourceCommand)
        .resolvesOnce({ tags: [{ key: 'sagemaker:project-name', value: 'mlops' }], nextToken: 't2' })
        .resolvesOnce({ tags: [{ key: 'CreatedBy', value: 'MLOpsAgent' }, { key: 'empty', value: '' }] });
      cp.on(ListPipelineExecutionsCommand)
        .resolvesOnce({ pipelineExecutionSummaries: [execution('e3', 'InProgress'), execution('e2', 'Succeeded')], nextToken: 'p2' })
        .resolvesOnce({ pipelineExecutionSummaries: [execution('e1', 'Stopping'), execution('e0', 'Superseded'), execution('e-', 'Failed')] });
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.config).toEqual({ pipeline: pipeline(), metadata: { pipelineArn: ARN }, executions: [execution('e3', 'InProgress'), execution('e1', 'Stopping')] });
      expect(d.tags).toEqual({ 'sagemaker:project-name': 'mlops', CreatedBy: 'MLOpsAgent', empty: '' });
      expect(d.uses).toEqual(USES);
      expect(cp).toHaveReceivedNthSpecificCommandWith(1, ListTagsForResourceCommand, { resourceArn: ARN, maxResults: 100 });
      expect(cp).toHaveReceivedNthSpecificCommandWith(2, ListTagsForResourceCommand, { resourceArn: ARN, maxResults: 100, nextToken: 't2' });
      expect(cp).toHaveReceivedNthSpecificCommandWith(2, ListPipelineExecutionsCommand, { pipelineName: NAME, maxResults: 100, nextToken: 'p2' });
      expect(ops().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('takes a tags hint instead of reading them', async () => {
      cp.on(GetPipelineCommand).resolves({ pipeline: pipeline() });
      cp.on(ListPipelineExecutionsCommand).resolves({ pipelineExecutionSummaries: [] });
      const d = await handler.describe(ref(), ctx(), { tags: { project: 'hinted' } });
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'hinted' });
      expect(cp).not.toHaveReceivedCommand(ListTagsForResourceCommand);
    });

    it('is gone when any of its reads cannot find it; other errors go through', async () => {
      cp.on(GetPipelineCommand).resolves({ pipeline: pipeline() });
      cp.on(ListPipelineExecutionsCommand).resolves({ pipelineExecutionSummaries: [] });
      cp.on(ListTagsForResourceCommand).rejects(awsError('ResourceNotFoundException', 'no such pipeline'));
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
      expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
      cp.on(ListTagsForResourceCommand).resolves({ tags: [] });
      cp.on(GetPipelineCommand).rejects(awsError('PipelineNotFoundException', 'no such pipeline'));
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
      cp.on(GetPipelineCommand).rejects(awsError('AccessDeniedException', 'no codepipeline:GetPipeline', 403));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('no codepipeline:GetPipeline');
    });

    it('reads the live tags with ListTagsForResource alone', async () => {
      cp.on(ListTagsForResourceCommand).resolves({ tags: [{ key: 'project', value: 'nova' }] });
      expect(await handler.currentTags(ref(), ctx())).toEqual({ project: 'nova' });
      expect(ops()).toEqual(['ListTagsForResource']);
      cp.on(ListTagsForResourceCommand).rejects(awsError('AccessDeniedException', 'no ListTagsForResource', 403));
      await expect(handler.currentTags(ref(), ctx())).rejects.toThrow('no ListTagsForResource');
    });
  });

  describe('children and actions', () => {
    it('has its unfinished executions as children', () => {
      const lost = 'the run is stopped: its in-progress actions are abandoned, its later stages do not run';
      expect(handler.children?.(live([execution('e3', 'InProgress'), execution('e1', 'Stopping')]))).toEqual([
        { kind: 'pipeline-execution', id: 'e3', lost },
        { kind: 'pipeline-execution', id: 'e1', lost },
      ]);
      expect(handler.children?.(live())).toEqual([]);
    });

    it('needs StopPipelineExecution only when an execution runs', () => {
      const needs = (r: ReturnType<typeof live>) => handler.actions(r).map((a) => `${a.action} ${a.resource}`);
      expect(needs(live([execution('e3', 'InProgress')]))).toEqual([
        `codepipeline:ListTagsForResource ${ARN}`,
        `codepipeline:ListPipelineExecutions ${ARN}`,
        `codepipeline:StopPipelineExecution ${ARN}`,
        `codepipeline:DeletePipeline ${ARN}`,
      ]);
      expect(needs(live())).toEqual([`codepipeline:ListTagsForResource ${ARN}`, `codepipeline:ListPipelineExecutions ${ARN}`, `codepipeline:DeletePipeline ${ARN}`]);
    });
  });

  /**
   * What moto cannot show end to end (its CodePipeline timestamps are not readable by the JS SDK): the
   * pipeline's uses, as the planner takes them, put it before its role, artifact bucket, connection and
   * CodeBuild project (and the project before its own role); an untagged pipeline keeps what it uses.
   */
  describe('with the planner', () => {
    const PROJECT = project('sagemaker-mlops-p-abc123-modelbuild');
    const others = () => [
      { ref: refFor(iamRole, ROLE), uses: [] },
      { ref: refFor(s3Bucket, bucket('sagemaker-project-p-abc123')), uses: [] },
      { ref: refFor(codeconnectionsConnection, CONNECTION), uses: [] },
      { ref: refFor(codebuildProject, PROJECT), uses: [BUILD_ROLE] },
      { ref: refFor(iamRole, BUILD_ROLE), uses: [] },
    ];

    it('deletes the pipeline first, then its role, artifact bucket, connection and project, then the project role', async () => {
      cp.on(GetPipelineCommand, { name: NAME }).resolves({ pipeline: pipeline() });
      cp.on(ListTagsForResourceCommand).resolves({ tags: [{ key: 'project', value: 'nova' }] });
      cp.on(ListPipelineExecutionsCommand).resolves({ pipelineExecutionSummaries: [execution('e1', 'Succeeded')] });
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      const order = layer([...others(), { ref: ref(), uses: d.uses }]).map((n) => ({ arn: n.ref.arn, layer: n.layer, usedBy: n.usedBy }));
      expect(order).toEqual([
        { arn: ARN, layer: 0, usedBy: [] },
        { arn: PROJECT, layer: 1, usedBy: [ARN] },
        { arn: CONNECTION, layer: 1, usedBy: [ARN] },
        { arn: ROLE, layer: 1, usedBy: [ARN] },
        { arn: bucket('sagemaker-project-p-abc123'), layer: 1, usedBy: [ARN] },
        { arn: BUILD_ROLE, layer: 2, usedBy: [PROJECT] },
      ]);
      // A finished execution is nothing to stop: the delete is one step.
      world([execution('e1', 'Succeeded')]);
      expect((await deleteIt(liveFor(handler, ARN, d))).names).toEqual(['delete']);
    });

    it('keeps the tagged role, bucket, connection and project an untagged pipeline uses (read with GetPipeline), naming it', async () => {
      const untagged = arnOf('platform-build');
      cp.on(GetPipelineCommand, { name: 'platform-build' }).resolves({ pipeline: pipeline({ name: 'platform-build' }) });
      const uses = await handler.readUses?.(refFor(handler, untagged), ctx());
      if (!Array.isArray(uses)) throw new Error('expected what the pipeline uses');
      const decisions = decideScope({
        found: others(),
        users: [{ ref: refFor(handler, untagged), uses }],
        holds: [],
        isGlobal: (t) => t === 'iam:role',
        lastUsed: new Map(),
        examinedRegions: ['us-east-1'],
      });
      const direct = 'used by codepipeline:pipeline platform-build (us-east-1), which stays';
      const of = (arn: string) => decisions.find((x) => x.ref.arn === arn);
      for (const arn of [ROLE, bucket('sagemaker-project-p-abc123'), CONNECTION, PROJECT]) expect(of(arn)).toMatchObject({ delete: false, status: 'skipped', rule: 'in-use', reason: direct });
      // The project's own role is not the pipeline's: it stays only because the project does.
      expect(of(BUILD_ROLE)).toMatchObject({ delete: false, status: 'skipped', rule: 'in-use', reason: 'used by codebuild:project sagemaker-mlops-p-abc123-modelbuild (us-east-1), which stays' });
    });
  });

  describe('delete', () => {
    it('deletes a pipeline with nothing running in one step, after listing its executions', async () => {
      world([execution('e2', 'Succeeded')]);
      const { steps } = await deleteIt();
      expect(steps).toEqual([{ name: 'delete', done: `deleted pipeline ${NAME}` }]);
      expect(ops()).toEqual(['ListPipelineExecutions', 'DeletePipeline']);
      expect(cp).toHaveReceivedCommandWith(DeletePipelineCommand, { name: NAME });
    });

    it('stops each unfinished execution, abandoning its actions (a step each, children first), waits, then deletes', async () => {
      world([execution('e3', 'InProgress'), execution('e1', 'Stopping'), execution('e0', 'Succeeded')], [execution('e3', 'Stopped'), execution('e1', 'Stopped')]);
      const { steps } = await deleteIt(live([execution('e3', 'InProgress')]));
      expect(steps).toEqual([
        { name: 'stop', child: { kind: 'pipeline-execution', id: 'e3' }, done: 'stopped pipeline execution e3' },
        { name: 'stop', child: { kind: 'pipeline-execution', id: 'e1' }, done: 'stopped pipeline execution e1' },
        { name: 'delete', done: `deleted pipeline ${NAME}` },
      ]);
      expect(ops()).toEqual(['ListPipelineExecutions', 'StopPipelineExecution', 'StopPipelineExecution', 'ListPipelineExecutions', 'DeletePipeline']);
      expect(cp).toHaveReceivedNthSpecificCommandWith(1, StopPipelineExecutionCommand, { pipelineName: NAME, pipelineExecutionId: 'e3', abandon: true, reason: 'nova-cleanup: deleting the pipeline' });
      expect(cp).toHaveReceivedNthSpecificCommandWith(2, StopPipelineExecutionCommand, { pipelineName: NAME, pipelineExecutionId: 'e1', abandon: true, reason: 'nova-cleanup: deleting the pipeline' });
    });

    it('lists again: an execution started since the plan is stopped too; one finished since is not', async () => {
      world([execution('new', 'InProgress'), execution('planned', 'Succeeded')], []);
      expect((await deleteIt(live([execution('planned', 'InProgress')]))).names).toEqual(['stop', 'delete']);
      expect(cp).toHaveReceivedCommandTimes(StopPipelineExecutionCommand, 1);
      expect(cp).toHaveReceivedCommandWith(StopPipelineExecutionCommand, { pipelineExecutionId: 'new' });
    });

    it('takes an execution that finished, vanished or is already being abandoned as stopped', async () => {
      for (const name of ['PipelineExecutionNotStoppableException', 'DuplicatedStopRequestException', 'PipelineExecutionNotFoundException']) {
        cp.reset();
        world([execution('e3', 'InProgress')], []);
        cp.on(StopPipelineExecutionCommand).rejects(awsError(name, 'nothing to stop'));
        expect((await deleteIt(live([execution('e3', 'InProgress')]))).names).toEqual(['stop', 'delete']);
        expect(cp).toHaveReceivedCommand(DeletePipelineCommand);
      }
    });

    it('lets a refused stop through and deletes nothing', async () => {
      world([execution('e3', 'InProgress')]);
      cp.on(StopPipelineExecutionCommand).rejects(awsError('ConflictException', 'a stop is not allowed now'));
      const { names, error } = await deleteIt(live([execution('e3', 'InProgress')]));
      expect(error).toMatchObject({ name: 'ConflictException' });
      expect(names).toEqual(['stop']);
      expect(cp).not.toHaveReceivedCommand(DeletePipelineCommand);
    });

    it('keeps polling while an execution is Stopping; fails with a TimeoutError after --wait-timeout and deletes nothing', async () => {
      vi.useFakeTimers();
      world([execution('e3', 'InProgress')], [execution('e3', 'Stopping')], [execution('e3', 'Stopped')]);
      const done = deleteIt(live([execution('e3', 'InProgress')]));
      await vi.advanceTimersByTimeAsync(60_000);
      expect((await done).names).toEqual(['stop', 'delete']);
      expect(ops()).toEqual(['ListPipelineExecutions', 'StopPipelineExecution', 'ListPipelineExecutions', 'ListPipelineExecutions', 'DeletePipeline']);

      cp.reset();
      world([execution('e3', 'InProgress')], [execution('e3', 'Stopping')]);
      const late = deleteIt(live([execution('e3', 'InProgress')]), { ctx: testContext({ waitTimeoutSeconds: 20 }) });
      await vi.advanceTimersByTimeAsync(60_000);
      const { names, error } = await late;
      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect(names).toEqual(['stop']);
      expect(cp).not.toHaveReceivedCommand(DeletePipelineCommand);
    });

    it('ends the wait at once on an error other than not-found; a pipeline gone meanwhile ends it as settled', async () => {
      world([execution('e3', 'InProgress')]);
      cp.on(ListPipelineExecutionsCommand).resolvesOnce({ pipelineExecutionSummaries: [execution('e3', 'InProgress')] }).rejects(awsError('AccessDeniedException', 'no list', 403));
      const failed = await deleteIt(live([execution('e3', 'InProgress')]));
      expect(String(failed.error)).toMatch(/FAILURE/);
      expect(cp).not.toHaveReceivedCommand(DeletePipelineCommand);

      cp.reset();
      world([execution('e3', 'InProgress')]);
      cp.on(ListPipelineExecutionsCommand).resolvesOnce({ pipelineExecutionSummaries: [execution('e3', 'InProgress')] }).rejects(awsError('PipelineNotFoundException', 'gone'));
      expect((await deleteIt(live([execution('e3', 'InProgress')]))).names).toEqual(['stop', 'delete']);
    });

    it('goes straight to the delete when the pipeline is gone since the plan (the core then reports it gone)', async () => {
      cp.on(ListPipelineExecutionsCommand).rejects(awsError('PipelineNotFoundException', 'gone'));
      cp.on(DeletePipelineCommand).resolves({});
      expect((await deleteIt(live([execution('e3', 'InProgress')]))).names).toEqual(['delete']);
      expect(cp).not.toHaveReceivedCommand(StopPipelineExecutionCommand);
    });

    it('sends no stop when the stop step is stopped, and no delete when the delete step is', async () => {
      world([execution('e3', 'InProgress'), execution('e4', 'InProgress')], []);
      expect(await deleteIt(live(), { stopAt: 'stop' })).toMatchObject({ names: [], error: { name: 'TagsChanged' } });
      expect(ops()).toEqual(['ListPipelineExecutions']);
      cp.reset();
      world([execution('e3', 'InProgress'), execution('e4', 'InProgress')], []);
      expect(await deleteIt(live(), { stopAt: 'delete' })).toMatchObject({ names: ['stop', 'stop'], error: { name: 'TagsChanged' } });
      expect(cp).not.toHaveReceivedCommand(DeletePipelineCommand);
    });

    it('declares every read its delete and wait send (all but the stop and the delete)', async () => {
      world([execution('e3', 'InProgress')], []);
      await deleteIt(live());
      expect(ops().filter((op) => !/^(Stop|Delete)/.test(op) && !handler.reads.includes(op))).toEqual([]);
    });

    it('lets a failed delete through', async () => {
      world([]);
      cp.on(DeletePipelineCommand).rejects(awsError('ConcurrentModificationException', 'updated meanwhile'));
      expect((await deleteIt()).error).toMatchObject({ message: 'updated meanwhile' });
    });
  });
});
