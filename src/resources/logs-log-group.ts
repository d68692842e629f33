import type { CloudWatchLogsClient, LogGroup } from '@aws-sdk/client-cloudwatch-logs';
import { sdkPackage } from '../aws/sdk.js';
import type { ResourceRef, Tags } from '../model.js';
import { describeOrGone, PREFETCH_MIN } from './common.js';
import { GONE, type Child, type Gone, type HandlerContext, type Listed, type LiveResource, type ResourceHandler, type TypeSettings } from './handler.js';

const sdk = () => sdkPackage('@aws-sdk/client-cloudwatch-logs');

const NOT_FOUND = ['ResourceNotFoundException'];
/** The maximum `limit` of DescribeLogGroups. */
const PAGE = 50;
/** The option that lets a protected log group go. */
const OPTION = '--delete-shared-log-groups';

/**
 * Account-wide log groups that every job (or app) of a service writes to, whoever started it: never one
 * project's alone (https://docs.aws.amazon.com/sagemaker/latest/dg/logging-cloudwatch.html). Name → who writes.
 */
const SHARED: ReadonlyMap<string, string> = new Map([
  ['/aws/sagemaker/TrainingJobs', 'SageMaker training job'],
  ['/aws/sagemaker/ProcessingJobs', 'SageMaker processing job'],
  ['/aws/sagemaker/TransformJobs', 'SageMaker batch transform job'],
  ['/aws/sagemaker/NotebookInstances', 'SageMaker notebook instance'],
  ['/aws/sagemaker/CompilationJobs', 'SageMaker compilation job'],
  ['/aws/sagemaker/LabelingJobs', 'SageMaker labeling job'],
  ['/aws/sagemaker/InferenceRecommendationsJobs', 'SageMaker Inference Recommender job'],
  ['/aws/sagemaker/studio', 'SageMaker Studio app'],
  ['/aws/sagemaker/groundtruth/WorkerActivity', 'Ground Truth private worker'],
  ['/aws/sagemaker/Endpoints', 'SageMaker endpoint'],
]);

/** The ARN the tagging calls take: the one without DescribeLogGroups' trailing `:*`. */
const withoutStar = (arn: string): string => arn.replace(/:\*$/, '');
/** The group name in `…:log-group:<name>` (names hold no colon; a trailing `:*` is not part of it). */
const groupName = (arn: string): string => {
  const at = arn.indexOf(':log-group:');
  return withoutStar(at === -1 ? arn : arn.slice(at + ':log-group:'.length));
};

const logs = (ctx: HandlerContext, region: string): Promise<CloudWatchLogsClient> => ctx.aws.get('logs', region);

async function tagsOf(client: CloudWatchLogsClient, ref: ResourceRef): Promise<Tags> {
  const { ListTagsForResourceCommand } = await sdk();
  return { ...(await client.send(new ListTagsForResourceCommand({ resourceArn: withoutStar(ref.arn) }))).tags };
}

/** The group of exactly this name: DescribeLogGroups by prefix returns every group the name starts. */
async function findGroup(client: CloudWatchLogsClient, name: string): Promise<LogGroup | Gone> {
  const { paginateDescribeLogGroups } = await sdk();
  for await (const page of paginateDescribeLogGroups({ client, pageSize: PAGE }, { logGroupNamePrefix: name })) {
    const group = page.logGroups?.find((g) => g.logGroupName === name);
    if (group) return group;
  }
  return GONE;
}

/** What a prefetch says of one group: as DescribeLogGroups listed it, or that the listing shows none of that name. */
type Prefetched = { readonly group: LogGroup } | { readonly absent: true };

/** The longest common prefix of sorted strings (of the first and last). */
function commonPrefix(sorted: readonly string[]): string {
  const a = sorted[0] ?? '';
  const b = sorted[sorted.length - 1] ?? '';
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}

/**
 * The names worth listing together: grouped by their folder (`/aws/lambda/`), each group to be listed by
 * the common prefix of its names, when it has at least `PREFETCH_MIN` names (fewer are read one by one).
 */
export function prefixGroups(names: readonly string[]): { prefix: string; names: string[] }[] {
  const byFolder = new Map<string, string[]>();
  for (const n of [...new Set(names)].sort()) {
    const folder = n.slice(0, n.lastIndexOf('/') + 1);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), n]);
  }
  return [...byFolder.values()].filter((g) => g.length >= PREFETCH_MIN).map((g) => ({ prefix: commonPrefix(g), names: g }));
}

/**
 * One paged DescribeLogGroups by the group's prefix, for at most half as many pages as it has names
 * (usually a few pages in all; when that is not enough, the rest are read one by one, so at worst half as
 * many calls again as reading them all alone). The
 * results are ASCII-sorted by name (DescribeLogGroups reference): a name not met before the listing ends,
 * or before a page that ends past the last name wanted, does not exist; the names a cut-short listing did
 * not reach are left out (read alone).
 */
async function listGroup(client: CloudWatchLogsClient, prefix: string, names: readonly string[]): Promise<Map<string, Prefetched>> {
  const { paginateDescribeLogGroups } = await sdk();
  const wanted = new Set(names);
  const last = names[names.length - 1] ?? '';
  const out = new Map<string, Prefetched>();
  let reached = '';
  let complete = false;
  let pages = 0;
  for await (const page of paginateDescribeLogGroups({ client, pageSize: PAGE }, { logGroupNamePrefix: prefix })) {
    pages += 1;
    for (const g of page.logGroups ?? []) {
      const name = g.logGroupName ?? '';
      if (wanted.has(name)) out.set(name, { group: g });
      if (name > reached) reached = name;
    }
    if (!page.nextToken || reached >= last || out.size === wanted.size) {
      complete = true;
      break;
    }
    if (pages >= Math.ceil(names.length / 2)) break;
  }
  for (const n of names) if (!out.has(n) && (complete || n < reached)) out.set(n, { absent: true });
  return out;
}

