import type { ResourceHandler } from './handler.js';
import { iamRole } from './iam-role.js';
import { lambdaFunction } from './lambda-function.js';
import { buildRegistry, type Registry } from './registry.js';
import { s3Bucket } from './s3-bucket.js';
import { sagemakerEndpoint } from './sagemaker-endpoint.js';
import { sagemakerEndpointConfig } from './sagemaker-endpoint-config.js';
import { sagemakerModel } from './sagemaker-model.js';
import { sagemakerNotebookInstance } from './sagemaker-notebook-instance.js';

/** Every supported type. Adding a type: one file, one line here, one test file. */
export const handlers: readonly ResourceHandler[] = [
  sagemakerEndpoint,
  sagemakerEndpointConfig,
  sagemakerModel,
  sagemakerNotebookInstance,
  lambdaFunction,
  s3Bucket,
  iamRole,
];

/** Built and validated once, when this module loads. */
export const registry: Registry = buildRegistry(handlers);
