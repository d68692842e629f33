import type { IAMClient } from '@aws-sdk/client-iam';
import pLimit from 'p-limit';
import { sdkPackage } from '../aws/sdk.js';
import { lastSegment, parseArn } from '../aws/arn.js';
import type { Tags } from '../model.js';
import { tagListToRecord } from '../tags.js';
import { describeOrGone, onResource, parseDocument, unlessGone } from './common.js';
import { GONE, type Child, type HandlerContext, type Listed, type LiveResource, type ResourceHandler } from './handler.js';
import { CUSTOMER_POLICY_ARN, IAM_CONCURRENCY, IAM_NOT_FOUND, IAM_PAGE, iamClient, runEach, tagList } from './iam-common.js';

const sdk = () => sdkPackage('@aws-sdk/client-iam');

interface RoleEntity {
  readonly RoleName: string;
  readonly RoleId?: string | undefined;
  /** From GetRole: ListEntitiesForPolicy gives no path, and a role's ARN holds its path. */
  readonly Arn: string;
}
/** Who the policy is attached to (or the permissions boundary of), as ListEntitiesForPolicy says. */
interface Entities {
  readonly PolicyRoles: readonly { RoleName?: string | undefined; RoleId?: string | undefined }[];
  readonly PolicyUsers: readonly { UserName?: string | undefined; UserId?: string | undefined }[];
  readonly PolicyGroups: readonly { GroupName?: string | undefined; GroupId?: string | undefined }[];
}
interface Version {
  readonly VersionId?: string | undefined;
  readonly IsDefaultVersion?: boolean | undefined;
}
/** What describe's config says of the policy's users and versions. */
interface PolicyConfig {
  readonly Entities?: { readonly PolicyRoles?: readonly RoleEntity[]; readonly PolicyUsers?: Entities['PolicyUsers']; readonly PolicyGroups?: Entities['PolicyGroups'] };
  readonly Versions?: readonly Version[];
}

async function policyTags(client: IAMClient, PolicyArn: string): Promise<Tags> {
  const { paginateListPolicyTags } = await sdk();
  const tags: { Key?: string | undefined; Value?: string | undefined }[] = [];
  for await (const page of paginateListPolicyTags({ client, pageSize: IAM_PAGE }, { PolicyArn })) tags.push(...(page.Tags ?? []));
  return tagListToRecord(tags);
}

/** Every role, user and group using it, attached or as a permissions boundary (all pages). */
async function entitiesOf(client: IAMClient, PolicyArn: string): Promise<Entities> {
  const { paginateListEntitiesForPolicy } = await sdk();
  const out = { PolicyRoles: [] as Entities['PolicyRoles'][number][], PolicyUsers: [] as Entities['PolicyUsers'][number][], PolicyGroups: [] as Entities['PolicyGroups'][number][] };
  for await (const p of paginateListEntitiesForPolicy({ client, pageSize: IAM_PAGE }, { PolicyArn })) {
    out.PolicyRoles.push(...(p.PolicyRoles ?? []));
    out.PolicyUsers.push(...(p.PolicyUsers ?? []));
    out.PolicyGroups.push(...(p.PolicyGroups ?? []));
  }
  return out;
}

async function versionsOf(client: IAMClient, PolicyArn: string): Promise<Version[]> {
  const { paginateListPolicyVersions } = await sdk();
  const versions: Version[] = [];
  for await (const p of paginateListPolicyVersions({ client, pageSize: IAM_PAGE }, { PolicyArn })) versions.push(...(p.Versions ?? []));
  return versions;
}

/** Each version with its document (GetPolicyVersion: at most 5 versions a policy); one deleted since the listing is left out. */
async function withDocuments(client: IAMClient, PolicyArn: string, versions: readonly Version[]) {
  const { GetPolicyVersionCommand } = await sdk();
  const read = await pLimit(IAM_CONCURRENCY).map(versions, async ({ VersionId }) => {
    const got = await describeOrGone(IAM_NOT_FOUND, () => client.send(new GetPolicyVersionCommand({ PolicyArn, VersionId })));
    return got === GONE ? [] : [{ ...got.PolicyVersion, Document: parseDocument(got.PolicyVersion?.Document, { urlEncoded: true }) }];
  });
  return read.flat();
}

/**
 * The roles' ARNs: from the run's ListRoles when it has one (the same name and RoleId), else GetRole; a
 * role deleted since the listing uses nothing and is left out.
 */
