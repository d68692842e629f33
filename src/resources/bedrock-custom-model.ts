import { sdkPackage } from '../aws/sdk.js';
import { BEDROCK_NOT_FOUND, BEDROCK_PAGE, bedrock, bedrockIdentifier, bedrockName, bedrockTags } from './bedrock-common.js';
import { describeOrGone, onResource, withoutMetadata } from './common.js';
import { GONE, type Listed, type ResourceHandler } from './handler.js';

const sdk = () => sdkPackage('@aws-sdk/client-bedrock');

/** Every IAM action its delete needs, whatever its state: all on the resource itself. */
const ACTIONS = ['bedrock:ListTagsForResource', 'bedrock:DeleteCustomModel'];

/**
 * A Bedrock custom model (fine-tuned, distilled, continued pre-training, or a Nova model imported with
 * CreateCustomModel): DeleteCustomModel, synchronous, one step. The Provisioned Throughput and custom
 * model deployments that serve a model must go first ("you must first delete any Provisioned Throughput
 * or custom model deployment associated with the model", model-customization-delete.html): those types
 * reference this one, so the core orders them before it. A customization job that is still running
 * references the model it writes, so it is stopped before the model is deleted.
 *
 * Tagging API: AWS says GetResources supports all resource types except IAM users and roles (and Auto
 * Scaling groups) (resourcegroupstagging supported-services.html), and custom models are taggable
 * Bedrock resources (bedrock/latest/userguide/tagging.html): returned. moto's Tagging API does not
 * return any Bedrock resource: the end-to-end test uses `--discovery list`.
 */
export const bedrockCustomModel: ResourceHandler = {
  type: 'bedrock:custom-model',
  description: 'Bedrock custom model (DeleteCustomModel, after the Provisioned Throughput and deployments that serve it)',
  arnPattern: /^arn:[\w-]+:bedrock:[\w-]+:\d{12}:custom-model\/.+$/,
  client: 'bedrock',
  taggingApi: true,
  // Provisioned throughput and deployments use models; a model uses nothing of ours.
  references: [],
  notFound: BEDROCK_NOT_FOUND,
  reads: ['GetCustomModel', 'ListCustomModels', 'ListTagsForResource'],
  nameOf: bedrockName,

  /** The models this account owns (shared ones are not ours to delete). No tags in the list; no uses at all. */
  async list(ctx, region) {
    const { paginateListCustomModels } = await sdk();
    const client = await bedrock(ctx, { region });
    const listed: Listed[] = [];
    for await (const page of paginateListCustomModels({ client, pageSize: BEDROCK_PAGE }, { isOwned: true })) {
      for (const m of page.modelSummaries ?? []) if (m.modelArn) listed.push({ arn: m.modelArn, uses: [] });
    }
    return listed;
  },

  async describe(ref, ctx, hint) {
    const { GetCustomModelCommand } = await sdk();
    const client = await bedrock(ctx, ref);
    const out = await describeOrGone(BEDROCK_NOT_FOUND, () => client.send(new GetCustomModelCommand({ modelIdentifier: bedrockIdentifier(ref.arn) })));
    if (out === GONE) return GONE;
    const tags = hint?.tags ?? (await bedrockTags(client, ref.arn));
    if (tags === GONE) return GONE;
    return { tags, config: withoutMetadata(out), uses: [] };
  },

  deleteActions: { tagged: ACTIONS },
  actions: (r) => onResource(r.ref.arn, ACTIONS),

  async currentTags(ref, ctx) {
    return bedrockTags(await bedrock(ctx, ref), ref.arn);
  },

  async delete(r, ctx, steps) {
    const { DeleteCustomModelCommand } = await sdk();
    const client = await bedrock(ctx, r.ref);
    await steps.run({ name: 'delete' }, () => client.send(new DeleteCustomModelCommand({ modelIdentifier: bedrockIdentifier(r.ref.arn) })));
  },
};
