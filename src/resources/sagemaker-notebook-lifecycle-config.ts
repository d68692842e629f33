import { sagemakerType } from './sagemaker-common.js';

/**
 * A SageMaker notebook instance lifecycle config (the OnCreate / OnStart scripts, kept in the backup as
 * the API gives them, base64). It uses nothing; notebook instances use it, so one that a notebook which
 * stays still names is kept, and a tagged one is deleted only after the tagged notebooks that use it.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and lifecycle configs take tags (CreateNotebookInstanceLifecycleConfig's Tags):
 * returned. moto's does not return them (and moto 5.2.5 has neither their ListTags nor their List call).
 */
export const sagemakerNotebookLifecycleConfig = sagemakerType({
  kind: 'notebook-instance-lifecycle-config',
  description: 'SageMaker notebook instance lifecycle config (DeleteNotebookInstanceLifecycleConfig, after the notebooks that use it)',
  references: [],
  taggingApi: true,
  describe: (s, name) => new s.DescribeNotebookInstanceLifecycleConfigCommand({ NotebookInstanceLifecycleConfigName: name }),
  uses: () => [],
  list: {
    paginator: (s) => s.paginateListNotebookInstanceLifecycleConfigs,
    arns: (page) => page.NotebookInstanceLifecycleConfigs?.map((c) => c.NotebookInstanceLifecycleConfigArn),
  },
  delete: (s, name) => new s.DeleteNotebookInstanceLifecycleConfigCommand({ NotebookInstanceLifecycleConfigName: name }),
});
