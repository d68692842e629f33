import type { ClusterNodeSummary, DescribeClusterCommandOutput } from '@aws-sdk/client-sagemaker';
import { formatArn, parseArn } from '../aws/arn.js';
import type { LiveResource } from './handler.js';
import { sagemakerType, waitUntilSageMakerGone, type SageMakerSdk, type SageMakerWaiterOptions } from './sagemaker-common.js';

/** ListClusterNodes' largest page. */
const NODE_PAGE = 100;

const nodesOf = (r: LiveResource): readonly ClusterNodeSummary[] => (r.described.config.ClusterNodes ?? []) as readonly ClusterNodeSummary[];

/** The access entries of the EKS cluster a HyperPod cluster is orchestrated by, which DeleteCluster removes. */
function accessEntries(eksClusterArn: unknown): string | undefined {
  const eks = typeof eksClusterArn === 'string' ? parseArn(eksClusterArn) : undefined;
  const name = eks?.resource.startsWith('cluster/') ? eks.resource.slice('cluster/'.length) : undefined;
  return eks && name ? formatArn({ ...eks, resource: `access-entry/${name}/*` }) : undefined;
}

/**
 * Resolves once DescribeCluster says the cluster no longer exists (the SDK has no cluster waiter). A
 * cluster that turns Failed after Deleting failed its delete; one Failed before (a cluster whose creation
 * failed, a usual leftover) is still on its way out. Other errors end the wait at once.
 */
function waitUntilClusterGone(s: SageMakerSdk, options: SageMakerWaiterOptions, ClusterName: string): Promise<void> {
  return waitUntilSageMakerGone(options, { ClusterName }, async (client, input) => (await client.send(new s.DescribeClusterCommand(input))).ClusterStatus, {
    failed: (status, deleting) => deleting && status === 'Failed',
  });
}

/**
 * A SageMaker HyperPod cluster (the billed instances of its nodes). DeleteCluster removes its nodes with
 * it (they are shown as a counted child); for an EKS-orchestrated cluster it leaves the EKS cluster, its
 * add-ons and FSx volumes alone (sagemaker-hyperpod-eks-operate-cli-command-delete-cluster.html). Its
 * ARN ends in the cluster's id, not its name: every call names it by ARN, which the API takes.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and clusters are taggable SageMaker resources: returned. moto's returns them too.
 */
export const sagemakerCluster = sagemakerType({
  kind: 'cluster',
  description: 'SageMaker HyperPod cluster, with its nodes (DeleteCluster, then waits until it is gone)',
  references: ['iam:role'],
  taggingApi: true,
  id: (ref) => ref.arn,
  describe: (s, id) => new s.DescribeClusterCommand({ ClusterName: id }),
  // The nodes' execution roles, and the role HyperPod assumes for autoscaling.
  uses: (out: DescribeClusterCommandOutput) => [
    ...(out.InstanceGroups ?? []).map((g) => g.ExecutionRole),
    ...(out.RestrictedInstanceGroups ?? []).map((g) => g.ExecutionRole),
    out.ClusterRole,
  ],
  details: {
    reads: ['ListClusterNodes'],
    async read(s, client, _out, ref) {
      const nodes: ClusterNodeSummary[] = [];
      for await (const page of s.paginateListClusterNodes({ client, pageSize: NODE_PAGE }, { ClusterName: ref.arn })) nodes.push(...(page.ClusterNodeSummaries ?? []));
      return { ClusterNodes: nodes };
    },
  },
  list: { paginator: (s) => s.paginateListClusters, arns: (page) => page.ClusterSummaries?.map((c) => c.ClusterArn) },
  delete: (s, id) => new s.DeleteClusterCommand({ ClusterName: id }),
  waitUntilGone: waitUntilClusterGone,
  children: (r) => {
    const count = nodesOf(r).length;
    return count > 0 ? [{ kind: 'cluster-node', id: '*', count, lost: 'the nodes and their local volumes; jobs running on them are not drained' }] : [];
  },
  // DeleteCluster of an EKS-orchestrated cluster removes its access entries: a dependent action.
  deleteActions: { held: ['eks:DeleteAccessEntry'] },
  actions: (r) => {
    const entries = accessEntries((r.described.config.Orchestrator as { Eks?: { ClusterArn?: string } } | undefined)?.Eks?.ClusterArn);
    return entries ? [{ action: 'eks:DeleteAccessEntry', resource: entries }] : [];
  },
});
