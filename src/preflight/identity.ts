import type { AwsClients } from '../aws/clients.js';
import { describeError } from '../aws/errors.js';
import { NovaError } from '../errors.js';
import type { Identity } from '../model.js';

/** STS GetCallerIdentity: who we are, and in which account. Needs no permission. */
export async function callerIdentity(aws: AwsClients, region: string): Promise<Identity> {
  const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const sts = await aws.get('sts', region);
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (!out.Account || !out.Arn) throw new Error('GetCallerIdentity returned no account');
    return { account: out.Account, arn: out.Arn, userId: out.UserId ?? '' };
  } catch (err) {
    throw new NovaError(`cannot identify the caller (STS GetCallerIdentity): ${describeError(err)}`, 2, { cause: err });
  }
}

/** `--account`: the run stops unless the credentials belong to the expected account. */
export function checkAccount(identity: Identity, expected: string | undefined): void {
  if (expected !== undefined && expected !== identity.account) {
    throw new NovaError(`account guard: the credentials belong to account ${identity.account}, not ${expected} (--account); nothing was done`);
  }
}

/** The account's alias (IAM ListAccountAliases), if it has one and the caller may read it. */
export async function accountAlias(aws: AwsClients, region: string): Promise<string | undefined> {
  const { ListAccountAliasesCommand } = await import('@aws-sdk/client-iam');
  try {
    const iam = await aws.get('iam', region, { maxAttempts: 2 });
    const out = await iam.send(new ListAccountAliasesCommand({}));
    return out.AccountAliases?.[0];
  } catch {
    return undefined; // not allowed to read it: the confirmation then asks for the account id
  }
}
