import { formatArn } from '../aws/arn.js';
import type { ResourceRef } from '../model.js';
import { sagemakerType, siblingArn } from './sagemaker-common.js';

/** `/aws/sagemaker/Endpoints/<name>`: where its instances write, its alone. */
const logGroupOf = (name: string | undefined, ref: ResourceRef): string | undefined =>
  name && formatArn({ partition: ref.partition, service: 'logs', region: ref.region, account: ref.account, resource: `log-group:/aws/sagemaker/Endpoints/${name}` });

/** A SageMaker real-time endpoint (the billed instances). Deleting it leaves its endpoint config and models. */
export const sagemakerEndpoint = sagemakerType({
  kind: 'endpoint',
  description: 'SageMaker endpoint (DeleteEndpoint, then waits until it is gone)',
  // Its config, and the log group its instances write to (so an endpoint that stays keeps its group).
  references: ['sagemaker:endpoint-config', 'logs:log-group'],
  describe: (s, name) => new s.DescribeEndpointCommand({ EndpointName: name }),
  uses: (out, ref) => [out.EndpointConfigName && siblingArn(ref, 'endpoint-config', out.EndpointConfigName), logGroupOf(out.EndpointName, ref)],
  ownLogGroup: (out, ref) => logGroupOf(out.EndpointName, ref),
  list: { paginator: (s) => s.paginateListEndpoints, arns: (page) => page.Endpoints?.map((e) => e.EndpointArn) },
  delete: (s, name) => new s.DeleteEndpointCommand({ EndpointName: name }),
  // Succeeds on the ValidationException a missing endpoint gives; throws on Failed, timeout or abort.
  waitUntilGone: (s, options, name) => s.waitUntilEndpointDeleted(options, { EndpointName: name }),
});
