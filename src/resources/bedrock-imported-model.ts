import { sdkPackage } from '../aws/sdk.js';
import { BEDROCK_NOT_FOUND, BEDROCK_PAGE, bedrock, bedrockName, bedrockTags } from './bedrock-common.js';
import { describeOrGone, onResource, withoutMetadata } from './common.js';
import { GONE, type Listed, type ResourceHandler } from './handler.js';

const sdk = () => sdkPackage('@aws-sdk/client-bedrock');

/** Every IAM action its delete needs, whatever its state: all on the resource itself. */
const ACTIONS = ['bedrock:ListTagsForResource', 'bedrock:DeleteImportedModel'];

/**
 * A model brought into Bedrock by a model import job (Custom Model Import: Llama, Mistral... weights from
 * S3). DeleteImportedModel, synchronous (an imported model has no status), one step. The import job that
 * made it is a record with no delete, and not a type. The Provisioned Throughput that serves it
 * references it, so the core deletes that first. Calls send the ARN: an `imported-model/<id>` ARN ends in
 * an id, and the calls take an ARN or a name.
 *
 * Tagging API: AWS says GetResources supports all resource types except IAM users and roles (and Auto
 * Scaling groups) (resourcegroupstagging supported-services.html). Bedrock's user guide
 * (bedrock/latest/userguide/tagging.html) does not name imported models among the resources it tags, but
 * Bedrock's TagResource accepts `imported-model/<id>` ARNs (bedrock/latest/APIReference/API_TagResource,
 * resourceARN pattern) and CreateModelImportJob tags the model (`importedModelTags`): returned. moto
 * 5.2.5 does not implement imported models (500): tested with mocks only.
 */
export const bedrockImportedModel: ResourceHandler = {
  type: 'bedrock:imported-model',
  description: 'Bedrock imported model (Custom Model Import; DeleteImportedModel, after the Provisioned Throughput that serves it)',
  arnPattern: /^arn:[\w-]+:bedrock:[\w-]+:\d{12}:imported-model\/.+$/,
  client: 'bedrock',
  taggingApi: true,
  // A Provisioned Throughput uses it; it uses nothing of ours (its KMS key is no type here).
  references: [],
  notFound: BEDROCK_NOT_FOUND,
  reads: ['GetImportedModel', 'ListImportedModels', 'ListTagsForResource'],
  nameOf: bedrockName,

  /** Every imported model of the region (1000 a page). No tags in the list; no uses at all. */
  async list(ctx, region) {
    const { paginateListImportedModels } = await sdk();
    const client = await bedrock(ctx, { region });
    const listed: Listed[] = [];
    for await (const page of paginateListImportedModels({ client, pageSize: BEDROCK_PAGE }, {})) {
      for (const m of page.modelSummaries ?? []) if (m.modelArn) listed.push({ arn: m.modelArn, uses: [] });
    }
    return listed;
  },

  async describe(ref, ctx, hint) {
    const { GetImportedModelCommand } = await sdk();
    const client = await bedrock(ctx, ref);
    const out = await describeOrGone(BEDROCK_NOT_FOUND, () => client.send(new GetImportedModelCommand({ modelIdentifier: ref.arn })));
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
    const { DeleteImportedModelCommand } = await sdk();
    const client = await bedrock(ctx, r.ref);
    await steps.run({ name: 'delete' }, () => client.send(new DeleteImportedModelCommand({ modelIdentifier: r.ref.arn })));
  },
};
