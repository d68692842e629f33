import { bedrockAgent } from './bedrock-agent.js';
import { bedrockCustomModel } from './bedrock-custom-model.js';
import { bedrockKnowledgeBase } from './bedrock-knowledge-base.js';
import { bedrockModelCustomizationJob } from './bedrock-model-customization-job.js';
import { codebuildProject } from './codebuild-project.js';
import { ecrRepository } from './ecr-repository.js';
import { eventsEventBus } from './events-event-bus.js';
import { eventsRule } from './events-rule.js';
import type { ResourceHandler } from './handler.js';
import { iamRole } from './iam-role.js';
import { lambdaFunction } from './lambda-function.js';
import { logsLogGroup } from './logs-log-group.js';
import { buildRegistry, type Registry } from './registry.js';
import { s3Bucket } from './s3-bucket.js';
import { sagemakerCluster } from './sagemaker-cluster.js';
import { sagemakerEndpointConfig } from './sagemaker-endpoint-config.js';
import { sagemakerEndpoint } from './sagemaker-endpoint.js';
import { sagemakerModel } from './sagemaker-model.js';
import { sagemakerNotebookInstance } from './sagemaker-notebook-instance.js';
import { sagemakerNotebookLifecycleConfig } from './sagemaker-notebook-lifecycle-config.js';
import { sagemakerPipeline } from './sagemaker-pipeline.js';
import { sagemakerProcessingJob } from './sagemaker-processing-job.js';
import { sagemakerTrainingJob } from './sagemaker-training-job.js';

/** Every supported type. Adding a type: one file, one line here, one test file. */
export const handlers: readonly ResourceHandler[] = [
  // SageMaker
  sagemakerEndpoint,
  sagemakerEndpointConfig,
  sagemakerModel,
  sagemakerNotebookInstance,
  sagemakerNotebookLifecycleConfig,
  sagemakerPipeline,
  sagemakerCluster,
  sagemakerTrainingJob,
  sagemakerProcessingJob,
  // Bedrock
  bedrockModelCustomizationJob,
  bedrockCustomModel,
  bedrockAgent,
  bedrockKnowledgeBase,
  // Lambda, S3, CI/CD, events, logs
  lambdaFunction,
  s3Bucket,
  ecrRepository,
  codebuildProject,
  eventsRule,
  eventsEventBus,
  logsLogGroup,
  // IAM
  iamRole,
];

/** Built and validated once, when this module loads. */
export const registry: Registry = buildRegistry(handlers);
