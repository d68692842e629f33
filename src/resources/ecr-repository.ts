import type { ECRClient, ImageIdentifier } from '@aws-sdk/client-ecr';
import { sdkPackage } from '../aws/sdk.js';
import { parseArn } from '../aws/arn.js';
import type { ResourceRef } from '../model.js';
import { tagListToRecord } from '../tags.js';
import { describeOrGone, onResource, optional, parseDocument, withoutMetadata } from './common.js';
import { GONE, type HandlerContext, type LiveResource, type ResourceHandler } from './handler.js';

const sdk = () => sdkPackage('@aws-sdk/client-ecr');

const NOT_FOUND = ['RepositoryNotFoundException'];
/** DescribeRepositories and ListImages both take up to 1000 a page. */
const PAGE_SIZE = 1000;
const RESOURCE_PREFIX = 'repository/';

const ecr = (ctx: HandlerContext, ref: ResourceRef): Promise<ECRClient> => ctx.aws.get('ecr', ref.region);

/** Every call names the registry of the ARN's account (the default registry is the caller's own). */
const target = (ref: ResourceRef) => ({ registryId: ref.account, repositoryName: ref.name });

/** Images, not tags: ListImages gives one entry per tag of an image, and one for each untagged image. */
function imageCount(r: LiveResource): number {
  const ids = (r.described.config.Images ?? []) as readonly ImageIdentifier[];
  return new Set(ids.map((i) => i.imageDigest ?? `tag:${i.imageTag ?? ''}`)).size;
}

/** Every IAM action its delete needs, whatever its state: all on the resource itself. */
const ACTIONS = ['ecr:ListTagsForResource', 'ecr:DeleteRepository'];

/**
 * A private ECR repository. DeleteRepository with `force` deletes its images with it, in one call: the
 * backup keeps the repository's settings, policies and image ids, never the images themselves.
 */
export const ecrRepository: ResourceHandler = {
  type: 'ecr:repository',
  description: 'ECR repository (DeleteRepository with force: its images go with it and are not in the backup)',
  // Repository names may contain `/` (namespaces); they are lower case.
  arnPattern: /^arn:[\w-]+:ecr:[\w-]+:\d{12}:repository\/[a-z0-9][a-z0-9._/-]*$/,
  client: 'ecr',
  references: [],
  // AWS: "The GetResources, GetTagKeys, and GetTagValues operations support all resource types" (Resource
  // Groups Tagging API, supported-services page; the exceptions it names are IAM users and roles and Auto
  // Scaling groups), so tagged repositories are returned. moto 5.2.5's Tagging API does not return them.
  taggingApi: true,
  notFound: NOT_FOUND,
  reads: ['DescribeRepositories', 'ListTagsForResource', 'GetLifecyclePolicy', 'GetRepositoryPolicy', 'ListImages'],
  nameOf: (arn) => {
    const resource = parseArn(arn)?.resource ?? arn;
    return resource.startsWith(RESOURCE_PREFIX) ? resource.slice(RESOURCE_PREFIX.length) : resource;
  },

  /** DescribeRepositories carries neither tags nor anything a repository uses (it uses nothing). */
  async list(ctx, region) {
    const { paginateDescribeRepositories } = await sdk();
    const client = await ctx.aws.get('ecr', region);
    const arns: string[] = [];
    for await (const page of paginateDescribeRepositories({ client, pageSize: PAGE_SIZE }, {})) {
      for (const r of page.repositories ?? []) if (r.repositoryArn) arns.push(r.repositoryArn);
    }
    return arns.map((arn) => ({ arn, uses: [] }));
  },

  async describe(ref, ctx, hint) {
    const s = await sdk();
    const client = await ecr(ctx, ref);
    const described = await describeOrGone(NOT_FOUND, () => client.send(new s.DescribeRepositoriesCommand({ registryId: ref.account, repositoryNames: [ref.name] })));
    if (described === GONE) return GONE;
    const repository = described.repositories?.find((r) => r.repositoryName === ref.name);
    if (!repository) throw new Error(`DescribeRepositories did not return repository ${ref.name}`);
    // A repository deleted between these reads answers RepositoryNotFound to any of them: then it is gone.
    const rest = await describeOrGone(NOT_FOUND, () =>
      Promise.all([
        hint?.tags ?? client.send(new s.ListTagsForResourceCommand({ resourceArn: ref.arn })).then((o) => tagListToRecord(o.tags)),
        optional(['LifecyclePolicyNotFoundException'], () => client.send(new s.GetLifecyclePolicyCommand(target(ref)))),
        optional(['RepositoryPolicyNotFoundException'], () => client.send(new s.GetRepositoryPolicyCommand(target(ref)))),
        (async () => {
          const ids: ImageIdentifier[] = [];
          for await (const page of s.paginateListImages({ client, pageSize: PAGE_SIZE }, target(ref))) ids.push(...(page.imageIds ?? []));
          return ids;
        })(),
      ]),
    );
    if (rest === GONE) return GONE;
    const [tags, lifecycle, policy, images] = rest;
    return {
      tags,
      config: {
        ...withoutMetadata(repository),
        LifecyclePolicy: lifecycle ? { ...lifecycle, lifecyclePolicyText: parseDocument(lifecycle.lifecyclePolicyText as string | undefined) } : null,
        RepositoryPolicy: policy ? { ...policy, policyText: parseDocument(policy.policyText as string | undefined) } : null,
        Images: images,
      },
      uses: [],
    };
  },

  children(r) {
    const count = imageCount(r);
    return count === 0 ? [] : [{ kind: 'image', id: '*', count, lost: 'container images not in the backup' }];
  },

  // DeleteRepository with force removes the images itself: no image action is needed beside it.
  deleteActions: { tagged: ACTIONS },
  actions: (r) => onResource(r.ref.arn, ACTIONS),

  async currentTags(ref, ctx) {
    const { ListTagsForResourceCommand } = await sdk();
    const client = await ecr(ctx, ref);
    const out = await describeOrGone(NOT_FOUND, () => client.send(new ListTagsForResourceCommand({ resourceArn: ref.arn })));
    return out === GONE ? GONE : tagListToRecord(out.tags);
  },

  async delete(r, ctx, steps) {
    const { DeleteRepositoryCommand } = await sdk();
    const client = await ecr(ctx, r.ref);
    const count = imageCount(r);
    const done = `deleted repository ${r.ref.name}${count ? ` and its ${count} image${count === 1 ? '' : 's'}` : ''}`;
    // One call, synchronous: images pushed since the plan go with it too (force).
    await steps.run({ name: 'delete', done }, () => client.send(new DeleteRepositoryCommand({ ...target(r.ref), force: true })));
  },
};
