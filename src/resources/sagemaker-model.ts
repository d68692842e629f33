import { sagemakerType } from './sagemaker-common.js';

/** A SageMaker model entry. Deleting it leaves its artifacts in S3 and its role alone. */
export const sagemakerModel = sagemakerType({
  kind: 'model',
  description: 'SageMaker model (DeleteModel; artifacts in S3 are separate resources)',
  references: ['iam:role'],
  describe: (s, name) => new s.DescribeModelCommand({ ModelName: name }),
  uses: (out) => [out.ExecutionRoleArn],
  list: { paginator: (s) => s.paginateListModels, arns: (page) => page.Models?.map((m) => m.ModelArn) },
  delete: (s, name) => new s.DeleteModelCommand({ ModelName: name }),
});
