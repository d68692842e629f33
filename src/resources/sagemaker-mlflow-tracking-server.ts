import { mlflowData, sagemakerType, waitUntilSageMakerGone } from './sagemaker-common.js';

/**
 * A SageMaker managed MLflow tracking server (billed while it runs). AWS's clean-up guide
 * (mlflow-cleanup.html) deletes a server with DeleteMlflowTrackingServer whether it runs or not:
 * stopping is what it recommends for a server kept for later, not a step of the delete, so none is sent.
 * The delete is asynchronous: it waits until DescribeMlflowTrackingServer no longer finds it (DeleteFailed
 * fails the wait). The S3 bucket of its artifact store (ArtifactStoreUri) is a separate resource and is
 * not deleted; the guide deletes it on its own. It uses its role (RoleArn) while it exists: "don't delete
 * the IAM role ... until you've deleted the tracking server".
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and tracking servers are taggable SageMaker resources: returned. moto 5.2.5 has
 * none of its calls (HTTP 500): tested with mocks only.
 */
export const sagemakerMlflowTrackingServer = sagemakerType({
  kind: 'mlflow-tracking-server',
  description: 'SageMaker MLflow tracking server (DeleteMlflowTrackingServer, then waits until it is gone; its S3 artifact store is kept)',
  references: ['iam:role'],
  taggingApi: true,
  describe: (s, name) => new s.DescribeMlflowTrackingServerCommand({ TrackingServerName: name }),
  uses: (out) => [out.RoleArn],
  list: { paginator: (s) => s.paginateListMlflowTrackingServers, arns: (page) => page.TrackingServerSummaries?.map((t) => t.TrackingServerArn) },
  delete: (s, name) => new s.DeleteMlflowTrackingServerCommand({ TrackingServerName: name }),
  waitUntilGone: (s, options, name) =>
    waitUntilSageMakerGone(
      options,
      { TrackingServerName: name },
      async (client, input) => (await client.send(new s.DescribeMlflowTrackingServerCommand(input))).TrackingServerStatus,
      { failed: (status) => status === 'DeleteFailed' },
    ),
  children: (r) => mlflowData(r.described.config.ArtifactStoreUri),
});
