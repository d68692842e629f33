import type { IAMClient, InstanceProfile } from '@aws-sdk/client-iam';
import { sdkPackage } from '../aws/sdk.js';
import { lastSegment, parseArn } from '../aws/arn.js';
import { tagListToRecord } from '../tags.js';
import { describeOrGone, onResource, unlessGone } from './common.js';
import { GONE, type Listed, type LiveResource, type ResourceHandler } from './handler.js';
import { IAM_NOT_FOUND, IAM_PAGE, iamClient, runEach, tagList } from './iam-common.js';

const sdk = () => sdkPackage('@aws-sdk/client-iam');

async function getProfile(client: IAMClient, InstanceProfileName: string): Promise<InstanceProfile | undefined> {
  const { GetInstanceProfileCommand } = await sdk();
  return (await client.send(new GetInstanceProfileCommand({ InstanceProfileName }))).InstanceProfile;
}

const roleArns = (p: Pick<InstanceProfile, 'Roles'> | undefined): string[] => (p?.Roles ?? []).flatMap((r) => (r.Arn ? [r.Arn] : []));
const roleNames = (p: Pick<InstanceProfile, 'Roles'> | undefined): string[] => (p?.Roles ?? []).flatMap((r) => (r.RoleName ? [r.RoleName] : []));
/** The roles describe saw in it. */
const planned = (r: LiveResource): string[] => roleNames(r.described.config as Pick<InstanceProfile, 'Roles'>);

/**
 * An IAM instance profile. It uses the role in it: an untagged profile keeps the tagged role it holds,
 * and a deleted profile goes before its role. Delete removes the role from it (the role itself stays
 * unless it is deleted too), then DeleteInstanceProfile (which refuses a profile that holds a role).
 *
 * Tags come from GetInstanceProfile, whose InstanceProfile carries `Tags` (IAM API reference; Terraform's
 * aws_iam_instance_profile reads its tags from it): one call that also proves it exists and says which
 * role it holds. (ListInstanceProfileTags would say the same in more calls; moto 5.2.5 answers it with HTTP 500.)
 * ListInstanceProfiles gives each profile's role but, on AWS, no tags.
 *
 * Tagging API: AWS documents that only IAM users and roles can be tagged through it, and that GetResources
 * does not support them (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"); instance profiles are not returned (aws-semantics.md §1.5): always list-found.
 */
export const iamInstanceProfile: ResourceHandler = {
  type: 'iam:instance-profile',
  description: 'IAM instance profile (removes its role from it, then DeleteInstanceProfile; the role stays unless it is deleted too)',
  arnPattern: /^arn:[\w-]+:iam::\d{12}:instance-profile\/(?:[^/]+\/)*[^/]+$/,
  client: 'iam',
  global: true,
  taggingApi: false,
  references: ['iam:role'],
  notFound: IAM_NOT_FOUND,
  reads: ['ListInstanceProfiles', 'GetInstanceProfile'],
  nameOf: (arn) => lastSegment(parseArn(arn)?.resource ?? arn),

  /** Every profile, with the role in it (ListInstanceProfiles carries Roles): no readUses needed. */
  async list(ctx, region) {
    const { paginateListInstanceProfiles } = await sdk();
    const client = await iamClient(ctx, region);
    const out: Listed[] = [];
    for await (const page of paginateListInstanceProfiles({ client, pageSize: IAM_PAGE }, {})) {
      for (const p of page.InstanceProfiles ?? []) if (p.Arn) out.push({ arn: p.Arn, uses: roleArns(p) });
    }
    return out;
  },

  /** GetInstanceProfile alone: its tags come with it, so a hint saves nothing. */
  async describe(ref, ctx) {
    const client = await iamClient(ctx, ref.region);
    const profile = await describeOrGone(IAM_NOT_FOUND, () => getProfile(client, ref.name));
    if (profile === GONE) return GONE;
    const tags = tagListToRecord(profile?.Tags);
    return { tags, config: { ...profile, Tags: tags }, uses: roleArns(profile) };
  },

  children: (r) => planned(r).map((id) => ({ kind: 'role-membership', id })),

  deleteActions: { tagged: ['iam:GetInstanceProfile', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile'] },
  actions(r) {
    const arn = r.ref.arn;
    return [
      // The re-check, which is also the re-read of its role before the delete.
      ...onResource(arn, ['iam:GetInstanceProfile']),
      ...(planned(r).length > 0 ? onResource(arn, ['iam:RemoveRoleFromInstanceProfile']) : []),
      ...onResource(arn, ['iam:DeleteInstanceProfile']),
    ];
  },

  // The Tagging API's TagResources does not serve IAM: TagInstanceProfile.
  async addTags(ref, ctx, tags) {
    const { TagInstanceProfileCommand } = await sdk();
    const client = await iamClient(ctx, ref.region);
    await client.send(new TagInstanceProfileCommand({ InstanceProfileName: ref.name, Tags: tagList(tags) }));
  },

  async currentTags(ref, ctx) {
    const client = await iamClient(ctx, ref.region);
    const profile = await describeOrGone(IAM_NOT_FOUND, () => getProfile(client, ref.name));
    return profile === GONE ? GONE : tagListToRecord(profile?.Tags);
  },

  /**
   * Removes the roles it holds now (read again: the one the plan saw, or one put in since, which would
   * make the delete fail), each as a step, then DeleteInstanceProfile. Only roles it holds are removed:
   * removing one it does not hold is an error (HTTP 500 on moto).
   */
  async delete(r, ctx, steps) {
    const s = await sdk();
    const client = await iamClient(ctx, r.ref.region);
    const InstanceProfileName = r.ref.name;
    const now = await describeOrGone(IAM_NOT_FOUND, () => getProfile(client, InstanceProfileName));
    await runEach(
      (now === GONE ? [] : roleNames(now)).map((RoleName) => () =>
        steps.run({ name: 'remove-role', child: { kind: 'role-membership', id: RoleName }, done: `removed role ${RoleName}` }, () =>
          unlessGone(IAM_NOT_FOUND, () => client.send(new s.RemoveRoleFromInstanceProfileCommand({ InstanceProfileName, RoleName }))),
        ),
      ),
    );
    await steps.run({ name: 'delete', done: `deleted instance profile ${InstanceProfileName}` }, () => client.send(new s.DeleteInstanceProfileCommand({ InstanceProfileName })));
  },
};
