import { z } from 'zod';
import { sdkPackage } from '../aws/sdk.js';
import { documentText, found, obj, optStr, restorer, tagList } from './restorer.js';

const sdk = () => sdkPackage('@aws-sdk/client-iam');

const schema = obj({
  Policy: obj({ PolicyName: z.string(), Path: optStr, Description: optStr, DefaultVersionId: optStr }),
  Versions: z.array(obj({ VersionId: optStr, IsDefaultVersion: z.boolean().nullish(), Document: z.unknown() })),
});

/** A customer-managed policy: its default version's document, path, description and tags (CreatePolicy). */
export const iamPolicyRestorer = restorer({
  type: 'iam:policy',
  order: 0,
  schema,
  async exists(e, _c, ctx) {
    const { GetPolicyCommand } = await sdk();
    const client = await ctx.aws.get('iam', e.region);
    return found(['NoSuchEntity', 'NoSuchEntityException'], () => client.send(new GetPolicyCommand({ PolicyArn: e.arn })));
  },
  lost: (_e, c) => {
    const old = c.Versions.filter((v) => !v.IsDefaultVersion).length;
    return old > 0 ? [`${old} non-default policy versions (only the default version's document is re-created, as version v1)`] : [];
  },
  async restore(e, c, ctx) {
    const { CreatePolicyCommand } = await sdk();
    const client = await ctx.aws.get('iam', e.region);
    const byDefault = c.Versions.find((v) => v.IsDefaultVersion) ?? c.Versions.find((v) => v.VersionId === c.Policy.DefaultVersionId);
    if (!byDefault) throw new Error('the backup holds no default version document');
    const tags = tagList(e.tags);
    await client.send(
      new CreatePolicyCommand({
        PolicyName: c.Policy.PolicyName,
        Path: c.Policy.Path ?? '/',
        PolicyDocument: documentText(byDefault.Document),
        ...(c.Policy.Description ? { Description: c.Policy.Description } : {}),
        ...(tags.length ? { Tags: tags } : {}),
      }),
    );
  },
});
