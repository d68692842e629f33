import { GONE, type ResourceHandler } from './handler.js';
import { describeOrGone, sagemaker, sagemakerArnPattern, sagemakerName, sagemakerSdk, sagemakerTags, withoutMetadata } from './sagemaker-common.js';

/** A SageMaker model entry. Deleting it leaves its artifacts in S3 and its role alone. */
export const sagemakerModel: ResourceHandler = {
  type: 'sagemaker:model',
  description: 'SageMaker model (DeleteModel; artifacts in S3 are separate resources)',
  arnPattern: sagemakerArnPattern('model'),
  dependsOn: ['iam:role'],
  actions: ['sagemaker:DescribeModel', 'sagemaker:ListTags', 'sagemaker:DeleteModel'],
  nameOf: sagemakerName,

  async describe(ref, ctx) {
    const { DescribeModelCommand } = await sagemakerSdk();
    const client = await sagemaker(ctx, ref);
    const out = await describeOrGone(() => client.send(new DescribeModelCommand({ ModelName: ref.name })));
    if (out === GONE) return GONE;
    const tags = await sagemakerTags(client, ref.arn);
    return {
      tags,
      config: withoutMetadata(out),
      uses: out.ExecutionRoleArn ? [out.ExecutionRoleArn] : [],
    };
  },

  async currentTags(ref, ctx) {
    const { DescribeModelCommand } = await sagemakerSdk();
    const client = await sagemaker(ctx, ref);
    // ListTags on a missing resource is not a clean not-found everywhere: describe first.
    const out = await describeOrGone(() => client.send(new DescribeModelCommand({ ModelName: ref.name })));
    if (out === GONE) return GONE;
    return sagemakerTags(client, ref.arn);
  },

  async delete(ref, ctx) {
    const { DeleteModelCommand } = await sagemakerSdk();
    const client = await sagemaker(ctx, ref);
    await client.send(new DeleteModelCommand({ ModelName: ref.name }));
  },
};
