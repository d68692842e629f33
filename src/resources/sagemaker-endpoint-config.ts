import { sagemakerType, siblingArn } from './sagemaker-common.js';

/** A SageMaker endpoint configuration. Deleted after the endpoints using it; leaves its models alone. */
export const sagemakerEndpointConfig = sagemakerType({
  kind: 'endpoint-config',
  description: 'SageMaker endpoint configuration (DeleteEndpointConfig; its models are separate resources)',
  references: ['sagemaker:model'],
  describe: (s, name) => new s.DescribeEndpointConfigCommand({ EndpointConfigName: name }),
  // Variants backed by inference components name no model.
  uses: (out, ref) =>
    [...(out.ProductionVariants ?? []), ...(out.ShadowProductionVariants ?? [])].map((v) => v.ModelName && siblingArn(ref, 'model', v.ModelName)),
  list: { paginator: (s) => s.paginateListEndpointConfigs, arns: (page) => page.EndpointConfigs?.map((c) => c.EndpointConfigArn) },
  delete: (s, name) => new s.DeleteEndpointConfigCommand({ EndpointConfigName: name }),
});
