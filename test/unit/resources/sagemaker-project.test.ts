import {
  DeleteProjectCommand,
  DescribeProjectCommand,
  ListProjectsCommand,
  ListTagsCommand,
  SageMakerClient,
  type DescribeProjectCommandOutput,
  type ProjectStatus,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerProject as handler } from '../../../src/resources/sagemaker-project.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:project/nova-mlops';
const INPUT = { ProjectName: 'nova-mlops' };
const CFN_ROLE = 'arn:aws:iam::123456789012:role/nova-project-cfn';
const STACK = 'arn:aws:cloudformation:us-east-1:123456789012:stack/SageMaker-nova-mlops-build/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
const LOST = 'terminated with the project: CloudFormation deletes the resources its template made (not one by one, not in the backup)';
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ValidationException', 'Project nova-mlops does not exist.');

/** A Service Catalog-backed project (a SageMaker-provided MLOps template). */
const CATALOG: Partial<DescribeProjectCommandOutput> = {
  ProjectArn: ARN,
  ProjectName: 'nova-mlops',
  ProjectId: 'p-abcdefghijkl',
  ProjectStatus: 'CreateCompleted',
  ServiceCatalogProvisioningDetails: { ProductId: 'prod-abc123', ProvisioningArtifactId: 'pa-def456', ProvisioningParameters: [{ Key: 'SageMakerProjectName', Value: 'nova-mlops' }] },
  ServiceCatalogProvisionedProductDetails: { ProvisionedProductId: 'pp-ghi789', ProvisionedProductStatusMessage: 'AVAILABLE' },
  CreationTime: new Date(0),
};
/** A project made from CloudFormation templates directly: its stack and the role CloudFormation uses. */
const TEMPLATE: Partial<DescribeProjectCommandOutput> = {
  ProjectArn: ARN,
  ProjectName: 'nova-mlops',
  ProjectId: 'p-abcdefghijkl',
  ProjectStatus: 'CreateCompleted',
  TemplateProviderDetails: [
    { CfnTemplateProviderDetail: { TemplateName: 'build', TemplateURL: 'https://s3.amazonaws.com/b/build.yaml', RoleARN: CFN_ROLE, StackDetail: { Id: STACK, Name: 'SageMaker-nova-mlops-build', StatusMessage: 'CREATE_COMPLETE' } } },
    // A stack not made yet (no id), and one whose id is not an ARN: neither is owned.
    { CfnTemplateProviderDetail: { TemplateName: 'deploy', TemplateURL: 'https://s3.amazonaws.com/b/deploy.yaml', RoleARN: CFN_ROLE, StackDetail: { Name: 'pending', StatusMessage: 'x' } } },
    { CfnTemplateProviderDetail: { TemplateName: 'odd', TemplateURL: 'https://s3.amazonaws.com/b/odd.yaml', StackDetail: { Id: 'not-an-arn', Name: 'odd', StatusMessage: 'x' } } },
  ],
  CreationTime: new Date(0),
};

/** The operations the mock received, in order, without `Command`. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const live = (config: Partial<DescribeProjectCommandOutput> = CATALOG) => liveFor(handler, ARN, { config: config as Record<string, unknown> });

/** Describe answers these statuses in turn (the last repeats); `gone` rejects with not-found. */
function statuses(...list: (ProjectStatus | 'gone')[]): void {
  let chain = sm.on(DescribeProjectCommand);
  for (const s of list.slice(0, -1)) chain = s === 'gone' ? chain.rejectsOnce(notFound()) : chain.resolvesOnce({ ...CATALOG, ProjectStatus: s });
  const last = list.at(-1);
  if (last === 'gone') chain.rejects(notFound());
  else chain.resolves({ ...CATALOG, ProjectStatus: last });
}

async function deleteIt(r = live(), opts: { stopAt?: string } = {}) {
  const steps = recordingSteps(opts);
  const error: unknown = await handler.delete(r, ctx(), steps).then(() => undefined, (err: unknown) => err);
  return { steps: steps.log, names: steps.log.map((s) => s.name), ...(error === undefined ? {} : { error }) };
}

