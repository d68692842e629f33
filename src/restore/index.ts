import { iamPolicyRestorer } from './iam-policy.js';
import { iamRoleRestorer } from './iam-role.js';
import { lambdaFunctionRestorer } from './lambda-function.js';
import { logsLogGroupRestorer } from './logs-log-group.js';
import type { AnyRestorer } from './restorer.js';
import { s3BucketRestorer } from './s3-bucket.js';
import { sagemakerEndpointConfigRestorer } from './sagemaker-endpoint-config.js';
import { sagemakerEndpointRestorer } from './sagemaker-endpoint.js';
import { sagemakerModelRestorer } from './sagemaker-model.js';

/** The types restore brings back, by type id; every other type of a backup is listed as not restorable. */
export const RESTORERS: ReadonlyMap<string, AnyRestorer> = new Map(
  [
    iamPolicyRestorer,
    iamRoleRestorer,
    logsLogGroupRestorer,
    s3BucketRestorer,
    lambdaFunctionRestorer,
    sagemakerModelRestorer,
    sagemakerEndpointConfigRestorer,
    sagemakerEndpointRestorer,
  ].map((r) => [r.type, r]),
);