async function withArns(client: IAMClient, roles: Entities['PolicyRoles'], listed: readonly Listed[]): Promise<RoleEntity[]> {
  const { GetRoleCommand } = await sdk();
  const byId = new Map(listed.flatMap((l) => (l.id ? [[l.id, l.arn] as const] : [])));
  const read = await pLimit(IAM_CONCURRENCY).map(roles, async ({ RoleName, RoleId }) => {
    if (!RoleName) return [];
    const arn = RoleId ? byId.get(RoleId) : undefined;
    if (arn && lastSegment(parseArn(arn)?.resource ?? '') === RoleName) return [{ RoleName, RoleId, Arn: arn }];
    const got = await describeOrGone(IAM_NOT_FOUND, () => client.send(new GetRoleCommand({ RoleName })));
    return got === GONE || !got.Role?.Arn ? [] : [{ RoleName, RoleId, Arn: got.Role.Arn }];
  });
  return read.flat();
}

/** The run's listing of roles, when it has read one (a failed listing: none, GetRole instead). */
async function listedRoles(ctx: HandlerContext, region: string): Promise<readonly Listed[]> {
  const listing = ctx.listed?.('iam:role', region);
  return listing ? listing.catch(() => []) : [];
}

const planned = (r: LiveResource) => {
  const c = r.described.config as PolicyConfig;
  return {
    roles: c.Entities?.PolicyRoles ?? [],
    users: (c.Entities?.PolicyUsers ?? []).flatMap((u) => (u.UserName ? [u.UserName] : [])),
    groups: (c.Entities?.PolicyGroups ?? []).flatMap((g) => (g.GroupName ? [g.GroupName] : [])),
    versions: (c.Versions ?? []).flatMap((v) => (v.VersionId && !v.IsDefaultVersion ? [v.VersionId] : [])),
  };
};

/** `IAM user alice, IAM group admins`: the users of a policy this tool has no type for. */
const others = (users: readonly string[], groups: readonly string[]) => [...users.map((u) => `IAM user ${u}`), ...groups.map((g) => `IAM group ${g}`)].join(', ');

/**
 * A customer-managed IAM policy (AWS-managed ones are never matched). It uses nothing; the roles it is
 * attached to use it, and IAM names them all (ListEntitiesForPolicy): `usedBy`, so the usage check does not
 * list every role. IAM users and groups are no type of this tool: a policy attached to one is protected.
 * Delete detaches it from the roles the plan saw (they are deleted before it, so usually nothing is left),
 * deletes the non-default versions, then DeletePolicy.
 *
 * Tagging API: AWS documents that GetResources does not support IAM users and roles, and that only those
 * IAM resources can be tagged through it (Resource Groups Tagging API reference, "Services that support
 * the Resource Groups Tagging API"); policies are not returned (aws-semantics.md §1.5, moto neither):
 * found by ListPolicies (Scope=Local) + ListPolicyTags.
 */
