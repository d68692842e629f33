import type { IAMClient } from '@aws-sdk/client-iam';
import pLimit from 'p-limit';
import { lastSegment, parseArn } from '../aws/arn.js';
import { describeError, isNotFound } from '../aws/errors.js';
import type { ResourceRef, Tags } from '../model.js';
import { matchesTags, tagListToRecord } from '../tags.js';
import { parseDocument } from './common.js';
import { GONE, type HandlerContext, type Hit, type ResourceHandler } from './handler.js';

const sdk = () => import('@aws-sdk/client-iam');

/** IAM's page limit (MaxItems), and how many IAM calls one role runs at once. */
const PAGE = 1000;
const CONCURRENCY = 8;

/** IAM is global: the client of whatever region the ref carries (the run's first region). */
const iam = (ctx: HandlerContext, region: string): Promise<IAMClient> => ctx.aws.get('iam', region);

/** `/` for `role/name`, `/a/b/` for `role/a/b/name`. */
export function rolePath(arn: string): string {
  const resource = parseArn(arn)?.resource ?? '';
  return resource.slice('role'.length, resource.lastIndexOf('/') + 1);
}

/** Runs a call that may find its target already removed: not-found is fine (nothing left to do). */
async function unlessGone(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

async function roleTags(client: IAMClient, RoleName: string): Promise<Tags> {
  const { paginateListRoleTags } = await sdk();
  const tags: { Key?: string; Value?: string }[] = [];
  for await (const page of paginateListRoleTags({ client, pageSize: PAGE }, { RoleName })) tags.push(...(page.Tags ?? []));
  return tagListToRecord(tags);
}

/** What is attached to the role now: managed policy ARNs, inline policy names, instance profiles. */
async function attachments(client: IAMClient, RoleName: string) {
  const s = await sdk();
  const managed: { PolicyArn?: string | undefined; PolicyName?: string | undefined }[] = [];
  const inline: string[] = [];
  const profiles: { InstanceProfileName?: string | undefined; InstanceProfileId?: string | undefined; Arn?: string | undefined; Path?: string | undefined }[] = [];
  const opts = { client, pageSize: PAGE };
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

/**
 * An IAM role. The Tagging API does not return roles, so `discover` lists them (ListRoles + ListRoleTags).
 * Service-linked and IAM Identity Center (SSO) roles are refused. Delete detaches managed policies,
 * deletes inline ones and removes the role from its instance profiles (the profiles themselves stay),
 * then DeleteRole.
 */
export const iamRole: ResourceHandler = {
  type: 'iam:role',
  description: 'IAM role (detaches managed and deletes inline policies, leaves instance profiles, then DeleteRole)',
  arnPattern: /^arn:[\w-]+:iam::\d{12}:role\/(?:[^/]+\/)*[^/]+$/,
  dependsOn: [],
  global: true,
  actions: [
    'iam:GetRole',
    'iam:ListRoleTags',
    'iam:ListAttachedRolePolicies',
    'iam:ListRolePolicies',
    'iam:GetRolePolicy',
    'iam:ListInstanceProfilesForRole',
    'iam:GetPolicy',
    'iam:GetPolicyVersion',
    'iam:DetachRolePolicy',
    'iam:DeleteRolePolicy',
    'iam:RemoveRoleFromInstanceProfile',
    'iam:DeleteRole',
  ],
  /** Policy reads are authorized on the policy, RemoveRoleFromInstanceProfile on the profile. */
  simulationResource(arn, action) {
    const a = parseArn(arn);
    if (!a) return arn;
    if (action === 'iam:GetPolicy' || action === 'iam:GetPolicyVersion') return `arn:${a.partition}:iam::${a.account}:policy/*`;
    if (action === 'iam:RemoveRoleFromInstanceProfile') return `arn:${a.partition}:iam::${a.account}:instance-profile/*`;
    return arn;
  },
  nameOf: (arn) => lastSegment(parseArn(arn)?.resource ?? arn),

  protect(ref: ResourceRef) {
    const path = rolePath(ref.arn);
    if (path.startsWith('/aws-service-role/')) return `service-linked role (path ${path}): only its AWS service may delete it`;
    if (path.startsWith('/aws-reserved/')) return `IAM Identity Center (SSO) role (path ${path}): managed by IAM Identity Center`;
    return undefined;
  },

  async discover(ctx, filters, region) {
    const { paginateListRoles } = await sdk();
    const client = await iam(ctx, region);
    const roles: { Arn: string; RoleName: string }[] = [];
    for await (const page of paginateListRoles({ client, pageSize: PAGE }, {})) {
      for (const r of page.Roles ?? []) if (r.Arn && r.RoleName) roles.push({ Arn: r.Arn, RoleName: r.RoleName });
    }
    const tagged = await pLimit(CONCURRENCY).map(roles, async (r): Promise<Hit | undefined> => {
      try {
        const tags = await roleTags(client, r.RoleName);
        return matchesTags(tags, filters) ? { arn: r.Arn, tags, region } : undefined;
      } catch (err) {
        if (isNotFound(err)) return undefined; // deleted since it was listed
        throw err;
      }
    });
    return tagged.filter((h): h is Hit => h !== undefined);
  },

  async describe(ref, ctx) {
    const { GetRoleCommand, GetRolePolicyCommand } = await sdk();
    const client = await iam(ctx, ref.region);
    const RoleName = ref.name;
    const limit = pLimit(CONCURRENCY);
    try {
      const { Role } = await client.send(new GetRoleCommand({ RoleName }));
      const [tags, { managed, inline, profiles }] = await Promise.all([roleTags(client, RoleName), attachments(client, RoleName)]);
      const [attached, inlinePolicies] = await Promise.all([
        limit.map(managed, async (p) => ({ ...p, ...(p.PolicyArn ? await managedPolicyDocument(client, p.PolicyArn) : {}) })),
        limit.map(inline, async (PolicyName) => {
          try {
            const out = await client.send(new GetRolePolicyCommand({ RoleName, PolicyName }));
            return [{ PolicyName, PolicyDocument: parseDocument(out.PolicyDocument, { urlEncoded: true }) }];
          } catch (err) {
            if (isNotFound(err)) return []; // deleted since it was listed: not a sign that the role is gone
            throw err;
          }
        }),
      ]);
      return {
        tags,
        config: {
          Role: { ...Role, AssumeRolePolicyDocument: parseDocument(Role?.AssumeRolePolicyDocument, { urlEncoded: true }) },
          AttachedPolicies: attached,
          InlinePolicies: inlinePolicies.flat(),
          InstanceProfiles: profiles,
          Tags: tags,
        },
        uses: [],
      };
    } catch (err) {
      if (isNotFound(err)) return GONE;
      throw err;
    }
  },

  async currentTags(ref, ctx) {
    try {
      return await roleTags(await iam(ctx, ref.region), ref.name);
    } catch (err) {
      if (isNotFound(err)) return GONE;
      throw err;
    }
  },

  async delete(ref, ctx) {
    const s = await sdk();
    const client = await iam(ctx, ref.region);
    const RoleName = ref.name;
    const { managed, inline, profiles } = await attachments(client, RoleName);
    const limit = pLimit(CONCURRENCY);
    await Promise.all([
      ...managed.map((p) => limit(() => unlessGone(() => client.send(new s.DetachRolePolicyCommand({ RoleName, PolicyArn: p.PolicyArn }))))),
      ...inline.map((PolicyName) => limit(() => unlessGone(() => client.send(new s.DeleteRolePolicyCommand({ RoleName, PolicyName }))))),
      ...profiles.map((ip) =>
        limit(() => unlessGone(() => client.send(new s.RemoveRoleFromInstanceProfileCommand({ RoleName, InstanceProfileName: ip.InstanceProfileName })))),
      ),
    ]);
    await client.send(new s.DeleteRoleCommand({ RoleName }));
  },
};
