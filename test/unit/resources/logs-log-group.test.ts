import {
  CloudWatchLogsClient,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { logsLogGroup as handler, prefixGroups } from '../../../src/resources/logs-log-group.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const logs = mockClient(CloudWatchLogsClient);
const arnOf = (name: string) => `arn:aws:logs:eu-west-1:123456789012:log-group:${name}`;
const NAME = '/aws/lambda/nova-worker';
const ARN = arnOf(NAME);
const notFound = () => awsError('ResourceNotFoundException', 'The specified log group does not exist.');
const group = (name: string, extra: Record<string, unknown> = {}) => ({ logGroupName: name, arn: `${arnOf(name)}:*`, logGroupArn: arnOf(name), ...extra });

/** The operations the mock received, without `Command`. */
const sent = () => logs.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

describe('logs:log-group', () => {
  beforeEach(() => logs.reset());

  it('owns log-group ARNs without the trailing :*, not log streams, and uses nothing', () => {
    expect(handler.type).toBe('logs:log-group');
    expect(handler.client).toBe('logs');
    expect(handler.taggingApi).toBe(true);
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(arnOf('/aws/sagemaker/Endpoints/my-ep#1.a_b'))).toBe(true);
    expect(handler.arnPattern.test(`${ARN}:*`)).toBe(false);
    expect(handler.arnPattern.test(`${ARN}:log-stream:2024/01/01`)).toBe(false);
    expect(handler.arnPattern.test('arn:aws:logs:eu-west-1:123456789012:destination:d')).toBe(false);
    expect(handler.nameOf(ARN)).toBe(NAME);
    expect(handler.nameOf(`${ARN}:*`)).toBe(NAME);
    expect(handler.references).toEqual([]);
    expect(handler.notFound).toEqual(['ResourceNotFoundException']);
    expect(handler.reads).toEqual(['DescribeLogGroups', 'ListTagsForResource']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  it('describes the group of exactly its name, across pages of the prefix, with its tags', async () => {
    logs
      .on(DescribeLogGroupsCommand)
      .resolvesOnce({ logGroups: [group(`${NAME}-2`)], nextToken: 't1', $metadata: {} })
      .resolvesOnce({ logGroups: [group(`${NAME}-3`), group(NAME, { retentionInDays: 14, kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/k', logGroupClass: 'STANDARD', storedBytes: 2048 })], nextToken: 't2' })
      .resolvesOnce({ logGroups: [group(`${NAME}-4`)] });
    logs.on(ListTagsForResourceCommand, { resourceArn: ARN }).resolves({ tags: { project: 'nova' }, $metadata: {} });
    const d = await handler.describe(refFor(handler, ARN), testContext());
    if (d === GONE) throw new Error('expected a description');
    expect(d.config).toEqual(group(NAME, { retentionInDays: 14, kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/k', logGroupClass: 'STANDARD', storedBytes: 2048 }));
    expect(d.config).not.toHaveProperty('$metadata');
    expect(d.tags).toEqual({ project: 'nova' });
    expect(d.uses).toEqual([]);
    expect(logs).toHaveReceivedNthSpecificCommandWith(1, DescribeLogGroupsCommand, { logGroupNamePrefix: NAME, limit: 50 });
    expect(logs).toHaveReceivedNthSpecificCommandWith(2, DescribeLogGroupsCommand, { logGroupNamePrefix: NAME, limit: 50, nextToken: 't1' });
    // Found on the second page: the third is not read.
    expect(logs).toHaveReceivedCommandTimes(DescribeLogGroupsCommand, 2);
  });

  it('uses the tags discovery already read instead of reading them again', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [group(NAME)] });
    const d = await handler.describe(refFor(handler, ARN), testContext(), { tags: { project: 'hint' } });
    expect(d !== GONE && d.tags).toEqual({ project: 'hint' });
    expect(sent()).toEqual(['DescribeLogGroups']);
  });

  it('is gone when no group has exactly its name (only longer ones), or when its tags say it vanished', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [group(`${NAME}-old`)] });
    expect(await handler.describe(refFor(handler, ARN), testContext())).toBe(GONE);
    expect(logs).not.toHaveReceivedCommand(ListTagsForResourceCommand);
    logs.reset();
    logs.on(DescribeLogGroupsCommand).resolves({});
    expect(await handler.describe(refFor(handler, ARN), testContext())).toBe(GONE);
    logs.reset();
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [group(NAME)] });
    logs.on(ListTagsForResourceCommand).rejects(notFound());
    expect(await handler.describe(refFor(handler, ARN), testContext())).toBe(GONE);
  });

  it('lets other errors through', async () => {
    logs.on(DescribeLogGroupsCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
    await expect(handler.describe(refFor(handler, ARN), testContext())).rejects.toThrow('denied');
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [group(NAME)] });
    logs.on(ListTagsForResourceCommand).rejects(awsError('ThrottlingException', 'slow down'));
    await expect(handler.describe(refFor(handler, ARN), testContext())).rejects.toThrow('slow down');
    await expect(handler.currentTags(refFor(handler, ARN), testContext())).rejects.toThrow('slow down');
  });

  it('reads live tags with ListTagsForResource on the ARN without :*, and GONE once it is not found', async () => {
    logs.on(ListTagsForResourceCommand, { resourceArn: ARN }).resolves({ tags: { team: 'ml' } });
    expect(await handler.currentTags(refFor(handler, ARN), testContext())).toEqual({ team: 'ml' });
    expect(sent()).toEqual(['ListTagsForResource']);
    logs.reset();
    logs.on(ListTagsForResourceCommand).resolves({});
    expect(await handler.currentTags(refFor(handler, ARN), testContext())).toEqual({});
    logs.on(ListTagsForResourceCommand).rejects(notFound());
    expect(await handler.currentTags(refFor(handler, ARN), testContext())).toBe(GONE);
  });

  it('lists every group of the region, every page at the maximum page size, by the ARN without :*', async () => {
    logs
      .on(DescribeLogGroupsCommand)
      .resolvesOnce({ logGroups: [group('a'), { logGroupName: 'old-sdk', arn: `${arnOf('old-sdk')}:*` }], nextToken: 'n' })
      .resolvesOnce({ logGroups: [group('b'), { logGroupName: 'no-arn' }] });
    expect(await handler.list(testContext(), 'eu-west-1')).toEqual([{ arn: arnOf('a') }, { arn: arnOf('old-sdk') }, { arn: arnOf('b') }]);
    expect(logs).toHaveReceivedNthSpecificCommandWith(1, DescribeLogGroupsCommand, { limit: 50 });
    expect(logs).toHaveReceivedNthSpecificCommandWith(2, DescribeLogGroupsCommand, { limit: 50, nextToken: 'n' });
    const first = logs.commandCalls(DescribeLogGroupsCommand)[0]?.args[0].input;
    expect(first).not.toHaveProperty('logGroupNamePrefix');
  });

  describe('prefetch', () => {
    const refs = (...names: string[]) => names.map((n) => refFor(handler, arnOf(n)));
    const prefetch = async (...names: string[]) => {
      const out = await handler.prefetch?.(refs(...names), testContext());
      if (!out) throw new Error('expected a prefetch');
      return out;
    };

    it('groups names by folder, each by the common prefix of its names; fewer than 3 in a folder are read alone', () => {
      expect(prefixGroups(['/aws/lambda/app-fn-2', '/aws/lambda/app-fn-10', '/aws/lambda/app-fn-1', '/aws/sagemaker/Endpoints/ep', '/w1/a', '/w1/b', '/w1/b'])).toEqual([
        { prefix: '/aws/lambda/app-fn-', names: ['/aws/lambda/app-fn-1', '/aws/lambda/app-fn-10', '/aws/lambda/app-fn-2'] },
      ]);
      expect(prefixGroups(['/a/x1', '/a/x2', '/a/y'])).toEqual([{ prefix: '/a/', names: ['/a/x1', '/a/x2', '/a/y'] }]);
    });

    it('one listing by the prefix answers every name: the ones listed, and the ones it shows absent; describe then reads only the tags', async () => {
      logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [group('/aws/lambda/fn-1'), group('/aws/lambda/fn-1-copy'), group('/aws/lambda/fn-3', { storedBytes: 7 })] });
      const out = await prefetch('/aws/lambda/fn-1', '/aws/lambda/fn-2', '/aws/lambda/fn-3');
      expect(sent()).toEqual(['DescribeLogGroups']);
      expect(logs).toHaveReceivedCommandWith(DescribeLogGroupsCommand, { logGroupNamePrefix: '/aws/lambda/fn-', limit: 50 });
      expect(out.get(arnOf('/aws/lambda/fn-1'))).toEqual({ group: group('/aws/lambda/fn-1') });
      expect(out.get(arnOf('/aws/lambda/fn-2'))).toEqual({ absent: true });

      logs.resetHistory();
      logs.on(ListTagsForResourceCommand).resolves({ tags: { project: 'nova' } });
      const [one, two, three] = refs('/aws/lambda/fn-1', '/aws/lambda/fn-2', '/aws/lambda/fn-3');
      if (!one || !two || !three) throw new Error('expected refs');
      expect(await handler.describe(two, testContext(), { prefetched: out.get(two.arn) })).toBe(GONE);
      const d = await handler.describe(three, testContext(), { prefetched: out.get(three.arn) });
      expect(d !== GONE && d.config).toEqual(group('/aws/lambda/fn-3', { storedBytes: 7 }));
      expect(d !== GONE && d.tags).toEqual({ project: 'nova' });
      expect(sent()).toEqual(['ListTagsForResource']);
    });

    it('stops at the page that ends past the last name wanted (the listing is sorted by name), or once every name is found', async () => {
      logs
        .on(DescribeLogGroupsCommand)
        .resolvesOnce({ logGroups: [group('/g/a1'), group('/g/a2')], nextToken: 't1' })
        .resolvesOnce({ logGroups: [group('/g/a4'), group('/g/b')], nextToken: 't2' })
        .resolves({ logGroups: [group('/g/c')] });
      const out = await prefetch('/g/a1', '/g/a3', '/g/a4', '/g/a5', '/g/a6', '/g/a7');
      expect(logs).toHaveReceivedCommandTimes(DescribeLogGroupsCommand, 2);
      expect([...out.values()].filter((p) => (p as { absent?: boolean }).absent === true)).toHaveLength(4);
      logs.reset();
      logs.on(DescribeLogGroupsCommand).resolvesOnce({ logGroups: [group('/g/a1'), group('/g/a2'), group('/g/a3')], nextToken: 't1' }).resolves({ logGroups: [group('/g/z')] });
      expect((await prefetch('/g/a1', '/g/a2', '/g/a3')).size).toBe(3);
      expect(logs).toHaveReceivedCommandTimes(DescribeLogGroupsCommand, 1);
    });

    it('reads at most half as many pages as it has names; what it did not reach is left for describe to read alone', async () => {
      // Others' groups under the same prefix, page after page.
      let page = 0;
      logs.on(DescribeLogGroupsCommand).callsFake(() => {
        page += 1;
        return { logGroups: [group(`/g/a${page}-other`)], nextToken: `t${page}` };
      });
      const out = await prefetch('/g/a0', '/g/a1', '/g/a9', '/g/a99');
      expect(logs).toHaveReceivedCommandTimes(DescribeLogGroupsCommand, 2);
      // Before the last name listed (/g/a2-other): absent; after it: not known.
      expect(out.get(arnOf('/g/a0'))).toEqual({ absent: true });
      expect(out.get(arnOf('/g/a1'))).toEqual({ absent: true });
      expect(out.has(arnOf('/g/a9'))).toBe(false);
      expect(out.has(arnOf('/g/a99'))).toBe(false);
    });

    it('lets a failing listing through (the core then describes each alone)', async () => {
      logs.on(DescribeLogGroupsCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
      await expect(prefetch('/g/a', '/g/b', '/g/c')).rejects.toThrow('denied');
    });
  });

  it('sends only its declared reads', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [group(NAME)] });
    logs.on(ListTagsForResourceCommand).resolves({ tags: {} });
    await handler.describe(refFor(handler, ARN), testContext());
    await handler.list(testContext(), 'eu-west-1');
    await handler.currentTags(refFor(handler, ARN), testContext());
    expect(new Set(sent())).toEqual(new Set(['DescribeLogGroups', 'ListTagsForResource']));
    for (const op of sent()) expect(handler.reads).toContain(op);
  });

  describe('protect', () => {
    const reason = (name: string, settings = {}) => handler.protect?.(liveFor(handler, arnOf(name), { tags: { project: 'nova' } }), settings);

    it.each([
      ['/aws/sagemaker/TrainingJobs', 'SageMaker training job'],
      ['/aws/sagemaker/ProcessingJobs', 'SageMaker processing job'],
      ['/aws/sagemaker/TransformJobs', 'SageMaker batch transform job'],
      ['/aws/sagemaker/NotebookInstances', 'SageMaker notebook instance'],
      ['/aws/sagemaker/CompilationJobs', 'SageMaker compilation job'],
      ['/aws/sagemaker/LabelingJobs', 'SageMaker labeling job'],
      ['/aws/sagemaker/InferenceRecommendationsJobs', 'SageMaker Inference Recommender job'],
      ['/aws/sagemaker/studio', 'SageMaker Studio app'],
      ['/aws/sagemaker/groundtruth/WorkerActivity', 'Ground Truth private worker'],
      ['/aws/sagemaker/Endpoints', 'SageMaker endpoint'],
    ])('protects the account-wide group %s even when tagged, naming the option', (name, writer) => {
      expect(reason(name)).toBe(`account-wide log group every ${writer} in the account writes to, not this project's alone; deleted only with --delete-shared-log-groups`);
      expect(reason(name, { deleteSharedLogGroups: false })).toMatch(/--delete-shared-log-groups/);
      expect(reason(name, { deleteSharedLogGroups: true })).toBeUndefined();
    });

    it('no longer protects the group of one endpoint or CodeBuild project (its writer keeps it by using it), while the account-wide ones stay protected', () => {
      for (const name of ['/aws/sagemaker/Endpoints/nova-ep', '/aws/codebuild/sagemaker-mlops-build', '/aws/lambda/nova-worker']) {
        expect(reason(name), name).toBeUndefined();
        expect(reason(name, { deleteSharedLogGroups: false }), name).toBeUndefined();
      }
      // Next to them, the account-wide groups of the same services are still protected without the option.
      expect(reason('/aws/sagemaker/Endpoints')).toMatch(/^account-wide log group every SageMaker endpoint in the account writes to/);
      expect(reason('/aws/sagemaker/TrainingJobs')).toMatch(/^account-wide log group every SageMaker training job in the account writes to.*--delete-shared-log-groups$/);
      expect(reason('/aws/sagemaker/TrainingJobs', { deleteSharedLogGroups: true })).toBeUndefined();
      // What keeps a writer's group now: the writer types declare it among what they use.
      expect(handler.description).toMatch(/kept while the function, endpoint or project writing to it stays/);
      expect(handler.description).not.toMatch(/endpoint\/CodeBuild groups only with/);
    });

    it("leaves a project's own groups, and look-alike names, unprotected", () => {
      for (const name of ['/aws/lambda/nova-worker', '/aws/sagemaker/TrainingJobs-nova', '/aws/sagemaker/trainingjobs', '/aws/sagemaker/mlflow/nova', '/ecs/nova', 'aws/codebuild/x', '/aws/sagemaker/EndpointsX'])
        expect(reason(name)).toBeUndefined();
    });
  });

  it('is blocked while deletion protection is on', () => {
    expect(handler.blocked?.(liveFor(handler, ARN, { config: group(NAME, { deletionProtectionEnabled: true }) }))).toMatch(/deletion protection is on.*PutLogGroupDeletionProtection/);
    expect(handler.blocked?.(liveFor(handler, ARN, { config: group(NAME, { deletionProtectionEnabled: false }) }))).toBeUndefined();
    expect(handler.blocked?.(liveFor(handler, ARN, { config: group(NAME) }))).toBeUndefined();
  });

  it('shows its stored log data as one counted child, only when it holds some', () => {
    expect(handler.children?.(liveFor(handler, ARN, { config: group(NAME, { storedBytes: 12345 }) }))).toEqual([
      { kind: 'stored-log-data', id: '*', count: 12345, lost: 'log events not in the backup' },
    ]);
    expect(handler.children?.(liveFor(handler, ARN, { config: group(NAME, { storedBytes: 0 }) }))).toEqual([]);
    expect(handler.children?.(liveFor(handler, ARN, { config: group(NAME) }))).toEqual([]);
  });

  it('needs ListTagsForResource on the plain ARN and DeleteLogGroup on the :* form, with or without data', () => {
    const expected = [
      { action: 'logs:ListTagsForResource', resource: ARN },
      { action: 'logs:DeleteLogGroup', resource: `${ARN}:*` },
    ];
    expect(handler.actions(liveFor(handler, ARN, { config: group(NAME) }))).toEqual(expected);
    expect(handler.actions(liveFor(handler, ARN, { config: group(NAME, { storedBytes: 10 }) }))).toEqual(expected);
  });

  it('deletes by name in one step, stored data included, and lets errors through (not-found too: the core handles it)', async () => {
    logs.on(DeleteLogGroupCommand).resolves({});
    const steps = recordingSteps();
    await handler.delete(liveFor(handler, ARN, { config: group(NAME, { storedBytes: 10 }) }), testContext(), steps);
    expect(steps.log).toEqual([{ name: 'delete', done: `deleted log group ${NAME}` }]);
    expect(logs).toHaveReceivedCommandWith(DeleteLogGroupCommand, { logGroupName: NAME });
    expect(sent()).toEqual(['DeleteLogGroup']);
    logs.on(DeleteLogGroupCommand).rejects(notFound());
    await expect(handler.delete(liveFor(handler, ARN), testContext(), recordingSteps())).rejects.toThrow('does not exist');
    logs.on(DeleteLogGroupCommand).rejects(awsError('OperationAbortedException', 'conflict'));
    await expect(handler.delete(liveFor(handler, ARN), testContext(), recordingSteps())).rejects.toThrow('conflict');
  });

  it('sends nothing when the delete step is stopped', async () => {
    await expect(handler.delete(liveFor(handler, ARN), testContext(), recordingSteps({ stopAt: 'delete' }))).rejects.toThrow('no longer match');
    expect(logs).not.toHaveReceivedAnyCommand();
  });
});
