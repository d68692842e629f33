import type { DescribeFeatureGroupCommandOutput } from '@aws-sdk/client-sagemaker';
import { GONE, type Child, type LiveResource } from './handler.js';
import { sagemakerType, waitUntilSageMakerGone } from './sagemaker-common.js';

type FeatureGroup = Partial<DescribeFeatureGroupCommandOutput>;

/** `s3://bucket/prefix` → the bucket's ARN. */
const bucketOf = (partition: string, uri: string | undefined): string | undefined => {
  const bucket = /^s3:\/\/([^/]+)/.exec(uri ?? '')?.[1];
  return bucket ? `arn:${partition}:s3:::${bucket}` : undefined;
};

/** Where the offline store keeps its data, and the Glue table AWS made for it: what the delete leaves. */
function offlineStore(g: FeatureGroup): { uri: string; left: string } | undefined {
  const offline = g.OfflineStoreConfig;
  const uri = offline?.S3StorageConfig?.ResolvedOutputS3Uri ?? offline?.S3StorageConfig?.S3Uri;
  if (!offline || !uri) return undefined;
  const table = offline.DataCatalogConfig;
  const glue = table?.TableName ? ` and the Glue table ${table.Database ? `${table.Database}.` : ''}${table.TableName}` : '';
  return { uri, left: `NOT deleted by AWS: its data stays in ${uri}${glue}, and keeps billing until you delete it` };
}

/** The online store's records go with the group; the offline store's data does not (said, not removed). */
function featureGroupChildren(r: LiveResource): Child[] {
  const g = r.described.config as FeatureGroup;
  const offline = offlineStore(g);
  return [
    ...(g.OnlineStoreConfig?.EnableOnlineStore ? [{ kind: 'online-store', id: g.FeatureGroupName ?? r.ref.name, lost: 'its records are deleted with the feature group (not in the backup)' }] : []),
    ...(offline ? [{ kind: 'offline-store', id: offline.uri, lost: offline.left }] : []),
  ];
}

/**
 * A SageMaker Feature Store feature group. DeleteFeatureGroup deletes it and its online store (its
 * records are lost; an in-memory online store takes 10 to 15 minutes); the delete waits until
 * DescribeFeatureGroup says not found (FeatureGroupStatus Deleting, then gone; DeleteFailed fails it
 * with its FailureReason). AWS does NOT delete the offline store's data in S3 nor the Glue table it made
 * ("Data written into the OfflineStore will not be deleted. The AWS Glue database and tables that are
 * automatically created for your OfflineStore are not deleted", DeleteFeatureGroup): the plan says so as
 * an `offline-store` child whose text says it stays. It uses its role (RoleArn, which the offline store
 * writes with) and the offline store's bucket: an untagged feature group keeps a tagged bucket it
 * writes to, and a tagged bucket goes after it.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and feature groups are taggable SageMaker resources: returned. moto 5.2.5 has
 * Create and Describe only (no List, ListTags or Delete on feature groups: HTTP 500).
 */
export const sagemakerFeatureGroup = sagemakerType({
  kind: 'feature-group',
  description:
    'SageMaker feature group (DeleteFeatureGroup, then waits until it is gone; the online store goes with it, the offline store data in S3 and its Glue table are NOT deleted)',
  references: ['iam:role', 's3:bucket'],
  taggingApi: true,
  // DescribeFeatureGroup returns up to 2,500 feature definitions, the most a feature group can have: one page.
  describe: (s, name) => new s.DescribeFeatureGroupCommand({ FeatureGroupName: name }),
  uses: (out, ref) => [out.RoleArn, bucketOf(ref.partition, out.OfflineStoreConfig?.S3StorageConfig?.S3Uri)],
  list: { paginator: (s) => s.paginateListFeatureGroups, arns: (page) => page.FeatureGroupSummaries?.map((g) => g.FeatureGroupArn) },
  delete: (s, name) => new s.DeleteFeatureGroupCommand({ FeatureGroupName: name }),
  waitUntilGone: (s, options, name) =>
    waitUntilSageMakerGone(
      options,
      { FeatureGroupName: name },
      (client, input) => client.send(new s.DescribeFeatureGroupCommand(input)),
      {
        failed: (out) => out.FeatureGroupStatus === 'DeleteFailed' && new Error(`feature group ${name} is DeleteFailed${out.FailureReason ? `: ${out.FailureReason}` : ''}`),
        otherErrors: 'thrown',
      },
    ),
  children: featureGroupChildren,

  async deleteSteps(_r, { describe, deleteStep }) {
    const now = await describe();
    if (now !== GONE && now.FeatureGroupStatus === 'Deleting') return; // already on its way out
    await deleteStep();
  },
});