describe('sagemaker:project', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns project ARNs only, may use IAM roles, and declares its reads', () => {
    expect(handler.type).toBe('sagemaker:project');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:project-template/nova-mlops')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-mlops');
    expect(handler.references).toEqual(['iam:role']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['DescribeProject', 'ListProjects', 'ListTags']);
  });

  describe('describe', () => {
    it('gives a Service Catalog project: config, live tags, no uses, and owns nothing it could name reliably', async () => {
      sm.on(DescribeProjectCommand, INPUT).resolves({ ...CATALOG, $metadata: { httpStatusCode: 200 } } as DescribeProjectCommandOutput);
      sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.config).toEqual(CATALOG);
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([]);
      // The provisioned product's ARN holds its name, which DescribeProject does not give.
      expect(d.owns).toBeUndefined();
      expect(handler.children?.({ ref: refFor(handler, ARN), described: d })).toEqual([{ kind: 'provisioned-product', id: 'pp-ghi789', lost: LOST }]);
    });

    it('gives a template-provider project: it owns the stacks it made and uses the role CloudFormation deletes them with', async () => {
      sm.on(DescribeProjectCommand, INPUT).resolves(TEMPLATE as DescribeProjectCommandOutput);
      sm.on(ListTagsCommand).resolves({ Tags: [] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.owns).toEqual([STACK]);
      expect(d.uses).toEqual([CFN_ROLE]);
      expect(handler.children?.({ ref: refFor(handler, ARN), described: d })).toEqual([{ kind: 'cloudformation-stack', id: 'SageMaker-nova-mlops-build', lost: LOST }]);
      sm.resetHistory();
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([CFN_ROLE]);
      expect(ops()).toEqual(['DescribeProject']);
    });

    it('takes live tags from the hint', async () => {
      sm.on(DescribeProjectCommand).resolves(CATALOG as DescribeProjectCommandOutput);
      expect(await handler.describe(refFor(handler, ARN), ctx(), { tags: { project: 'nova' } })).toMatchObject({ tags: { project: 'nova' } });
      expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
    });

    it('is gone when DescribeProject cannot find it, and lets other errors through', async () => {
      sm.on(DescribeProjectCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
      sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
      sm.reset();
      sm.on(DescribeProjectCommand).rejects(awsError('AccessDeniedException', 'no DescribeProject', 403));
      await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('no DescribeProject');
    });

    it('proves its tags with ListTags alone', async () => {
      sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
      expect(ops()).toEqual(['ListTags']);
    });
  });

  it('lists every project of the region by ARN, all pages, 100 a page', async () => {
    const p = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:project/${n}`;
    sm.on(ListProjectsCommand)
      .resolvesOnce({ ProjectSummaryList: [{ ProjectName: 'a', ProjectArn: p('a'), ProjectId: 'p-a', ProjectStatus: 'CreateCompleted', CreationTime: new Date(0) }], NextToken: 'n' })
      .resolvesOnce({ ProjectSummaryList: [{ ProjectName: 'b', ProjectArn: p('b'), ProjectId: 'p-b', ProjectStatus: 'CreateCompleted', CreationTime: new Date(0) }] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: p('a') }, { arn: p('b') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListProjectsCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListProjectsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads in describe, readUses, list, currentTags, the delete and its wait', async () => {
    sm.on(DescribeProjectCommand).resolves(TEMPLATE as DescribeProjectCommandOutput);
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListProjectsCommand).resolves({ ProjectSummaryList: [] });
    sm.on(DeleteProjectCommand).resolves({});
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    await handler.currentTags(refFor(handler, ARN), ctx());
    await deleteIt(live(TEMPLATE));
    sm.on(DescribeProjectCommand).rejects(notFound());
    await handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    const reads = ops().filter((o) => o !== 'DeleteProject');
    expect(new Set(reads)).toEqual(new Set(['DescribeProject', 'ListTags', 'ListProjects']));
    for (const op of reads) expect(handler.reads).toContain(op);
  });

  it('needs ListTags, DescribeProject (its state and the wait) and DeleteProject on the project', () => {
    expect(handler.actions(live())).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DescribeProject', resource: ARN },
      { action: 'sagemaker:DeleteProject', resource: ARN },
    ]);
  });

  it('has no children when nothing backs it', () => {
    expect(handler.children?.(liveFor(handler, ARN))).toEqual([]);
  });

  describe('delete', () => {
    it('reads its state, then deletes in one step named delete', async () => {
      statuses('CreateCompleted');
      sm.on(DeleteProjectCommand).resolves({});
      const { steps } = await deleteIt();
      expect(steps).toEqual([{ name: 'delete' }]);
      expect(ops()).toEqual(['DescribeProject', 'DeleteProject']);
      expect(sm).toHaveReceivedCommandWith(DeleteProjectCommand, INPUT);
    });

    it('sends nothing for a project already being deleted (or deleted)', async () => {
      for (const s of ['DeleteInProgress', 'DeleteCompleted'] as const) {
        sm.reset();
        statuses(s);
        expect(await deleteIt()).toMatchObject({ names: [] });
        expect(ops()).toEqual(['DescribeProject']);
      }
    });

    it('deletes again a project whose earlier delete failed', async () => {
      statuses('DeleteFailed');
      sm.on(DeleteProjectCommand).resolves({});
      expect((await deleteIt()).names).toEqual(['delete']);
    });

    it('sends no delete when its step is stopped, and lets the not-found of a project gone since through for the core', async () => {
      statuses('CreateCompleted');
      sm.on(DeleteProjectCommand).rejects(notFound());
      expect(await deleteIt(live(), { stopAt: 'delete' })).toMatchObject({ names: [], error: { name: 'TagsChanged' } });
      expect(sm).not.toHaveReceivedCommand(DeleteProjectCommand);
      sm.reset();
      statuses('gone');
      sm.on(DeleteProjectCommand).rejects(notFound());
      const { names, error } = await deleteIt();
      expect(names).toEqual(['delete']);
      expect(error).toMatchObject({ name: 'ValidationException' });
    });

    it('lets a refusal through (a project still being created)', async () => {
      statuses('CreateInProgress');
      sm.on(DeleteProjectCommand).rejects(awsError('ConflictException', 'project is being created'));
      expect(await deleteIt()).toMatchObject({ names: ['delete'], error: { name: 'ConflictException' } });
    });
  });

  describe('waitUntilGone', () => {
    it('is done once DescribeProject cannot find it (first poll)', async () => {
      statuses('gone');
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandWith(DescribeProjectCommand, INPUT);
      expect(sm).toHaveReceivedCommandTimes(DescribeProjectCommand, 1);
    });

    it('polls while DeleteInProgress, until gone or DeleteCompleted', async () => {
      vi.useFakeTimers();
      statuses('DeleteInProgress', 'DeleteInProgress', 'gone');
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      await vi.advanceTimersByTimeAsync(60_000);
      await expect(wait).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandTimes(DescribeProjectCommand, 3);

      sm.reset();
      statuses('DeleteInProgress', 'DeleteCompleted');
      const again = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      await vi.advanceTimersByTimeAsync(60_000);
      await expect(again).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandTimes(DescribeProjectCommand, 2);
    });

    it('fails on DeleteFailed with the reason the project gives', async () => {
      vi.useFakeTimers();
      sm.on(DescribeProjectCommand)
        .resolvesOnce({ ...CATALOG, ProjectStatus: 'DeleteInProgress' } as DescribeProjectCommandOutput)
        .resolves({
          ...CATALOG,
          ProjectStatus: 'DeleteFailed',
          ServiceCatalogProvisionedProductDetails: { ProvisionedProductId: 'pp-ghi789', ProvisionedProductStatusMessage: 'The bucket you tried to delete is not empty' },
        } as DescribeProjectCommandOutput);
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      const settled = expect(wait).rejects.toThrow('project nova-mlops is DeleteFailed: The bucket you tried to delete is not empty');
      await vi.advanceTimersByTimeAsync(60_000);
      await settled;
    });

    it('ends at once with another error, and times out on a project that stays', async () => {
      sm.on(DescribeProjectCommand).rejects(awsError('AccessDeniedException', 'no DescribeProject', 403));
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).rejects.toThrow('no DescribeProject');
      expect(sm).toHaveReceivedCommandTimes(DescribeProjectCommand, 1);
      sm.reset();
      vi.useFakeTimers();
      statuses('DeleteInProgress');
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      const settled = expect(wait).rejects.toMatchObject({ name: 'TimeoutError' });
      await vi.advanceTimersByTimeAsync(61_000);
      await settled;
    });
  });
});
