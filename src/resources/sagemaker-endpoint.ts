import { GONE, waiterOptions, type ResourceHandler } from './handler.js';
import { describeOrGone, sagemaker, sagemakerArnPattern, sagemakerName, sagemakerSdk, sagemakerTags, siblingArn, withoutMetadata } from './sagemaker-common.js';

/** A SageMaker real-time endpoint (the billed instances). Deleting it leaves its endpoint config and models. */
export const sagemakerEndpoint: ResourceHandler = {
  type: 'sagemaker:endpoint',
  description: 'SageMaker endpoint (DeleteEndpoint, then waits until it is gone)',
  arnPattern: sagemakerArnPattern('endpoint'),
  dependsOn: ['sagemaker:endpoint-config'],
  actions: ['sagemaker:DescribeEndpoint', 'sagemaker:ListTags', 'sagemaker:DeleteEndpoint'],
  nameOf: sagemakerName,

  async describe(ref, ctx) {
    const { DescribeEndpointCommand } = await sagemakerSdk();
    const client = await sagemaker(ctx, ref);
    const out = await describeOrGone(() => client.send(new DescribeEndpointCommand({ EndpointName: ref.name })));
    if (out === GONE) return GONE;
    const tags = await sagemakerTags(client, ref.arn);
    return {
      tags,
      config: withoutMetadata(out),
      uses: out.EndpointConfigName ? [siblingArn(ref, 'endpoint-config', out.EndpointConfigName)] : [],
    };
  },

  async currentTags(ref, ctx) {
    const { DescribeEndpointCommand } = await sagemakerSdk();
    const client = await sagemaker(ctx, ref);
    // ListTags on a missing resource is not a clean not-found everywhere: describe first.
    const out = await describeOrGone(() => client.send(new DescribeEndpointCommand({ EndpointName: ref.name })));
    if (out === GONE) return GONE;
    return sagemakerTags(client, ref.arn);
  },

  async delete(ref, ctx) {
    const { DeleteEndpointCommand } = await sagemakerSdk();
    const client = await sagemaker(ctx, ref);
    await client.send(new DeleteEndpointCommand({ EndpointName: ref.name }));
  },

  async waitUntilGone(ref, ctx) {
    const { waitUntilEndpointDeleted } = await sagemakerSdk();
    const client = await sagemaker(ctx, ref);
    // Succeeds on the ValidationException a missing endpoint gives; throws on Failed, timeout or abort.
    await waitUntilEndpointDeleted(
      waiterOptions(client, ctx, { minDelay: 5, maxDelay: 30 }),
      { EndpointName: ref.name },
    );
  },
};
