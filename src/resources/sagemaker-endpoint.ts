import { sagemakerType, siblingArn } from './sagemaker-common.js';

/** A SageMaker real-time endpoint (the billed instances). Deleting it leaves its endpoint config and models. */
export const sagemakerEndpoint = sagemakerType({
  kind: 'endpoint',
  description: 'SageMaker endpoint (DeleteEndpoint, then waits until it is gone)',
  references: ['sagemaker:endpoint-config'],
  describe: (s, name) => new s.DescribeEndpointCommand({ EndpointName: name }),
  uses: (out, ref) => [out.EndpointConfigName && siblingArn(ref, 'endpoint-config', out.EndpointConfigName)],
  list: { paginator: (s) => s.paginateListEndpoints, arns: (page) => page.Endpoints?.map((e) => e.EndpointArn) },
  delete: (s, name) => new s.DeleteEndpointCommand({ EndpointName: name }),
  // Succeeds on the ValidationException a missing endpoint gives; throws on Failed, timeout or abort.
  waitUntilGone: (s, options, name) => s.waitUntilEndpointDeleted(options, { EndpointName: name }),
});
