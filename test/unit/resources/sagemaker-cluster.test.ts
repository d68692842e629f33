import {
  DeleteClusterCommand,
  DescribeClusterCommand,
  ListClusterNodesCommand,
  ListClustersCommand,
  ListTagsCommand,
  SageMakerClient,
  type ClusterStatus,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { sagemakerCluster as handler } from '../../../src/resources/sagemaker-cluster.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
// In AWS a cluster's ARN ends in its id, not its name: every call names it by ARN.
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:cluster/a1b2c3d4e5f6';
const BY_ARN = { ClusterName: ARN };
const WORKER = 'arn:aws:iam::123456789012:role/hp-worker';
const CONTROLLER = 'arn:aws:iam::123456789012:role/hp-controller';
const RESTRICTED = 'arn:aws:iam::123456789012:role/hp-nova';
const AUTOSCALER = 'arn:aws:iam::123456789012:role/hp-autoscaler';
const EKS = 'arn:aws:eks:us-east-1:123456789012:cluster/nova-eks';
const ctx = () => testContext({ waitTimeoutSeconds: 60 });
const notFound = () => awsError('ValidationException', "Could not find cluster 'a1b2c3d4e5f6'.");
const node = (id: string) => ({ InstanceGroupName: 'workers', InstanceId: id, InstanceType: 'ml.c5.large' as const, LaunchTime: new Date(0), InstanceStatus: { Status: 'Running' as const } });

const CLUSTER = {
  ClusterArn: ARN,
  ClusterName: 'nova-hyperpod',
  ClusterStatus: 'InService' as ClusterStatus,
  InstanceGroups: [
    { InstanceGroupName: 'controller', ExecutionRole: CONTROLLER, CurrentCount: 1 },
    { InstanceGroupName: 'workers', ExecutionRole: WORKER, CurrentCount: 2 },
    { InstanceGroupName: 'more-workers', ExecutionRole: WORKER, CurrentCount: 0 },
  ],
  RestrictedInstanceGroups: [{ InstanceGroupName: 'nova', ExecutionRole: RESTRICTED }],
  ClusterRole: AUTOSCALER,
};

/** The operations the mock received, in order. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

/** Describe answers these statuses in turn (the last one repeats); `gone` rejects with not-found. */
function statuses(...list: (ClusterStatus | 'gone')[]): void {
  let chain = sm.on(DescribeClusterCommand);
  for (const s of list.slice(0, -1)) chain = s === 'gone' ? chain.rejectsOnce(notFound()) : chain.resolvesOnce({ ...CLUSTER, ClusterStatus: s });
  const last = list.at(-1);
  if (last === 'gone') chain.rejects(notFound());
  else chain.resolves({ ...CLUSTER, ClusterStatus: last });
}

describe('sagemaker:cluster', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns HyperPod cluster ARNs only, names them by id, may use IAM roles, and declares its reads', () => {
    expect(handler.type).toBe('sagemaker:cluster');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:cluster-scheduler-config/abc')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:sagemaker:us-east-1:123456789012:cluster/a1b2c3d4e5f6/node/i-1')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('a1b2c3d4e5f6');
    expect(handler.references).toEqual(['iam:role']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['DescribeCluster', 'ListClusters', 'ListTags', 'ListClusterNodes']);
  });

  it('describes config (with every node, all pages), live tags, and every role its groups and autoscaling use', async () => {
    sm.on(DescribeClusterCommand, BY_ARN).resolves({ ...CLUSTER, $metadata: {} });
    sm.on(ListClusterNodesCommand)
      .resolvesOnce({ ClusterNodeSummaries: [node('i-1'), node('i-2')], NextToken: 'more' })
      .resolvesOnce({ ClusterNodeSummaries: [node('i-3')] });
    sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    const d = await handler.describe(refFor(handler, ARN), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d.tags).toEqual({ project: 'nova' });
    expect(d.uses).toEqual([CONTROLLER, WORKER, RESTRICTED, AUTOSCALER]);
    expect(d.config).toMatchObject({ ClusterName: 'nova-hyperpod', ClusterStatus: 'InService' });
    expect((d.config.ClusterNodes as unknown[]).length).toBe(3);
    expect(d.config).not.toHaveProperty('$metadata');
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListClusterNodesCommand, { ClusterName: ARN, MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListClusterNodesCommand, { ClusterName: ARN, MaxResults: 100, NextToken: 'more' });
    expect(handler.children?.({ ref: refFor(handler, ARN), described: d })).toEqual([
      { kind: 'cluster-node', id: '*', count: 3, lost: expect.stringMatching(/not drained/) },
    ]);

    // readUses reads Describe alone; currentTags ListTags alone.
    sm.resetHistory();
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([CONTROLLER, WORKER, RESTRICTED, AUTOSCALER]);
    expect(ops()).toEqual(['DescribeCluster']);
    sm.resetHistory();
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
    expect(ops()).toEqual(['ListTags']);
  });

  it('uses no role it does not name', async () => {
    sm.on(DescribeClusterCommand).resolves({ ClusterArn: ARN, ClusterName: 'bare', ClusterStatus: 'Failed', InstanceGroups: [{ InstanceGroupName: 'g' }] });
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([]);
  });

  it('reports a cluster that no longer exists as gone, also when it vanishes between Describe and ListClusterNodes', async () => {
    sm.on(DescribeClusterCommand).rejects(notFound());
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'no such resource', 500));
    expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);

    sm.reset();
    sm.on(DescribeClusterCommand).resolvesOnce(CLUSTER).rejects(notFound());
    sm.on(ListClusterNodesCommand).rejects(notFound());
    expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
    expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
  });

  it('lets other errors of ListClusterNodes through', async () => {
    sm.on(DescribeClusterCommand).resolves(CLUSTER);
    sm.on(ListClusterNodesCommand).rejects(awsError('AccessDeniedException', 'no nodes for you', 403));
    await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('no nodes for you');
  });

  it('lists every cluster of the region by ARN, all pages, 100 a page', async () => {
    const c = (id: string) => `arn:aws:sagemaker:us-east-1:123456789012:cluster/${id}`;
    sm.on(ListClustersCommand)
      .resolvesOnce({ ClusterSummaries: [{ ClusterArn: c('aaaaaaaaaaaa'), ClusterName: 'a', ClusterStatus: 'InService', CreationTime: new Date() }], NextToken: 'n' })
      .resolvesOnce({ ClusterSummaries: [{ ClusterArn: c('bbbbbbbbbbbb'), ClusterName: 'b', ClusterStatus: 'Failed', CreationTime: new Date() }] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: c('aaaaaaaaaaaa') }, { arn: c('bbbbbbbbbbbb') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListClustersCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListClustersCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads, the gone-wait included', async () => {
    sm.on(DescribeClusterCommand).resolves(CLUSTER);
    sm.on(ListClusterNodesCommand).resolves({ ClusterNodeSummaries: [node('i-1')] });
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListClustersCommand).resolves({ ClusterSummaries: [] });
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    sm.on(DescribeClusterCommand).rejects(notFound());
    await handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    const reads = ops();
    expect(new Set(reads)).toEqual(new Set(['DescribeCluster', 'ListClusterNodes', 'ListTags', 'ListClusters']));
    for (const op of reads) expect(handler.reads).toContain(op);
  });

  it('has no children when it has no nodes', () => {
    expect(handler.children?.(liveFor(handler, ARN, { config: { ClusterNodes: [] } }))).toEqual([]);
    expect(handler.children?.(liveFor(handler, ARN))).toEqual([]);
  });

  it('needs ListTags, DescribeCluster (the wait) and DeleteCluster on the cluster', () => {
    expect(handler.actions(liveFor(handler, ARN, { config: CLUSTER }))).toEqual([
      { action: 'sagemaker:ListTags', resource: ARN },
      { action: 'sagemaker:DescribeCluster', resource: ARN },
      { action: 'sagemaker:DeleteCluster', resource: ARN },
    ]);
  });

  it('also needs eks:DeleteAccessEntry on its EKS cluster access entries when EKS orchestrates it', () => {
    const eks = liveFor(handler, ARN, { config: { ...CLUSTER, Orchestrator: { Eks: { ClusterArn: EKS } } } });
    expect(handler.actions(eks)).toContainEqual({ action: 'eks:DeleteAccessEntry', resource: 'arn:aws:eks:us-east-1:123456789012:access-entry/nova-eks/*' });
    expect(handler.actions(eks)).toHaveLength(4);
  });

  it('deletes in one step named delete, naming the cluster by ARN', async () => {
    sm.on(DeleteClusterCommand).resolves({ ClusterArn: ARN });
    const steps = recordingSteps();
    await handler.delete(liveFor(handler, ARN, { config: CLUSTER }), ctx(), steps);
    expect(steps.log).toEqual([{ name: 'delete' }]);
    expect(sm).toHaveReceivedCommandWith(DeleteClusterCommand, BY_ARN);
    expect(ops()).toEqual(['DeleteCluster']);
  });

  it('sends nothing when the delete step is stopped, and lets a not-found of the delete through for the core', async () => {
    sm.on(DeleteClusterCommand).rejects(notFound());
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toMatchObject({ name: 'TagsChanged' });
    expect(ops()).toEqual([]);
    await expect(handler.delete(liveFor(handler, ARN), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('is gone once DescribeCluster says it cannot be found (first poll, no sleeping)', async () => {
    statuses('gone');
    await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
    expect(sm).toHaveReceivedCommandWith(DescribeClusterCommand, BY_ARN);
    expect(sm).toHaveReceivedCommandTimes(DescribeClusterCommand, 1);
  });

  it('polls a Deleting cluster until it is gone', async () => {
    vi.useFakeTimers();
    statuses('Deleting', 'Deleting', 'gone');
    const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(wait).resolves.toBeUndefined();
    expect(sm).toHaveReceivedCommandTimes(DescribeClusterCommand, 3);
  });

  it('keeps waiting for a cluster that was Failed before its delete (a failed creation), until it is gone', async () => {
    vi.useFakeTimers();
    statuses('Failed', 'Failed', 'gone');
    const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(wait).resolves.toBeUndefined();
  });

  it('fails the wait when the cluster turns Failed after Deleting (its delete failed)', async () => {
    vi.useFakeTimers();
    statuses('Deleting', 'Failed');
    const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    const settled = expect(wait).rejects.toThrow(/FAILURE/);
    await vi.advanceTimersByTimeAsync(60_000);
    await settled;
    expect(sm).toHaveReceivedCommandTimes(DescribeClusterCommand, 2);
  });

  it('ends the wait at once on another error, and times out on a cluster that stays', async () => {
    sm.on(DescribeClusterCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
    await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).rejects.toThrow(/FAILURE/);
    expect(sm).toHaveReceivedCommandTimes(DescribeClusterCommand, 1);

    sm.reset();
    vi.useFakeTimers();
    statuses('Deleting');
    const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    const settled = expect(wait).rejects.toMatchObject({ name: 'TimeoutError' });
    await vi.advanceTimersByTimeAsync(61_000);
    await settled;
  });

  it('stops waiting when the run is aborted', async () => {
    statuses('Deleting');
    const abort = new AbortController();
    abort.abort();
    await expect(handler.waitUntilGone?.(refFor(handler, ARN), testContext({ waitTimeoutSeconds: 60, signal: abort.signal }))).rejects.toMatchObject({ name: 'AbortError' });
  });
});
