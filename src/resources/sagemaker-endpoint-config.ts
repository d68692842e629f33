import { GONE, type ResourceHandler } from './handler.js';
import { describeOrGone, sagemaker, sagemakerArnPattern, sagemakerName, sagemakerSdk, sagemakerTags, siblingArn, withoutMetadata } from './sagemaker-common.js';

/** A SageMaker endpoint configuration. Deleted after the endpoints using it; leaves its models alone. */
export const sagemakerEndpointConfig: ResourceHandler = {
  type: 'sagemaker:endpoint-config',
  description: 'SageMaker endpoint configuration (DeleteEndpointConfig; its models are separate resources)',
  arnPattern: sagemakerArnPattern('endpoint-config'),
  dependsOn: ['sagemaker:model'],
  actions: ['sagemaker:DescribeEndpointConfig', 'sagemaker:ListTags', 'sagemaker:DeleteEndpointConfig'],
  nameOf: sagemakerName,

  async describe(ref, ctx) {
    const { DescribeEndpointConfigCommand } = await sagemakerSdk();
    const client = await sagemaker(ctx, ref);
    const out = await describeOrGone(() => client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: ref.name })));
    if (out === GONE) return GONE;
    const tags = await sagemakerTags(client, ref.arn);
    // Variants backed by inference components name no model.
    const variants = [...(out.ProductionVariants ?? []), ...(out.ShadowProductionVariants ?? [])];
    const models = new Set(variants.flatMap((v) => (v.ModelName ? [v.ModelName] : [])));
    return {
      tags,
      config: withoutMetadata(out),
      uses: [...models].map((name) => siblingArn(ref, 'model', name)),
    };
  },

  async currentTags(ref, ctx) {
    const { DescribeEndpointConfigCommand } = await sagemakerSdk();
    const client = await sagemaker(ctx, ref);
    // ListTags on a missing resource is not a clean not-found everywhere: describe first.
    const out = await describeOrGone(() => client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: ref.name })));
    if (out === GONE) return GONE;
    return sagemakerTags(client, ref.arn);
  },

  async delete(ref, ctx) {
    const { DeleteEndpointConfigCommand } = await sagemakerSdk();
    const client = await sagemaker(ctx, ref);
    await client.send(new DeleteEndpointConfigCommand({ EndpointConfigName: ref.name }));
  },
};
