import type { BedrockClient } from '@aws-sdk/client-bedrock';
import { lastSegment, parseArn } from '../aws/arn.js';
import type { ResourceRef, Tags } from '../model.js';
import { describeOrGone, onResource, withoutMetadata } from './common.js';
import { GONE, type Gone, type HandlerContext, type Listed, type ResourceHandler } from './handler.js';

const sdk = () => import('@aws-sdk/client-bedrock');

/** What Bedrock answers for a model, job or ARN it does not know (Get, Delete, Stop, ListTagsForResource). */
export const BEDROCK_NOT_FOUND = ['ResourceNotFoundException'];
/** ListCustomModels and ListModelCustomizationJobs take up to 1000 a page. */
export const BEDROCK_PAGE = 1000;

export const bedrock = (ctx: HandlerContext, ref: Pick<ResourceRef, 'region'>): Promise<BedrockClient> => ctx.aws.get('bedrock', ref.region);

/**
 * The identifier Bedrock's calls take for a model or job ARN. AWS's ARNs end in `<base-model>/<id>`
 * (`custom-model/amazon.nova-micro-v1:0:128k/abc123def456`, `custom-model/imported/<id>`) and name no
 * model: the ARN itself is sent, which every call accepts. An ARN of one segment
 * (`custom-model/<name>`, as moto makes them) ends in the name, which every call accepts too; moto
 * finds models and jobs in a URL path by name only.
 */
export function bedrockIdentifier(arn: string): string {
  const resource = parseArn(arn)?.resource ?? '';
  const slash = resource.indexOf('/');
  const rest = slash === -1 ? '' : resource.slice(slash + 1);
  return rest && !rest.includes('/') ? rest : arn;
}

/** Its tags (ListTagsForResource: one page, at most 50 tags), or GONE when Bedrock does not know the ARN. */
export async function bedrockTags(client: BedrockClient, arn: string): Promise<Tags | Gone> {
  const { ListTagsForResourceCommand } = await sdk();
  const out = await describeOrGone(BEDROCK_NOT_FOUND, () => client.send(new ListTagsForResourceCommand({ resourceARN: arn })));
  if (out === GONE) return GONE;
  const tags: Tags = {};
  for (const t of out.tags ?? []) if (t.key !== undefined) tags[t.key] = t.value ?? '';
  return tags;
}

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
  nameOf: (arn) => lastSegment(parseArn(arn)?.resource ?? arn),

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

  actions: (r) => onResource(r.ref.arn, ['bedrock:ListTagsForResource', 'bedrock:DeleteCustomModel']),

  async currentTags(ref, ctx) {
    return bedrockTags(await bedrock(ctx, ref), ref.arn);
  },

  async delete(r, ctx, steps) {
    const { DeleteCustomModelCommand } = await sdk();
    const client = await bedrock(ctx, r.ref);
    await steps.run({ name: 'delete' }, () => client.send(new DeleteCustomModelCommand({ modelIdentifier: bedrockIdentifier(r.ref.arn) })));
  },
};
