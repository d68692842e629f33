import { GONE, type ResourceHandler } from './handler.js';
import { mlflowData, sagemakerType, waitUntilSageMakerGone } from './sagemaker-common.js';

/**
 * A SageMaker MLflow app (serverless MLflow, added to the API in 2025: the installed SDK has
 * CreateMlflowApp, DescribeMlflowApp, ListMlflowApps and DeleteMlflowApp). Its ARN ends in the app's id,
 * and every call names it by ARN. DeleteMlflowApp is asynchronous: the wait ends when DescribeMlflowApp
 * no longer finds it or says Deleted (DeleteFailed fails the wait); a Deleted app still described is gone,
 * and is not listed. Its S3 artifact store is a separate resource and is not deleted. It uses its role
 * (RoleArn). A domain that has it as its default MLflow app (DefaultDomainIdList) is left alone.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and MLflow apps are taggable SageMaker resources (mlflow-app in the Service
 * Authorization Reference, with aws:ResourceTag): returned. moto 5.2.5 has none of its calls (HTTP 500).
 */
const app = sagemakerType({
  kind: 'mlflow-app',
  description: 'SageMaker MLflow app (DeleteMlflowApp, then waits until it is gone; its S3 artifact store is kept)',
  references: ['iam:role'],
  taggingApi: true,
  id: (ref) => ref.arn,
  describe: (s, arn) => new s.DescribeMlflowAppCommand({ Arn: arn }),
  uses: (out) => (out.Status === 'Deleted' ? [] : [out.RoleArn]),
  list: { paginator: (s) => s.paginateListMlflowApps, arns: (page) => page.Summaries?.filter((a) => a.Status !== 'Deleted').map((a) => a.Arn) },
  delete: (s, arn) => new s.DeleteMlflowAppCommand({ Arn: arn }),
  waitUntilGone: (s, options, arn) =>
    waitUntilSageMakerGone(
      options,
      { Arn: arn },
      async (client, input) => {
        const status = (await client.send(new s.DescribeMlflowAppCommand(input))).Status;
        return status === 'Deleted' ? GONE : status;
      },
      { failed: (status) => status === 'DeleteFailed' },
    ),
  children: (r) => mlflowData(r.described.config.ArtifactStoreUri),
});

/** A Deleted app is gone, though DescribeMlflowApp still answers for it. */
export const sagemakerMlflowApp: ResourceHandler = {
  ...app,
  async describe(ref, ctx, hint) {
    const d = await app.describe(ref, ctx, hint);
    return d !== GONE && d.config.Status === 'Deleted' ? GONE : d;
  },
};
