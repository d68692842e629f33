import { sagemakerType } from './sagemaker-common.js';

/**
 * A SageMaker code repository: a Git repository's URL (and the Secrets Manager secret with its
 * credentials) registered with SageMaker for notebook instances. DeleteCodeRepository removes only that
 * registration: the Git repository and the secret are not touched. It uses nothing of a supported type
 * (the secret is not one); notebook instances name it (DefaultCodeRepository, AdditionalCodeRepositories).
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and code repositories are taggable SageMaker resources (CreateCodeRepository's
 * Tags): returned. moto 5.2.5 has no code repository calls at all (HTTP 500).
 */
export const sagemakerCodeRepository = sagemakerType({
  kind: 'code-repository',
  description: 'SageMaker code repository (DeleteCodeRepository; the Git repository and its Secrets Manager secret are left alone)',
  references: [],
  taggingApi: true,
  operations: { list: 'ListCodeRepositories' },
  describe: (s, name) => new s.DescribeCodeRepositoryCommand({ CodeRepositoryName: name }),
  uses: () => [],
  // It uses nothing: said at once, so the usage check reads no more of it.
  list: {
    paginator: (s) => s.paginateListCodeRepositories,
    arns: (page) => page.CodeRepositorySummaryList?.map((c) => c.CodeRepositoryArn && { arn: c.CodeRepositoryArn, uses: [] }),
  },
  delete: (s, name) => new s.DeleteCodeRepositoryCommand({ CodeRepositoryName: name }),
});
