import { z } from 'zod';
import { obj, restorer } from './restorer.js';
import { sagemakerClient, sagemakerExists, sagemakerSdk, sagemakerTags } from './sagemaker.js';

const schema = obj({ EndpointName: z.string(), EndpointConfigName: z.string() });

/**
 * A SageMaker endpoint on its endpoint configuration, with its tags (CreateEndpoint). It is not waited
 * for: SageMaker takes minutes to make it InService, and bills it from then on.
 */
export const sagemakerEndpointRestorer = restorer({
  type: 'sagemaker:endpoint',
  order: 5,
  schema,
  exists: (e, c, ctx) => sagemakerExists(e, ctx, (s, client) => client.send(new s.DescribeEndpointCommand({ EndpointName: c.EndpointName }))),
  lost: () => ['its auto scaling policies and its log events (not in the backup); it takes minutes to be InService again'],
  async restore(e, c, ctx) {
    const [s, client] = await Promise.all([sagemakerSdk(), sagemakerClient(e, ctx)]);
    await client.send(new s.CreateEndpointCommand({ EndpointName: c.EndpointName, EndpointConfigName: c.EndpointConfigName, ...sagemakerTags(e) }));
  },
});
