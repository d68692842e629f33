import { sagemakerType } from './sagemaker-common.js';

/**
 * A SageMaker experiment (the folder of trials that SageMaker Experiments, Pipelines and the Python SDK's
 * `Run` create). It uses nothing. AWS refuses DeleteExperiment while it has trials ("All trials associated
 * with the experiment must be deleted first", API reference): every trial uses its experiment, so the
 * tagged trials are deleted before it, and an untagged trial that stays keeps it.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and experiments take tags (CreateExperiment's Tags, AddTags): returned. moto's
 * does not return them (moto 5.2.5 also drops the Tags of CreateExperiment: tag with AddTags).
 */
export const sagemakerExperiment = sagemakerType({
  kind: 'experiment',
  description: 'SageMaker experiment (DeleteExperiment, after its trials)',
  references: [],
  taggingApi: true,
  describe: (s, name) => new s.DescribeExperimentCommand({ ExperimentName: name }),
  uses: () => [],
  list: { paginator: (s) => s.paginateListExperiments, arns: (page) => page.ExperimentSummaries?.map((e) => e.ExperimentArn) },
  delete: (s, name) => new s.DeleteExperimentCommand({ ExperimentName: name }),
});
