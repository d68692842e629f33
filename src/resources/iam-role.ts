import type { IAMClient } from '@aws-sdk/client-iam';
import pLimit from 'p-limit';
import { sdkPackage } from '../aws/sdk.js';
import { lastSegment, parseArn } from '../aws/arn.js';
import { describeError, isErrorNamed } from '../aws/errors.js';
import type { Tags } from '../model.js';
import { tagListToRecord } from '../tags.js';
import { describeOrGone, onResource, parseDocument, unlessGone } from './common.js';
import { GONE, type ActionNeed, type Child, type Listed, type LiveResource, type ResourceHandler, type Steps } from './handler.js';
import { CUSTOMER_POLICY_ARN, IAM_CONCURRENCY, IAM_NOT_FOUND, IAM_PAGE, iamClient, runEach, tagList } from './iam-common.js';

const sdk = () => sdkPackage('@aws-sdk/client-iam');
type Sdk = Awaited<ReturnType<typeof sdk>>;

/** `/` for `role/name`, `/a/b/` for `role/a/b/name`. */
export function rolePath(arn: string): string {
  const resource = parseArn(arn)?.resource ?? '';
  return resource.slice('role'.length, resource.lastIndexOf('/') + 1);
}

async function roleTags(client: IAMClient, RoleName: string): Promise<Tags> {
  const { paginateListRoleTags } = await sdk();
  const tags: { Key?: string | undefined; Value?: string | undefined }[] = [];
  for await (const page of paginateListRoleTags({ client, pageSize: IAM_PAGE }, { RoleName })) tags.push(...(page.Tags ?? []));
  return tagListToRecord(tags);
}

interface ManagedPolicy {
  PolicyArn?: string | undefined;
  PolicyName?: string | undefined;
}
interface Profile {
  InstanceProfileName?: string | undefined;
  InstanceProfileId?: string | undefined;
  Arn?: string | undefined;
  Path?: string | undefined;
}

/** What is attached to the role now: managed policies, inline policy names, instance profiles (all pages, in parallel). */
async function listAttachments(client: IAMClient, RoleName: string) {
  const s = await sdk();
  const managed: ManagedPolicy[] = [];
  const inline: string[] = [];
  const profiles: Profile[] = [];
  const opts = { client, pageSize: IAM_PAGE };
  await Promise.all([
    (async () => {
      for await (const p of s.paginateListAttachedRolePolicies(opts, { RoleName })) managed.push(...(p.AttachedPolicies ?? []));
    })(),
    (async () => {
      for await (const p of s.paginateListRolePolicies(opts, { RoleName })) inline.push(...(p.PolicyNames ?? []));
    })(),
    (async () => {
      for await (const p of s.paginateListInstanceProfilesForRole(opts, { RoleName })) {
        for (const ip of p.InstanceProfiles ?? []) {
          profiles.push({ InstanceProfileName: ip.InstanceProfileName, InstanceProfileId: ip.InstanceProfileId, Arn: ip.Arn, Path: ip.Path });
        }
      }
    })(),
  ]);
  return { managed, inline, profiles };
}

/** A managed policy's default version document, or the error text when it cannot be read (AWS-managed ones in emulators). */
async function managedPolicyDocument(client: IAMClient, PolicyArn: string): Promise<{ Document: unknown } | { Error: string }> {
  const { GetPolicyCommand, GetPolicyVersionCommand } = await sdk();
  try {
    const { Policy } = await client.send(new GetPolicyCommand({ PolicyArn }));
    const { PolicyVersion } = await client.send(new GetPolicyVersionCommand({ PolicyArn, VersionId: Policy?.DefaultVersionId }));
    return { Document: parseDocument(PolicyVersion?.Document, { urlEncoded: true }) };
  } catch (err) {
    return { Error: describeError(err) };
  }
}

/** An inline policy's document; none when it was deleted since it was listed (not a sign that the role is gone). */
async function inlinePolicy(client: IAMClient, RoleName: string, PolicyName: string) {
  const { GetRolePolicyCommand } = await sdk();
  const out = await describeOrGone(IAM_NOT_FOUND, () => client.send(new GetRolePolicyCommand({ RoleName, PolicyName })));
  return out === GONE ? [] : [{ PolicyName, PolicyDocument: parseDocument(out.PolicyDocument, { urlEncoded: true }) }];
}

