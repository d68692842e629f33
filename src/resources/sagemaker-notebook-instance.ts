import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GONE, waiterOptions, type HandlerContext, type ResourceHandler } from './handler.js';
import { describeOrGone, sagemaker, sagemakerArnPattern, sagemakerName, sagemakerSdk, sagemakerTags, withoutMetadata } from './sagemaker-common.js';

const waitOptions = (client: SageMakerClient, ctx: HandlerContext) => waiterOptions(client, ctx, { minDelay: 5, maxDelay: 30 });

/** A SageMaker notebook instance: stopped first (only Stopped or Failed ones can be deleted), then deleted. */
export const sagemakerNotebookInstance: ResourceHandler = {
  type: 'sagemaker:notebook-instance',
  description: 'SageMaker notebook instance (StopNotebookInstance, DeleteNotebookInstance, then waits until it is gone)',
  arnPattern: sagemakerArnPattern('notebook-instance'),
  dependsOn: ['iam:role'],
  actions: ['sagemaker:DescribeNotebookInstance', 'sagemaker:ListTags', 'sagemaker:StopNotebookInstance', 'sagemaker:DeleteNotebookInstance'],
  nameOf: sagemakerName,

  async describe(ref, ctx) {
    const { DescribeNotebookInstanceCommand } = await sagemakerSdk();
    const client = await sagemaker(ctx, ref);
    const out = await describeOrGone(() => client.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: ref.name })));
    if (out === GONE) return GONE;
    const tags = await sagemakerTags(client, ref.arn);
    return { tags, config: withoutMetadata(out), uses: out.RoleArn ? [out.RoleArn] : [] };
  },

  async currentTags(ref, ctx) {
    const { DescribeNotebookInstanceCommand } = await sagemakerSdk();
    const client = await sagemaker(ctx, ref);
    // ListTags on a missing resource is not a clean not-found everywhere: describe first.
    const out = await describeOrGone(() => client.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: ref.name })));
    if (out === GONE) return GONE;
    return sagemakerTags(client, ref.arn);
  },

  async delete(ref, ctx) {
    const sdk = await sagemakerSdk();
    const client = await sagemaker(ctx, ref);
    const input = { NotebookInstanceName: ref.name };
    const status = async (): Promise<string | undefined> => {
      const out = await describeOrGone(() => client.send(new sdk.DescribeNotebookInstanceCommand(input)));
      return out === GONE ? GONE : out.NotebookInstanceStatus;
    };
    // A waiter throws when the notebook turns Failed or vanishes instead: both are fine for a delete.
    const settle = async (wait: () => Promise<unknown>, reached: string): Promise<string | undefined> => {
      try {
        await wait();
        return reached;
      } catch (err) {
        const now = await status();
        if (now === GONE || now === 'Failed') return now;
        throw err;
      }
    };

    let s = await status();
    if (s === 'Pending' || s === 'Updating') {
      s = await settle(() => sdk.waitUntilNotebookInstanceInService(waitOptions(client, ctx), input), 'InService');
    }
    if (s === 'InService') {
      await client.send(new sdk.StopNotebookInstanceCommand(input));
      s = 'Stopping';
    }
    if (s === 'Stopping') s = await settle(() => sdk.waitUntilNotebookInstanceStopped(waitOptions(client, ctx), input), 'Stopped');
    if (s === GONE || s === 'Deleting') return; // waitUntilGone does the rest
    await client.send(new sdk.DeleteNotebookInstanceCommand(input));
  },

  async waitUntilGone(ref, ctx) {
    const { waitUntilNotebookInstanceDeleted } = await sagemakerSdk();
    const client = await sagemaker(ctx, ref);
    // Succeeds on the ValidationException a missing notebook gives; throws on Failed, timeout or abort.
    await waitUntilNotebookInstanceDeleted(waitOptions(client, ctx), { NotebookInstanceName: ref.name });
  },
};
