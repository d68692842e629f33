import type { BedrockClient, GetCustomModelDeploymentResponse } from '@aws-sdk/client-bedrock';
import { sdkPackage } from '../aws/sdk.js';
import type { ResourceRef } from '../model.js';
import { BEDROCK_NOT_FOUND, BEDROCK_PAGE, bedrock, bedrockName, bedrockTags, waitUntilBedrockGone } from './bedrock-common.js';
import { bedrockCustomModel } from './bedrock-custom-model.js';
import { describeOrGone, onResource, withoutMetadata } from './common.js';
import { GONE, type Gone, type Listed, type ResourceHandler } from './handler.js';

const sdk = () => sdkPackage('@aws-sdk/client-bedrock');

/** A deletion shows `Deleting` for a while (delete-custom-model-deployment.html): poll every 5 s at first, at most every 30 s. */
const WAIT_DELAYS = { minDelay: 5, maxDelay: 30 };

/**
 * The custom models it serves: `modelArn`, and while an update is under way (updateDetails.updateStatus
 * Updating) the model it is moving to. Only custom-model ARNs: it serves nothing else of ours.
 */
function servedModels(d: Pick<GetCustomModelDeploymentResponse, 'modelArn' | 'updateDetails'>): string[] {
  const updating = d.updateDetails?.updateStatus === 'Updating' ? d.updateDetails.modelArn : undefined;
  const arns = [...new Set([d.modelArn, updating])].filter((a): a is string => Boolean(a));
  return arns.filter((a) => bedrockCustomModel.arnPattern.test(a));
}

async function getDeployment(client: BedrockClient, ref: ResourceRef): Promise<GetCustomModelDeploymentResponse> {
  const { GetCustomModelDeploymentCommand } = await sdk();
  return client.send(new GetCustomModelDeploymentCommand({ customModelDeploymentIdentifier: ref.arn }));
}
const readDeployment = (client: BedrockClient, ref: ResourceRef): Promise<GetCustomModelDeploymentResponse | Gone> =>
  describeOrGone(BEDROCK_NOT_FOUND, () => getDeployment(client, ref));

/** Every IAM action its delete needs, whatever its state: all on the resource itself. */
const ACTIONS = ['bedrock:ListTagsForResource', 'bedrock:DeleteCustomModelDeployment', 'bedrock:GetCustomModelDeployment'];

/**
 * A Bedrock custom model deployment (`custom-model-deployment/<id>`): a custom model (a fine-tuned Nova...)
 * served for on-demand inference. DeleteCustomModelDeployment "stops the deployment and removes it"; it
 * leaves the custom model alone (delete-custom-model-deployment.html) and turns `Deleting` (not in the
 * SDK's Creating/Active/Failed), so the delete waits until Get answers not-found. It uses its custom
 * model, which the core deletes after it ("you must first delete any Provisioned Throughput or custom
 * model deployment associated with the model", model-customization-delete.html). Calls send the ARN: it
 * ends in an id, not in the name the calls also take.
 *
 * Tagging API: AWS says GetResources supports all resource types except IAM users and roles (and Auto
 * Scaling groups) (resourcegroupstagging supported-services.html). Bedrock's user guide
 * (bedrock/latest/userguide/tagging.html) does not name deployments among the resources it tags, but
 * CreateCustomModelDeployment takes tags and Bedrock's TagResource accepts `custom-model-deployment/<id>`
 * ARNs (bedrock/latest/APIReference/API_TagResource, resourceARN pattern): returned. moto 5.2.5 does not
 * implement deployments (500): tested with mocks only.
 */
export const bedrockCustomModelDeployment: ResourceHandler = {
  type: 'bedrock:custom-model-deployment',
  description: 'Bedrock custom model deployment for on-demand inference (DeleteCustomModelDeployment, then waits until it is gone; before the custom model it serves)',
  arnPattern: /^arn:[\w-]+:bedrock:[\w-]+:\d{12}:custom-model-deployment\/.+$/,
  client: 'bedrock',
  taggingApi: true,
  references: [bedrockCustomModel.type],
  notFound: BEDROCK_NOT_FOUND,
  reads: ['GetCustomModelDeployment', 'ListCustomModelDeployments', 'ListTagsForResource'],
  nameOf: bedrockName,

  /**
   * Every deployment of the region (1000 a page). The list names each one's model but not an update's
   * target model, so what it uses is left to readUses (one Get each). No tags in the list.
   */
  async list(ctx, region) {
    const { paginateListCustomModelDeployments } = await sdk();
    const client = await bedrock(ctx, { region });
    const listed: Listed[] = [];
    for await (const page of paginateListCustomModelDeployments({ client, pageSize: BEDROCK_PAGE }, {})) {
      for (const d of page.modelDeploymentSummaries ?? []) if (d.customModelDeploymentArn) listed.push({ arn: d.customModelDeploymentArn });
    }
    return listed;
  },

  async readUses(ref, ctx) {
    const out = await readDeployment(await bedrock(ctx, ref), ref);
    return out === GONE ? GONE : servedModels(out);
  },

  async describe(ref, ctx, hint) {
    const client = await bedrock(ctx, ref);
    const out = await readDeployment(client, ref);
    if (out === GONE) return GONE;
    const tags = hint?.tags ?? (await bedrockTags(client, ref.arn));
    if (tags === GONE) return GONE;
    return { tags, config: withoutMetadata(out), uses: servedModels(out) };
  },

  // The tag re-check, the delete, and the wait's polls.
  deleteActions: { tagged: ACTIONS },
  actions: (r) => onResource(r.ref.arn, ACTIONS),

  async currentTags(ref, ctx) {
    return bedrockTags(await bedrock(ctx, ref), ref.arn);
  },

  async delete(r, ctx, steps) {
    const { DeleteCustomModelDeploymentCommand } = await sdk();
    const client = await bedrock(ctx, r.ref);
    await steps.run({ name: 'delete' }, () => client.send(new DeleteCustomModelDeploymentCommand({ customModelDeploymentIdentifier: r.ref.arn })));
  },

  async waitUntilGone(ref, ctx) {
    const client = await bedrock(ctx, ref);
    await waitUntilBedrockGone(client, ctx, WAIT_DELAYS, () => getDeployment(client, ref));
  },
};