/** The children a delete removes, by the names its calls take: policy ARNs, inline names, profiles (name and ARN). */
interface Attachments {
  readonly policies: readonly string[];
  readonly inline: readonly string[];
  readonly profiles: readonly { readonly name: string; readonly arn: string }[];
}

/** The parts of describe's config that say what is attached. */
interface AttachmentConfig {
  readonly AttachedPolicies?: readonly ManagedPolicy[];
  readonly InlinePolicies?: readonly { PolicyName?: string | undefined }[];
  readonly InstanceProfiles?: readonly Profile[];
}

function attachmentsOf(r: Pick<LiveResource, 'ref'>, a: AttachmentConfig): Attachments {
  const defined = <T>(xs: readonly (T | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined);
  const profileArn = (p: Profile, name: string) => p.Arn ?? `arn:${r.ref.partition}:iam::${r.ref.account}:instance-profile${p.Path ?? '/'}${name}`;
  return {
    policies: defined((a.AttachedPolicies ?? []).map((p) => p.PolicyArn)),
    inline: defined((a.InlinePolicies ?? []).map((p) => p.PolicyName)),
    profiles: defined((a.InstanceProfiles ?? []).map((p) => (p.InstanceProfileName ? { name: p.InstanceProfileName, arn: profileArn(p, p.InstanceProfileName) } : undefined))),
  };
}

/** What the plan saw attached (describe's config). */
const planned = (r: LiveResource): Attachments => attachmentsOf(r, r.described.config as AttachmentConfig);

/** Removes the attachments, each as its own step (see runEach). */
async function removeAttachments(s: Sdk, client: IAMClient, RoleName: string, a: Attachments, steps: Steps): Promise<void> {
  await runEach([
    ...a.policies.map((PolicyArn) => () =>
      steps.run({ name: 'detach-policy', child: { kind: 'managed-policy-attachment', id: PolicyArn }, done: `detached policy ${PolicyArn}` }, () =>
        unlessGone(IAM_NOT_FOUND, () => client.send(new s.DetachRolePolicyCommand({ RoleName, PolicyArn }))),
      ),
    ),
    ...a.inline.map((PolicyName) => () =>
      steps.run({ name: 'delete-inline-policy', child: { kind: 'inline-policy', id: PolicyName }, done: `deleted inline policy ${PolicyName}` }, () =>
        unlessGone(IAM_NOT_FOUND, () => client.send(new s.DeleteRolePolicyCommand({ RoleName, PolicyName }))),
      ),
    ),
    ...a.profiles.map(({ name }) => () =>
      steps.run(
        { name: 'remove-from-instance-profile', child: { kind: 'instance-profile-membership', id: name }, done: `removed from instance profile ${name}` },
        () => unlessGone(IAM_NOT_FOUND, () => client.send(new s.RemoveRoleFromInstanceProfileCommand({ RoleName, InstanceProfileName: name }))),
      ),
    ),
  ]);
}

/** The customer-managed policies among `arns`, once each (AWS-managed ones are no resource of this tool). */
const customerManaged = (arns: readonly (string | undefined)[]): string[] =>
  [...new Set(arns.filter((a): a is string => a !== undefined && CUSTOMER_POLICY_ARN.test(a)))];

/**
 * An IAM role. The Tagging API does not return roles: they are found by list discovery (ListRoles + ListRoleTags).
 * Service-linked and IAM Identity Center (SSO) roles are refused. Delete detaches managed policies,
 * deletes inline ones and removes the role from its instance profiles (the profiles themselves stay),
 * then DeleteRole.
 *
 * It uses its customer-managed policies (attached, and its permissions boundary): a role that stays keeps
 * them, and a deleted role goes before them. It is used by its instance profiles, which IAM lists
 * completely (ListInstanceProfilesForRole): `usedBy`, so that the usage check need not list every profile.
 */
export const iamRole: ResourceHandler = {
  type: 'iam:role',
  description: 'IAM role (detaches managed and deletes inline policies, leaves instance profiles, then DeleteRole)',
  arnPattern: /^arn:[\w-]+:iam::\d{12}:role\/(?:[^/]+\/)*[^/]+$/,
  client: 'iam',
  global: true,
  references: ['iam:policy'],
  notFound: IAM_NOT_FOUND,
  reads: [
    'GetRole',
    'ListRoles',
    'ListRoleTags',
    'ListAttachedRolePolicies',
    'ListRolePolicies',
    'ListInstanceProfilesForRole',
    'GetRolePolicy',
    'GetPolicy',
    'GetPolicyVersion',
  ],
  nameOf: (arn) => lastSegment(parseArn(arn)?.resource ?? arn),

  // AWS's Tagging API does not return IAM roles: list discovery (ListRoles, then ListRoleTags per role).
  taggingApi: false,

  async list(ctx, region) {
    const { paginateListRoles } = await sdk();
    const client = await iamClient(ctx, region);
    const roles: Listed[] = [];
    for await (const page of paginateListRoles({ client, pageSize: IAM_PAGE }, {})) {
      for (const r of page.Roles ?? []) if (r.Arn) roles.push({ arn: r.Arn, ...(r.RoleId ? { id: r.RoleId } : {}) });
    }
    return roles;
  },

  /** The customer-managed policies attached to it (ListAttachedRolePolicies, all pages): the one call that says what it uses. */
  async readUses(ref, ctx) {
    const { paginateListAttachedRolePolicies } = await sdk();
    const client = await iamClient(ctx, ref.region);
    return describeOrGone(IAM_NOT_FOUND, async () => {
      const arns: (string | undefined)[] = [];
      for await (const p of paginateListAttachedRolePolicies({ client, pageSize: IAM_PAGE }, { RoleName: ref.name })) arns.push(...(p.AttachedPolicies ?? []).map((x) => x.PolicyArn));
      return customerManaged(arns);
    });
  },

  async describe(ref, ctx, hint) {
    const { GetRoleCommand } = await sdk();
    const client = await iamClient(ctx, ref.region);
    const RoleName = ref.name;
    const got = await describeOrGone(IAM_NOT_FOUND, () => client.send(new GetRoleCommand({ RoleName })));
    if (got === GONE) return GONE;
    // A not-found here is a role deleted since GetRole.
    const more = await describeOrGone(IAM_NOT_FOUND, () => Promise.all([hint?.tags ?? roleTags(client, RoleName), listAttachments(client, RoleName)]));
    if (more === GONE) return GONE;
    const [tags, { managed, inline, profiles }] = more;
    const { Role } = got;
    return {
      tags,
      config: {
        Role: { ...Role, AssumeRolePolicyDocument: parseDocument(Role?.AssumeRolePolicyDocument, { urlEncoded: true }) },
        AttachedPolicies: managed,
        InlinePolicies: inline.map((PolicyName) => ({ PolicyName })),
        InstanceProfiles: profiles,
        Tags: tags,
      },
      uses: customerManaged([...managed.map((p) => p.PolicyArn), Role?.PermissionsBoundary?.PermissionsBoundaryArn]),
      usedBy: { types: ['iam:instance-profile'], arns: attachmentsOf({ ref }, { InstanceProfiles: profiles }).profiles.map((p) => p.arn) },
    };
  },

  /**
   * The policy documents, for the backup: each attached managed policy's default version (what the role
   * could do; `restore` re-attaches by ARN, and one that cannot be read, an AWS-managed one in an
   * emulator, is kept with the error instead) and each inline policy (`restore` puts it back). The plan
   * needs only their ARNs and names.
   */
  async backupDetails(r, ctx) {
    const client = await iamClient(ctx, r.ref.region);
    const config = r.described.config as { AttachedPolicies?: readonly { PolicyArn?: string | undefined }[]; InlinePolicies?: readonly { PolicyName: string }[] };
    const limit = pLimit(IAM_CONCURRENCY);
    const [AttachedPolicies, inline] = await Promise.all([
      limit.map(config.AttachedPolicies ?? [], async (p) => ({ ...p, ...(p.PolicyArn ? await managedPolicyDocument(client, p.PolicyArn) : {}) })),
      limit.map(config.InlinePolicies ?? [], ({ PolicyName }) => inlinePolicy(client, r.ref.name, PolicyName)),
    ]);
    return { AttachedPolicies, InlinePolicies: inline.flat() };
  },

  protect(r) {
    const path = rolePath(r.ref.arn);
    if (path.startsWith('/aws-service-role/')) return `service-linked role (path ${path}): only its AWS service may delete it`;
    if (path.startsWith('/aws-reserved/')) return `IAM Identity Center (SSO) role (path ${path}): managed by IAM Identity Center`;
    return undefined;
  },

  lastUsedRegion(r) {
    const role = r.described.config.Role as { RoleLastUsed?: { Region?: string } } | undefined;
    return role?.RoleLastUsed?.Region || undefined;
  },

  children(r): Child[] {
    const a = planned(r);
    return [
      ...a.policies.map((id) => ({ kind: 'managed-policy-attachment', id })),
      ...a.inline.map((id) => ({ kind: 'inline-policy', id })),
      ...a.profiles.map(({ name }) => ({ kind: 'instance-profile-membership', id: name })),
    ];
  },

  /** Everything on the role, except RemoveRoleFromInstanceProfile, which is authorized on the profile (maybe untagged). */
  deleteActions: {
    tagged: ['iam:ListRoleTags', 'iam:DetachRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies', 'iam:ListInstanceProfilesForRole', 'iam:DeleteRole'],
    held: ['iam:RemoveRoleFromInstanceProfile'],
  },
  actions(r): ActionNeed[] {
    const arn = r.ref.arn;
    const a = planned(r);
    return [
      ...onResource(arn, ['iam:ListRoleTags']),
      ...(a.policies.length > 0 ? onResource(arn, ['iam:DetachRolePolicy']) : []),
      ...(a.inline.length > 0 ? onResource(arn, ['iam:DeleteRolePolicy']) : []),
      ...a.profiles.map((p) => ({ action: 'iam:RemoveRoleFromInstanceProfile', resource: p.arn })),
      // The re-list after a DeleteConflict, then the delete.
      ...onResource(arn, ['iam:ListAttachedRolePolicies', 'iam:ListRolePolicies', 'iam:ListInstanceProfilesForRole', 'iam:DeleteRole']),
    ];
  },

  // The Tagging API's TagResources does not serve IAM: TagRole.
  async addTags(ref, ctx, tags) {
    const { TagRoleCommand } = await sdk();
    const client = await iamClient(ctx, ref.region);
    await client.send(new TagRoleCommand({ RoleName: ref.name, Tags: tagList(tags) }));
  },

  async currentTags(ref, ctx) {
    const client = await iamClient(ctx, ref.region);
    return describeOrGone(IAM_NOT_FOUND, () => roleTags(client, ref.name));
  },

  /**
   * Removes what the plan saw attached, then DeleteRole. The client already retries a DeleteConflict a
   * few times (IAM's eventual consistency after a detach); one that remains means something was attached
   * since the plan: the attachments are listed again, removed, and DeleteRole is sent once more.
   */
  async delete(r, ctx, steps) {
    const s = await sdk();
    const client = await iamClient(ctx, r.ref.region);
    const RoleName = r.ref.name;
    const deleteRole = () => steps.run({ name: 'delete' }, () => client.send(new s.DeleteRoleCommand({ RoleName })));
    await removeAttachments(s, client, RoleName, planned(r), steps);
    try {
      await deleteRole();
    } catch (err) {
      if (!isErrorNamed(err, 'DeleteConflict')) throw err;
      const now = await listAttachments(client, RoleName);
      await removeAttachments(s, client, RoleName, attachmentsOf(r, { AttachedPolicies: now.managed, InlinePolicies: now.inline.map((PolicyName) => ({ PolicyName })), InstanceProfiles: now.profiles }), steps);
      await deleteRole();
    }
  },
};
