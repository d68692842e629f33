import type { BedrockClient, GetProvisionedModelThroughputResponse } from '@aws-sdk/client-bedrock';
import { sdkPackage } from '../aws/sdk.js';
import type { ResourceRef } from '../model.js';
import { BEDROCK_NOT_FOUND, BEDROCK_PAGE, bedrock, bedrockName, bedrockTags, waitUntilBedrockGone } from './bedrock-common.js';
import { bedrockCustomModel } from './bedrock-custom-model.js';
import { bedrockImportedModel } from './bedrock-imported-model.js';
import { describeOrGone, onResource, withoutMetadata } from './common.js';
import { GONE, type Gone, type Listed, type ResourceHandler } from './handler.js';

const sdk = () => sdkPackage('@aws-sdk/client-bedrock');

/** "The Provisioned Throughput is immediately deleted" (prov-thru-delete.html): poll every 2 s at first, at most every 15 s. */
const WAIT_DELAYS = { minDelay: 2, maxDelay: 15 };

/** The model types of ours a Provisioned Throughput can serve (a foundation model is none of ours). */
const SERVED = [bedrockCustomModel, bedrockImportedModel];

/**
 * The custom or imported models it serves: `modelArn`, and `desiredModelArn` (the model an update is moving
 * it to, the same one otherwise). A foundation model's ARN matches no type of ours and is left out.
 */
function servedModels(pt: Pick<GetProvisionedModelThroughputResponse, 'modelArn' | 'desiredModelArn'>): string[] {
  const arns = [...new Set([pt.modelArn, pt.desiredModelArn])].filter((a): a is string => Boolean(a));
  return arns.filter((a) => SERVED.some((h) => h.arnPattern.test(a)));
}

async function getThroughput(client: BedrockClient, ref: ResourceRef): Promise<GetProvisionedModelThroughputResponse> {
  const { GetProvisionedModelThroughputCommand } = await sdk();
  return client.send(new GetProvisionedModelThroughputCommand({ provisionedModelId: ref.arn }));
}
const readThroughput = (client: BedrockClient, ref: ResourceRef): Promise<GetProvisionedModelThroughputResponse | Gone> =>
  describeOrGone(BEDROCK_NOT_FOUND, () => getThroughput(client, ref));

/** Every IAM action its delete needs, whatever its state: all on the resource itself. */
const ACTIONS = ['bedrock:ListTagsForResource', 'bedrock:DeleteProvisionedModelThroughput', 'bedrock:GetProvisionedModelThroughput'];

/**
 * A Bedrock Provisioned Throughput (`provisioned-model/<id>`): model units reserved for one model, billed
 * by the hour for as long as it exists, used or not. DeleteProvisionedModelThroughput, then a wait until
 * Get answers not-found (AWS deletes it at once; statuses are Creating, InService, Updating, Failed, none
 * of them "deleting"). Deleting it leaves its model alone (prov-thru-delete.html); it uses that model, so
 * the core deletes it before a custom or imported model it serves. One bought with a commitment
 * (OneMonth, SixMonths) "can't be deleted before the commitment term is over"
 * (DeleteProvisionedModelThroughput): it is blocked until its commitmentExpirationTime. Calls send the
 * ARN: a `provisioned-model/<id>` ARN ends in an id, not in the name the calls also take.
 *
 * Tagging API: AWS says GetResources supports all resource types except IAM users and roles (and Auto
 * Scaling groups) (resourcegroupstagging supported-services.html), and Bedrock's user guide lists
 * provisioned models among the resources it tags (bedrock/latest/userguide/tagging.html): returned.
 * moto 5.2.5 answers 500 for every provisioned-throughput call: tested with mocks only.
 */
export const bedrockProvisionedModel: ResourceHandler = {
  type: 'bedrock:provisioned-model',
  description:
    'Bedrock Provisioned Throughput, billed hourly per model unit while it exists (DeleteProvisionedModelThroughput, then waits until it is gone; before the model it serves; one whose commitment term is still running is blocked)',
  arnPattern: /^arn:[\w-]+:bedrock:[\w-]+:\d{12}:provisioned-model\/.+$/,
  client: 'bedrock',
  taggingApi: true,
  references: SERVED.map((h) => h.type),
  notFound: BEDROCK_NOT_FOUND,
  reads: ['GetProvisionedModelThroughput', 'ListProvisionedModelThroughputs', 'ListTagsForResource'],
  nameOf: bedrockName,

  /** Every Provisioned Throughput of the region (1000 a page); the list says which model each serves. No tags. */
  async list(ctx, region) {
    const { paginateListProvisionedModelThroughputs } = await sdk();
    const client = await bedrock(ctx, { region });
    const listed: Listed[] = [];
    for await (const page of paginateListProvisionedModelThroughputs({ client, pageSize: BEDROCK_PAGE }, {})) {
      for (const p of page.provisionedModelSummaries ?? []) {
        if (p.provisionedModelArn) listed.push({ arn: p.provisionedModelArn, uses: servedModels(p) });
      }
    }
    return listed;
  },

  async describe(ref, ctx, hint) {
    const client = await bedrock(ctx, ref);
    const out = await readThroughput(client, ref);
    if (out === GONE) return GONE;
    const tags = hint?.tags ?? (await bedrockTags(client, ref.arn));
    if (tags === GONE) return GONE;
    return { tags, config: withoutMetadata(out), uses: servedModels(out) };
  },

  /**
   * Blocked while a commitment term runs: commitmentDuration set and commitmentExpirationTime still ahead
   * (a Date from the SDK, an ISO string from a saved plan), or not reported at all (the term's end cannot
   * be shown to be past). A no-commitment one, or one whose term is over, can be deleted.
   */
  blocked(r) {
    const { commitmentDuration, commitmentExpirationTime } = r.described.config as { commitmentDuration?: string; commitmentExpirationTime?: Date | string };
    if (!commitmentDuration) return undefined;
    const end = commitmentExpirationTime === undefined ? Number.NaN : new Date(commitmentExpirationTime).getTime();
    const refusal = 'AWS does not delete a Provisioned Throughput before its commitment term is over';
    if (Number.isNaN(end)) return `bought with a ${commitmentDuration} commitment whose end Bedrock does not report: ${refusal}`;
    if (end <= Date.now()) return undefined;
    return `bought with a ${commitmentDuration} commitment that runs until ${new Date(end).toISOString()}: ${refusal}; delete it after that`;
  },

  // The tag re-check, the delete, and the wait's polls.
  deleteActions: { tagged: ACTIONS },
  actions: (r) => onResource(r.ref.arn, ACTIONS),

  async currentTags(ref, ctx) {
    return bedrockTags(await bedrock(ctx, ref), ref.arn);
  },

  async delete(r, ctx, steps) {
    const { DeleteProvisionedModelThroughputCommand } = await sdk();
    const client = await bedrock(ctx, r.ref);
    await steps.run({ name: 'delete' }, () => client.send(new DeleteProvisionedModelThroughputCommand({ provisionedModelId: r.ref.arn })));
  },

  async waitUntilGone(ref, ctx) {
    const client = await bedrock(ctx, ref);
    await waitUntilBedrockGone(client, ctx, WAIT_DELAYS, () => getThroughput(client, ref));
  },
};
