import {
  DeleteCodeRepositoryCommand,
  DescribeCodeRepositoryCommand,
  ListCodeRepositoriesCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerCodeRepository as handler } from '../../../src/resources/sagemaker-code-repository.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:code-repository/nova-notebooks';
const INPUT = { CodeRepositoryName: 'nova-notebooks' };
const REPO = {
  CodeRepositoryName: 'nova-notebooks',
  CodeRepositoryArn: ARN,
  CreationTime: new Date(0),
  LastModifiedTime: new Date(0),
  GitConfig: { RepositoryUrl: 'https://github.com/example/nova-notebooks.git', Branch: 'main', SecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:nova-git-AbCdEf' },
};
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ValidationException', 'Cannot find CodeRepository nova-notebooks');

/** The operations the mock received, in order, without `Command`. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

describe('sagemaker:code-repository', () => {
  beforeEach(() => sm.reset());

  it('owns code repository ARNs only, uses nothing, and declares its reads (ListCodeRepositories, not "Repositorys")', () => {
    expect(handler.type).toBe('sagemaker:code-repository');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nova-notebooks')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-notebooks');
    expect(handler.references).toEqual([]);
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['DescribeCodeRepository', 'ListCodeRepositories', 'ListTags']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  it('describes its Git config (for the backup), live tags, and no uses (its secret is not a supported type)', async () => {
    sm.on(DescribeCodeRepositoryCommand, INPUT).resolves({ ...REPO, $metadata: { httpStatusCode: 200 } });
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d.config).toEqual(REPO);
    expect(d.tags).toEqual({ project: 'nova' });
    expect(d.uses).toEqual([]);
    sm.resetHistory();
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([]);
    expect(ops()).toEqual(['DescribeCodeRepository']);
  });

  it('is gone when DescribeCodeRepository cannot find it, and lets other errors through', async () => {
    sm.on(DescribeCodeRepositoryCommand).rejects(notFound());
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
    sm.reset();
    sm.on(DescribeCodeRepositoryCommand).rejects(awsError('AccessDeniedException', 'no DescribeCodeRepository', 403));
    await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('no DescribeCodeRepository');
  });

  it('proves its tags with ListTags alone, and lets an access error through', async () => {
    sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
    expect(ops()).toEqual(['ListTags']);
    sm.reset();
    sm.on(ListTagsCommand).rejects(awsError('AccessDeniedException', 'no ListTags', 403));
    sm.on(DescribeCodeRepositoryCommand).resolves(REPO);
    await expect(handler.currentTags(refFor(handler, ARN), ctx())).rejects.toThrow('no ListTags');
  });

  it('lists every repository of the region by ARN (all pages, 100 a page), each using nothing', async () => {
    const c = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:code-repository/${n}`;
    sm.on(ListCodeRepositoriesCommand)
      .resolvesOnce({ CodeRepositorySummaryList: [{ CodeRepositoryName: 'a', CodeRepositoryArn: c('a'), CreationTime: new Date(0), LastModifiedTime: new Date(0) }], NextToken: 'n' })
      .resolvesOnce({ CodeRepositorySummaryList: [{ CodeRepositoryName: 'b', CodeRepositoryArn: c('b'), CreationTime: new Date(0), LastModifiedTime: new Date(0) }] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([
      { arn: c('a'), uses: [] },
      { arn: c('b'), uses: [] },
    ]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListCodeRepositoriesCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListCodeRepositoriesCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads in describe, readUses, list and currentTags', async () => {
    sm.on(DescribeCodeRepositoryCommand).resolves(REPO);
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListCodeRepositoriesCommand).resolves({ CodeRepositorySummaryList: [] });
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    expect(new Set(ops())).toEqual(new Set(['DescribeCodeRepository', 'ListTags', 'ListCodeRepositories']));
    for (const op of ops()) expect(handler.reads).toContain(op);
  });

  it('needs ListTags and DeleteCodeRepository on the repository, and has no children', () => {
    const r = liveFor(handler, ARN, { config: REPO });
    expect(handler.actions(r)).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DeleteCodeRepository', resource: ARN },
    ]);
    expect(handler.children).toBeUndefined();
  });

  it('deletes in one step named delete; nothing is sent when that step is stopped; a not-found goes to the core', async () => {
    sm.on(DeleteCodeRepositoryCommand).resolves({});
    const steps = recordingSteps();
    await handler.delete(liveFor(handler, ARN, { config: REPO }), ctx(), steps);
    expect(steps.log).toEqual([{ name: 'delete' }]);
    expect(ops()).toEqual(['DeleteCodeRepository']);
    expect(sm).toHaveReceivedCommandWith(DeleteCodeRepositoryCommand, INPUT);

    sm.reset();
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toMatchObject({ name: 'TagsChanged' });
    expect(ops()).toEqual([]);
    sm.on(DeleteCodeRepositoryCommand).rejects(notFound());
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ValidationException' });
  });
});
