import { bedrockAgent } from './bedrock-agent.js';
import { bedrockCustomModelDeployment } from './bedrock-custom-model-deployment.js';
import { bedrockCustomModel } from './bedrock-custom-model.js';
import { bedrockImportedModel } from './bedrock-imported-model.js';
import { bedrockKnowledgeBase } from './bedrock-knowledge-base.js';
import { bedrockModelCustomizationJob } from './bedrock-model-customization-job.js';
import { bedrockProvisionedModel } from './bedrock-provisioned-model.js';
import { cloudformationStack } from './cloudformation-stack.js';
import { codebuildProject } from './codebuild-project.js';
import { codeconnectionsConnection } from './codeconnections-connection.js';
import { codepipelinePipeline } from './codepipeline-pipeline.js';
import { ecrRepository } from './ecr-repository.js';
import { eventsEventBus } from './events-event-bus.js';
import { eventsRule } from './events-rule.js';
import { glueJob } from './glue-job.js';
import type { ResourceHandler } from './handler.js';
import { iamInstanceProfile } from './iam-instance-profile.js';
import { iamPolicy } from './iam-policy.js';
import { iamRole } from './iam-role.js';
import { lambdaFunction } from './lambda-function.js';
import { logsLogGroup } from './logs-log-group.js';
import { buildRegistry, type Registry } from './registry.js';
import { s3Bucket } from './s3-bucket.js';
import { servicecatalogProvisionedProduct } from './servicecatalog-provisioned-product.js';
import { sagemakerAutomlJob } from './sagemaker-automl-job.js';
import { sagemakerCluster } from './sagemaker-cluster.js';
import { sagemakerCodeRepository } from './sagemaker-code-repository.js';
import { sagemakerDomain } from './sagemaker-domain.js';
import { sagemakerEndpointConfig } from './sagemaker-endpoint-config.js';
import { sagemakerEndpoint } from './sagemaker-endpoint.js';
import { sagemakerExperimentTrialComponent } from './sagemaker-experiment-trial-component.js';
import { sagemakerExperimentTrial } from './sagemaker-experiment-trial.js';
import { sagemakerExperiment } from './sagemaker-experiment.js';
import { sagemakerFeatureGroup } from './sagemaker-feature-group.js';
import { sagemakerHub } from './sagemaker-hub.js';
import { sagemakerHyperParameterTuningJob } from './sagemaker-hyper-parameter-tuning-job.js';
import { sagemakerInferenceComponent } from './sagemaker-inference-component.js';
import { sagemakerMlflowApp } from './sagemaker-mlflow-app.js';
import { sagemakerMlflowTrackingServer } from './sagemaker-mlflow-tracking-server.js';
import { sagemakerModel } from './sagemaker-model.js';
import { sagemakerModelPackageGroup } from './sagemaker-model-package-group.js';
import { sagemakerMonitoringSchedule } from './sagemaker-monitoring-schedule.js';
import { sagemakerNotebookInstance } from './sagemaker-notebook-instance.js';
import { sagemakerNotebookLifecycleConfig } from './sagemaker-notebook-lifecycle-config.js';
import { sagemakerPipeline } from './sagemaker-pipeline.js';
import { sagemakerProcessingJob } from './sagemaker-processing-job.js';
import { sagemakerProject } from './sagemaker-project.js';
import { sagemakerTransformJob } from './sagemaker-transform-job.js';
import { sagemakerTrainingJob } from './sagemaker-training-job.js';

/** Every supported type. Adding a type: one file, one line here, one test file. */
export const handlers: readonly ResourceHandler[] = [
  // SageMaker
  sagemakerEndpoint,
  sagemakerEndpointConfig,
  sagemakerInferenceComponent,
  sagemakerMonitoringSchedule,
  sagemakerHub,
  sagemakerModel,
  sagemakerNotebookInstance,
  sagemakerNotebookLifecycleConfig,
  sagemakerPipeline,
  sagemakerCluster,
  sagemakerTrainingJob,
  sagemakerProcessingJob,
  sagemakerTransformJob,
  sagemakerHyperParameterTuningJob,
  sagemakerAutomlJob,
  sagemakerExperiment,
  sagemakerExperimentTrial,
  sagemakerExperimentTrialComponent,
  sagemakerDomain,
  sagemakerMlflowTrackingServer,
  sagemakerMlflowApp,
  sagemakerModelPackageGroup,
  sagemakerCodeRepository,
  sagemakerProject,
  sagemakerFeatureGroup,
  // Bedrock
  bedrockModelCustomizationJob,
  bedrockProvisionedModel,
  bedrockCustomModelDeployment,
  bedrockCustomModel,
  bedrockImportedModel,
  bedrockAgent,
  bedrockKnowledgeBase,
  // Lambda, S3, CI/CD, events, logs
  lambdaFunction,
  s3Bucket,
  ecrRepository,
  codebuildProject,
  codepipelinePipeline,
  codeconnectionsConnection,
  glueJob,
  eventsRule,
  eventsEventBus,
  logsLogGroup,
  // Owners of other resources
  cloudformationStack,
  servicecatalogProvisionedProduct,
  // IAM
  iamRole,
  iamPolicy,
  iamInstanceProfile,
];

/** Built and validated once, when this module loads. */
export const registry: Registry = buildRegistry(handlers);
