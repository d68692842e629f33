import { z } from 'zod';
import { sdkPackage } from '../aws/sdk.js';
import { documentText, found, obj, optNum, optStr, restorer, SETTLE_ATTEMPTS, tagList } from './restorer.js';

const sdk = () => sdkPackage('@aws-sdk/client-iam');
const NOT_FOUND = ['NoSuchEntity', 'NoSuchEntityException'];

const schema = obj({
  Role: obj({
    RoleName: z.string(),
    Path: optStr,
    AssumeRolePolicyDocument: z.unknown(),
    Description: optStr,
    MaxSessionDuration: optNum,
    PermissionsBoundary: obj({ PermissionsBoundaryArn: optStr }).nullish(),
  }),
  AttachedPolicies: z.array(obj({ PolicyArn: optStr })),
  InlinePolicies: z.array(obj({ PolicyName: z.string(), PolicyDocument: z.unknown() })),
  InstanceProfiles: z.array(obj({ InstanceProfileName: optStr })).optional(),
});

/**
 * An IAM role: trust policy, path, description, maximum session, permissions boundary and tags
 * (CreateRole), then its managed policies (AttachRolePolicy: customer-managed ones of the backup are
 * re-created before it) and inline policies (PutRolePolicy).
 */
export const iamRoleRestorer = restorer({
  type: 'iam:role',
  order: 1,
  schema,
  async exists(e, c, ctx) {
    const { GetRoleCommand } = await sdk();
    const client = await ctx.aws.get('iam', e.region);
    return found(NOT_FOUND, () => client.send(new GetRoleCommand({ RoleName: c.Role.RoleName })));
  },
  lost: (_e, c) => {
    const profiles = (c.InstanceProfiles ?? []).flatMap((p) => (p.InstanceProfileName ? [p.InstanceProfileName] : []));
    return profiles.length ? [`membership of instance profiles ${profiles.join(', ')} (instance profiles are not restored)`] : [];
  },
  async restore(e, c, ctx) {
    const s = await sdk();
    const client = await ctx.aws.get('iam', e.region);
    const RoleName = c.Role.RoleName;
    const tags = tagList(e.tags);
    const boundary = c.Role.PermissionsBoundary?.PermissionsBoundaryArn;
    await client.send(
      new s.CreateRoleCommand({
        RoleName,
        Path: c.Role.Path ?? '/',
        AssumeRolePolicyDocument: documentText(c.Role.AssumeRolePolicyDocument),
        ...(c.Role.Description ? { Description: c.Role.Description } : {}),
        ...(c.Role.MaxSessionDuration ? { MaxSessionDuration: c.Role.MaxSessionDuration } : {}),
        ...(boundary ? { PermissionsBoundary: boundary } : {}),
        ...(tags.length ? { Tags: tags } : {}),
      }),
    );
    // A policy created a moment ago may not be visible yet: the SDK retries NoSuchEntity (clients.ts).
    const settling = await ctx.aws.get('iam', e.region, { maxAttempts: SETTLE_ATTEMPTS });
    for (const { PolicyArn } of c.AttachedPolicies) {
      if (PolicyArn) await settling.send(new s.AttachRolePolicyCommand({ RoleName, PolicyArn }));
    }
    for (const p of c.InlinePolicies) {
      await client.send(new s.PutRolePolicyCommand({ RoleName, PolicyName: p.PolicyName, PolicyDocument: documentText(p.PolicyDocument) }));
    }
  },
});
