import type { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import { sdkPackage } from '../aws/sdk.js';
import { lastSegment, parseArn } from '../aws/arn.js';
import { iamPrefixes } from '../aws/iam-names.js';
import type { Tags } from '../model.js';
import { tagListToRecord } from '../tags.js';
import { describeOrGone, onResource, withoutMetadata } from './common.js';
import { GONE, type HandlerContext, type Listed, type ResourceHandler } from './handler.js';

const sdk = () => sdkPackage('@aws-sdk/client-codestar-connections');

const NOT_FOUND = ['ResourceNotFoundException'];
/** ListConnections' largest page. */
const PAGE = 100;

const connections = (ctx: HandlerContext, region: string): Promise<CodeStarConnectionsClient> => ctx.aws.get('codeconnections', region);

async function connectionTags(client: CodeStarConnectionsClient, arn: string): Promise<Tags> {
  const { ListTagsForResourceCommand } = await sdk();
  return tagListToRecord((await client.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags);
}

/**
 * The IAM service prefix of a connection: the one in its ARN. AWS: "When specifying a resource in the
 * IAM policy, the service prefix needs to match that of the resource" (Developer Tools console guide,
 * "Connections rename").
 */
const prefixOf = (arn: string): string => parseArn(arn)?.service ?? 'codeconnections';
/** The IAM actions its delete needs, all on the connection: the tag re-check and the delete. */
const actionsUnder = (prefix: string): string[] => [`${prefix}:ListTagsForResource`, `${prefix}:DeleteConnection`];

/**
 * A CodeConnections connection (formerly CodeStar Connections; the MLOps agent creates one for GitHub and
 * leaves it PENDING). Connections made before July 2024 have `codestar-connections` ARNs, newer ones
 * `codeconnections` ARNs: both are this type, served by one API (the SDK's client-codestar-connections).
 * DeleteConnection is one synchronous call. A pipeline whose source action names the connection uses it
 * (codepipeline:pipeline references this type), so an untagged pipeline keeps it.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and connections are taggable (TagResource): returned, under either prefix (the
 * MLOps toolkit's Tagging API backup holds both). moto 5.2.5 answers every CodeConnections call with
 * HTTP 500: this type is tested with mocks only.
 */
export const codeconnectionsConnection: ResourceHandler = {
  type: 'codeconnections:connection',
  description: 'CodeConnections (CodeStar Connections) connection, either ARN prefix (DeleteConnection)',
  arnPattern: /^arn:[\w-]+:(?:codeconnections|codestar-connections):[\w-]+:\d{12}:connection\/[\w-]+$/,
  client: 'codeconnections',
  taggingApi: true,
  references: [],
  notFound: NOT_FOUND,
  reads: ['ListConnections', 'GetConnection', 'ListTagsForResource'],
  nameOf: (arn) => lastSegment(parseArn(arn)?.resource ?? arn),

  /** ListConnections (100 a page) gives ARNs, not tags. */
  async list(ctx, region) {
    const { paginateListConnections } = await sdk();
    const client = await connections(ctx, region);
    const listed: Listed[] = [];
    for await (const page of paginateListConnections({ client, pageSize: PAGE }, {})) {
      for (const c of page.Connections ?? []) if (c.ConnectionArn) listed.push({ arn: c.ConnectionArn });
    }
    return listed;
  },

  async describe(ref, ctx, hint) {
    const { GetConnectionCommand } = await sdk();
    const client = await connections(ctx, ref.region);
    const read = await describeOrGone(NOT_FOUND, () => Promise.all([client.send(new GetConnectionCommand({ ConnectionArn: ref.arn })), hint?.tags ?? connectionTags(client, ref.arn)]));
    if (read === GONE) return GONE;
    const [out, tags] = read;
    return { tags, config: withoutMetadata(out), uses: [] };
  },

  // Under the prefix of the connection's own ARN; a policy names both.
  deleteActions: { tagged: iamPrefixes('codeconnections').flatMap((p) => actionsUnder(p)) },
  actions: (r) => onResource(r.ref.arn, actionsUnder(prefixOf(r.ref.arn))),

  async currentTags(ref, ctx) {
    const client = await connections(ctx, ref.region);
    return describeOrGone(NOT_FOUND, () => connectionTags(client, ref.arn));
  },

  async delete(r, ctx, steps) {
    const { DeleteConnectionCommand } = await sdk();
    const client = await connections(ctx, r.ref.region);
    await steps.run({ name: 'delete', done: `deleted connection ${r.ref.name}` }, () => client.send(new DeleteConnectionCommand({ ConnectionArn: r.ref.arn })));
  },
};