export const iamPolicy: ResourceHandler = {
  type: 'iam:policy',
  description: 'IAM customer-managed policy (detaches it from the roles deleted with it, deletes old versions, then DeletePolicy; refuses one attached to an IAM user or group)',
  arnPattern: CUSTOMER_POLICY_ARN,
  client: 'iam',
  global: true,
  taggingApi: false,
  references: [],
  notFound: IAM_NOT_FOUND,
  reads: ['ListPolicies', 'ListPolicyTags', 'GetPolicy', 'GetPolicyVersion', 'ListPolicyVersions', 'ListEntitiesForPolicy', 'GetRole'],
  nameOf: (arn) => lastSegment(parseArn(arn)?.resource ?? arn),

  /** The account's own policies, attached or not (ListPolicies gives no tags: list discovery reads them). */
  async list(ctx, region) {
    const { paginateListPolicies } = await sdk();
    const client = await iamClient(ctx, region);
    const out: Listed[] = [];
    for await (const page of paginateListPolicies({ client, pageSize: IAM_PAGE }, { Scope: 'Local', OnlyAttached: false })) {
      for (const p of page.Policies ?? []) if (p.Arn && CUSTOMER_POLICY_ARN.test(p.Arn)) out.push({ arn: p.Arn });
    }
    return out;
  },

  async describe(ref, ctx, hint) {
    const { GetPolicyCommand } = await sdk();
    const client = await iamClient(ctx, ref.region);
    const PolicyArn = ref.arn;
    const got = await describeOrGone(IAM_NOT_FOUND, () => client.send(new GetPolicyCommand({ PolicyArn })));
    if (got === GONE) return GONE;
    // A not-found here is a policy deleted since GetPolicy.
    const more = await describeOrGone(IAM_NOT_FOUND, () => Promise.all([hint?.tags ?? policyTags(client, PolicyArn), versionsOf(client, PolicyArn), entitiesOf(client, PolicyArn)]));
    if (more === GONE) return GONE;
    const [tags, versions, entities] = more;
    const roles = await withArns(client, entities.PolicyRoles, await listedRoles(ctx, ref.region));
    return {
      tags,
      config: { Policy: got.Policy, Versions: versions, Entities: { ...entities, PolicyRoles: roles }, Tags: tags },
      uses: [],
      usedBy: { types: ['iam:role'], arns: roles.map((r) => r.Arn) },
    };
  },

  /** Each version's document (GetPolicyVersion), for the backup and `restore`: the plan needs only their ids. */
  async backupDetails(r, ctx) {
    const client = await iamClient(ctx, r.ref.region);
    const versions = (r.described.config as PolicyConfig).Versions ?? [];
    return { Versions: await withDocuments(client, r.ref.arn, versions) };
  },

  protect(r) {
    const { users, groups } = planned(r);
    return users.length + groups.length > 0 ? `attached to ${others(users, groups)}, which this tool does not delete` : undefined;
  },

  children(r): Child[] {
    const p = planned(r);
    return [...p.roles.map((x) => ({ kind: 'role-attachment', id: x.RoleName })), ...p.versions.map((id) => ({ kind: 'policy-version', id }))];
  },

  /** DetachRolePolicy is authorized on each role (deleted with it, so tagged too); the rest on the policy. */
  deleteActions: { tagged: ['iam:ListPolicyTags', 'iam:ListEntitiesForPolicy', 'iam:ListPolicyVersions', 'iam:DetachRolePolicy', 'iam:DeletePolicyVersion', 'iam:DeletePolicy'] },
  actions(r) {
    const arn = r.ref.arn;
    const p = planned(r);
    return [
      // The re-check, and the re-lists before the delete.
      ...onResource(arn, ['iam:ListPolicyTags', 'iam:ListEntitiesForPolicy', 'iam:ListPolicyVersions']),
      ...p.roles.map((x) => ({ action: 'iam:DetachRolePolicy', resource: x.Arn })),
      ...(p.versions.length > 0 ? onResource(arn, ['iam:DeletePolicyVersion']) : []),
      ...onResource(arn, ['iam:DeletePolicy']),
    ];
  },

  // The Tagging API's TagResources does not serve IAM: TagPolicy.
  async addTags(ref, ctx, tags) {
    const { TagPolicyCommand } = await sdk();
    const client = await iamClient(ctx, ref.region);
    await client.send(new TagPolicyCommand({ PolicyArn: ref.arn, Tags: tagList(tags) }));
  },

  async currentTags(ref, ctx) {
    const client = await iamClient(ctx, ref.region);
    return describeOrGone(IAM_NOT_FOUND, () => policyTags(client, ref.arn));
  },

  /**
   * Lists who uses it and its versions again. Anything attached since the plan (a role the usage check
   * did not see, a user, a group) stops the delete before any step: detaching it would change a resource
   * that stays. Then it is detached from the planned roles still attached, every non-default version is
   * deleted (including one made since the plan, which would make DeletePolicy fail), and DeletePolicy.
   */
  async delete(r, ctx, steps) {
    const s = await sdk();
    const client = await iamClient(ctx, r.ref.region);
    const PolicyArn = r.ref.arn;
    const [now, versions] = await Promise.all([entitiesOf(client, PolicyArn), versionsOf(client, PolicyArn)]);
    const plannedRoles = new Map(planned(r).roles.map((x) => [x.RoleId ?? x.RoleName, x]));
    const attached = now.PolicyRoles.flatMap((x) => (x.RoleName ? [{ RoleName: x.RoleName, key: x.RoleId ?? x.RoleName }] : []));
    const unplanned = attached.filter((x) => !plannedRoles.has(x.key)).map((x) => `IAM role ${x.RoleName}`);
    const users = now.PolicyUsers.flatMap((u) => (u.UserName ? [u.UserName] : []));
    const groups = now.PolicyGroups.flatMap((g) => (g.GroupName ? [g.GroupName] : []));
    const since = [...unplanned, ...(users.length + groups.length > 0 ? [others(users, groups)] : [])];
    if (since.length > 0) {
      throw Object.assign(new Error(`attached since the plan to ${since.join(', ')}, which the plan did not check: the policy is left as it is`), { name: 'AttachedSincePlan' });
    }
    await runEach(
      attached.map(({ RoleName }) => () =>
        steps.run({ name: 'detach-from-role', child: { kind: 'role-attachment', id: RoleName }, done: `detached from role ${RoleName}` }, () =>
          unlessGone(IAM_NOT_FOUND, () => client.send(new s.DetachRolePolicyCommand({ RoleName, PolicyArn }))),
        ),
      ),
    );
    await runEach(
      versions
        .flatMap((v) => (v.VersionId && !v.IsDefaultVersion ? [v.VersionId] : []))
        .map((VersionId) => () =>
          steps.run({ name: 'delete-version', child: { kind: 'policy-version', id: VersionId }, done: `deleted policy version ${VersionId}` }, () =>
            unlessGone(IAM_NOT_FOUND, () => client.send(new s.DeletePolicyVersionCommand({ PolicyArn, VersionId }))),
          ),
        ),
    );
    await steps.run({ name: 'delete', done: `deleted policy ${r.ref.name}` }, () => client.send(new s.DeletePolicyCommand({ PolicyArn })));
  },
};
