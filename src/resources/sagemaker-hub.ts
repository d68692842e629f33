import type { HubContentInfo, HubContentType, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { formatArn, parseArn } from '../aws/arn.js';
import { describeOrGone, onResource, unlessGone } from './common.js';
import { GONE, type Child, type LiveResource } from './handler.js';
import { SAGEMAKER_NOT_FOUND, sagemakerType, waitUntilSageMakerGone, type SageMakerSdk, type SageMakerWaiterOptions } from './sagemaker-common.js';

/** Every kind of hub content (ListHubContents takes one at a time). */
const CONTENT_TYPES: readonly HubContentType[] = ['Model', 'Notebook', 'ModelReference', 'DataSet', 'JsonDoc'];
/** The largest page of ListHubs, ListHubContents and ListHubContentVersions. */
const PAGE = 100;
/** What the hub content calls answer for content (or a hub) that does not exist. */
const CONTENT_GONE = ['ResourceNotFound'];

/** The AWS-owned JumpStart hub (its ARN's account is `aws`): never deleted. */
const isPublicHub = (name: string | undefined, arn: unknown): boolean =>
  name?.toLowerCase() === 'sagemakerpublichub' || (typeof arn === 'string' && parseArn(arn)?.account === 'aws');

/** Every page of a NextToken listing the SDK has no paginator for. */
async function* pages<O extends { NextToken?: string | undefined }>(send: (NextToken: string | undefined) => Promise<O>): AsyncGenerator<O> {
  let token: string | undefined;
  do {
    const page = await send(token);
    yield page;
    token = page.NextToken;
  } while (token);
}

/** The hub's contents as ListHubContents gives them (each at its latest version), of every type, every page. */
async function latestContents(s: SageMakerSdk, client: SageMakerClient, HubName: string): Promise<HubContentInfo[]> {
  const found: HubContentInfo[] = [];
  for (const HubContentType of CONTENT_TYPES) {
    for await (const page of pages((NextToken) => client.send(new s.ListHubContentsCommand({ HubName, HubContentType, MaxResults: PAGE, NextToken })))) {
      found.push(...(page.HubContentSummaries ?? []));
    }
  }
  return found;
}

/** What the delete removes: every version of each content (model references have none: one entry each). */
async function everyVersion(s: SageMakerSdk, client: SageMakerClient, HubName: string): Promise<HubContentInfo[]> {
  const found: HubContentInfo[] = [];
  for (const c of await latestContents(s, client, HubName)) {
    if (isReference(c)) {
      found.push(c);
      continue;
    }
    const { HubContentType, HubContentName } = c;
    // Not found: that content went since it was listed (a hub gone meanwhile is found by the next call).
    await unlessGone(CONTENT_GONE, async () => {
      const input = { HubName, HubContentType, HubContentName, MaxResults: PAGE };
      for await (const page of pages((NextToken) => client.send(new s.ListHubContentVersionsCommand({ ...input, NextToken })))) {
        found.push(...(page.HubContentSummaries ?? []));
      }
    });
  }
  return found;
}

const isReference = (c: HubContentInfo): boolean => c.HubContentType === 'ModelReference';
const contentsOf = (r: LiveResource): readonly HubContentInfo[] => (r.described.config.HubContents ?? []) as readonly HubContentInfo[];

/** A content version, or a model reference, as a child of the hub. */
function childOf(c: HubContentInfo): Child {
  return isReference(c)
    ? { kind: 'hub-content-reference', id: `ModelReference/${c.HubContentName}` }
    : {
        kind: 'hub-content',
        id: `${c.HubContentType}/${c.HubContentName}/${c.HubContentVersion}`,
        lost: 'its content document, which the backup does not read (artifacts it points to in S3 stay)',
      };
}

/** The ARN a content's removal is authorized on (as listed; else built the way SageMaker builds it). */
const contentArn = (r: LiveResource, c: HubContentInfo): string =>
  c.HubContentArn ??
  formatArn({ ...r.ref, service: 'sagemaker', resource: `hub-content/${r.ref.name}/${c.HubContentType}/${c.HubContentName}/${c.HubContentVersion}` });

/**
 * Resolves once ListHubContents lists nothing in the hub (removing content can be asynchronous: Deleting,
 * PendingDelete), so that DeleteHub does not meet content still on its way out. Content that turns
 * DeleteFailed ends the wait; so does any error but not-found (a hub gone meanwhile has nothing left).
 */
function waitUntilEmpty(s: SageMakerSdk, options: SageMakerWaiterOptions, HubName: string): Promise<void> {
  return waitUntilSageMakerGone(
    options,
    { HubName },
    async (client, input) => {
      const left = await latestContents(s, client, input.HubName);
      return left.length === 0 ? GONE : left;
    },
    { failed: (left) => left.some((c) => c.HubContentStatus === 'DeleteFailed') },
  );
}

/**
 * A SageMaker private hub (a curated JumpStart catalog). AWS refuses to delete a hub that still holds
 * content ("Before deleting a private hub, you must first remove any content in that hub",
 * jumpstart-curated-hubs-admin-guide-delete.html), so its contents are its children: every version of
 * each imported Model, Notebook, DataSet and JsonDoc (DeleteHubContent) and each ModelReference
 * (DeleteHubContentReference; the public model it points to stays). The delete lists them again (content
 * added since would make DeleteHub fail), removes each (its own step), waits until the hub is empty, then
 * DeleteHub, and waits until DescribeHub answers not-found (no SDK waiter exists; DeleteFailed fails it).
 * The AWS public hub (SageMakerPublicHub, account `aws`) is never listed and is protected.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and hubs are taggable SageMaker resources (CreateHub takes Tags): returned.
 * Tagged hub content (ImportHubContent takes Tags) is returned too, as ARNs of no supported type. moto
 * 5.2.5 implements no hub call.
 */
export const sagemakerHub = sagemakerType({
  kind: 'hub',
  description: 'SageMaker private hub, with its contents (DeleteHubContent / DeleteHubContentReference, DeleteHub, then waits until it is gone)',
  references: [],
  taggingApi: true,
  describe: (s, name) => new s.DescribeHubCommand({ HubName: name }),
  uses: () => [],
  // Every version of every content, for the plan, the backup and `children`.
  details: {
    reads: ['ListHubContents', 'ListHubContentVersions'],
    read: async (s, client, _out, ref) => ({ HubContents: await everyVersion(s, client, ref.name) }),
  },
  list: {
    paginator: (s) => (config) => pages((NextToken) => config.client.send(new s.ListHubsCommand({ MaxResults: config.pageSize, NextToken }))),
    arns: (page) => page.HubSummaries?.filter((h) => !isPublicHub(h.HubName, h.HubArn)).map((h) => h.HubArn),
  },
  delete: (s, name) => new s.DeleteHubCommand({ HubName: name }),
  waitUntilGone: (s, options, name) =>
    waitUntilSageMakerGone(
      options,
      { HubName: name },
      async (client, input) => (await client.send(new s.DescribeHubCommand(input))).HubStatus,
      { failed: (status) => status === 'DeleteFailed' },
    ),
  protect: (r) => (isPublicHub(r.ref.name, r.described.config.HubArn) ? 'an AWS public hub (SageMakerPublicHub): never deleted' : undefined),
  children: (r) => contentsOf(r).map(childOf),
  // Listing is authorized on the hub; removing content on the content's own ARN.
  deleteActions: { tagged: ['sagemaker:ListHubContents', 'sagemaker:ListHubContentVersions'], held: ['sagemaker:DeleteHubContent', 'sagemaker:DeleteHubContentReference'] },
  actions: (r) => [
    ...onResource(r.ref.arn, ['sagemaker:ListHubContents', ...(contentsOf(r).some((c) => !isReference(c)) ? ['sagemaker:ListHubContentVersions'] : [])]),
    ...contentsOf(r).map((c) => ({ action: isReference(c) ? 'sagemaker:DeleteHubContentReference' : 'sagemaker:DeleteHubContent', resource: contentArn(r, c) })),
  ],

  async deleteSteps(r, { sdk, client, waiter, describe, deleteStep }, steps) {
    const HubName = r.ref.name;
    const now = await describe();
    if (now !== GONE && now.HubStatus === 'Deleting') return; // already on its way: waitUntilGone does the rest
    // Listed again; a hub gone since has none, and its delete step fails with not-found for the core to report.
    const live = now === GONE ? GONE : await describeOrGone(SAGEMAKER_NOT_FOUND, () => everyVersion(sdk, client, HubName));
    const contents = live === GONE ? [] : live;
    for (const c of contents) {
      const { kind, id } = childOf(c);
      const remove = (): Promise<unknown> =>
        isReference(c)
          ? client.send(new sdk.DeleteHubContentReferenceCommand({ HubName, HubContentType: 'ModelReference', HubContentName: c.HubContentName }))
          : client.send(new sdk.DeleteHubContentCommand({ HubName, HubContentType: c.HubContentType, HubContentName: c.HubContentName, HubContentVersion: c.HubContentVersion }));
      // Not found: removed already, nothing left to do.
      await steps.run({ name: 'delete-content', child: { kind, id }, done: `removed ${id} from the hub` }, () => unlessGone(CONTENT_GONE, remove));
    }
    if (contents.length > 0) await waitUntilEmpty(sdk, waiter(), HubName);
    await deleteStep();
  },
});