/** Why a tagged group stays unless the user asks for it: it is everyone's, or another resource's. */
function sharedReason(name: string, settings: TypeSettings): string | undefined {
  if (settings.deleteSharedLogGroups) return undefined;
  const writer = SHARED.get(name);
  if (writer) return `account-wide log group every ${writer} in the account writes to, not this project's alone; deleted only with ${OPTION}`;
  return undefined;
}

const storedBytes = (r: LiveResource): number => Number((r.described.config as LogGroup).storedBytes ?? 0);

/**
 * A CloudWatch Logs log group. DeleteLogGroup removes it with every stored log event, in one call.
 * Account-wide groups that every job of a service writes to are protected even when tagged (the MLOps
 * agent tags log groups by name substring) unless the user passes `--delete-shared-log-groups`. The group
 * of one Lambda function, SageMaker endpoint or CodeBuild project is used by it (those types say so), so
 * it stays while its writer stays, whatever its tags, and goes after it. A group with deletion
 * protection on is blocked.
 *
 * ARNs: the form without the trailing `:*` (the Tagging API's, DescribeLogGroups' `logGroupArn`, what the
 * tagging calls take); IAM authorizes DeleteLogGroup on the `:*` form.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (Resource Groups Tagging API reference, "Services that support the Resource Groups Tagging API"):
 * log groups are returned. moto returns them too (as type `logs:loggroup`).
 */
export const logsLogGroup: ResourceHandler = {
  type: 'logs:log-group',
  description: `CloudWatch Logs log group, with its log events (DeleteLogGroup; kept while the function, endpoint or project writing to it stays; account-wide groups only with ${OPTION})`,
  arnPattern: /^arn:[\w-]+:logs:[\w-]+:\d{12}:log-group:[.\-_/#A-Za-z0-9]+$/,
  client: 'logs',
  taggingApi: true,
  references: [],
  notFound: NOT_FOUND,
  reads: ['DescribeLogGroups', 'ListTagsForResource'],
  nameOf: groupName,

  async list(ctx, region) {
    const { paginateDescribeLogGroups } = await sdk();
    const client = await logs(ctx, region);
    const out: Listed[] = [];
    for await (const page of paginateDescribeLogGroups({ client, pageSize: PAGE }, {})) {
      for (const g of page.logGroups ?? []) {
        const arn = g.logGroupArn ?? (g.arn && withoutStar(g.arn));
        if (arn) out.push({ arn });
      }
    }
    return out;
  },

  /** The groups of one region by a few prefix listings (a function's and an endpoint's own groups come by the hundred). */
  async prefetch(refs, ctx) {
    const region = refs[0]?.region;
    if (region === undefined) return new Map();
    const client = await logs(ctx, region);
    const byName = new Map<string, Prefetched>();
    // One listing after the other: the prefetch holds one slot of the read lane.
    for (const g of prefixGroups(refs.map((r) => r.name))) {
      for (const [name, p] of await listGroup(client, g.prefix, g.names)) byName.set(name, p);
    }
    return new Map(refs.flatMap((r) => {
      const p = byName.get(r.name);
      return p ? [[r.arn, p] as const] : [];
    }));
  },

  async describe(ref, ctx, hint) {
    const client = await logs(ctx, ref.region);
    const pre = hint?.prefetched as Prefetched | undefined;
    const group = pre ? ('group' in pre ? pre.group : GONE) : await findGroup(client, ref.name);
    if (group === GONE) return GONE;
    // A not-found here is a group deleted since DescribeLogGroups.
    const tags = hint?.tags ?? (await describeOrGone(NOT_FOUND, () => tagsOf(client, ref)));
    if (tags === GONE) return GONE;
    // Its KMS key and subscription destinations are not types of this tool.
    return { tags, config: { ...group }, uses: [] };
  },

  protect: (r, settings) => sharedReason(r.ref.name, settings),

  blocked: (r) =>
    (r.described.config as LogGroup).deletionProtectionEnabled
      ? 'deletion protection is on for this log group (turn it off with PutLogGroupDeletionProtection to delete it)'
      : undefined,

  children: (r): Child[] => {
    const bytes = storedBytes(r);
    return bytes > 0 ? [{ kind: 'stored-log-data', id: '*', count: bytes, lost: 'log events not in the backup' }] : [];
  },

  deleteActions: { tagged: ['logs:ListTagsForResource', 'logs:DeleteLogGroup'] },
  actions: (r) => [
    { action: 'logs:ListTagsForResource', resource: withoutStar(r.ref.arn) },
    { action: 'logs:DeleteLogGroup', resource: `${withoutStar(r.ref.arn)}:*` },
  ],

  async currentTags(ref, ctx) {
    const client = await logs(ctx, ref.region);
    return describeOrGone(NOT_FOUND, () => tagsOf(client, ref));
  },

  async delete(r, ctx, steps) {
    const { DeleteLogGroupCommand } = await sdk();
    const client = await logs(ctx, r.ref.region);
    await steps.run({ name: 'delete', done: `deleted log group ${r.ref.name}` }, () => client.send(new DeleteLogGroupCommand({ logGroupName: r.ref.name })));
  },
};
