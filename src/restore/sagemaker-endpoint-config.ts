import { z } from 'zod';
import { obj, restorer } from './restorer.js';
import { pick, sagemakerClient, sagemakerExists, sagemakerSdk, sagemakerTags } from './sagemaker.js';

const schema = obj({ EndpointConfigName: z.string(), ProductionVariants: z.array(z.record(z.string(), z.unknown())) });
const KEYS = ['DataCaptureConfig', 'KmsKeyId', 'AsyncInferenceConfig', 'ExplainerConfig', 'ShadowProductionVariants', 'ExecutionRoleArn', 'VpcConfig', 'EnableNetworkIsolation'] as const;

/** A SageMaker endpoint configuration: its variants and settings, and tags (CreateEndpointConfig). */
export const sagemakerEndpointConfigRestorer = restorer({
  type: 'sagemaker:endpoint-config',
  order: 4,
  schema,
  exists: (e, c, ctx) => sagemakerExists(e, ctx, (s, client) => client.send(new s.DescribeEndpointConfigCommand({ EndpointConfigName: c.EndpointConfigName }))),
  lost: () => [],
  async restore(e, c, ctx) {
    const [s, client] = await Promise.all([sagemakerSdk(), sagemakerClient(e, ctx)]);
    await client.send(
      new s.CreateEndpointConfigCommand({ EndpointConfigName: c.EndpointConfigName, ProductionVariants: c.ProductionVariants as never, ...pick(c, KEYS), ...sagemakerTags(e) }),
    );
  },
});
