import { sdkPackage } from '../aws/sdk.js';
import type { AwsClients } from '../aws/clients.js';
import { describeError, errorName, isErrorNamed } from '../aws/errors.js';
import { NovaError } from '../errors.js';
import type { Identity } from '../model.js';

/** The shared config and credentials files as the SDK finds them, named as the user knows them. */
export function sharedFileNames(): { readonly config: string; readonly credentials: string } {
  const config = process.env.AWS_CONFIG_FILE;
  const credentials = process.env.AWS_SHARED_CREDENTIALS_FILE;
  return {
    config: config ? `${config} (AWS_CONFIG_FILE)` : '~/.aws/config',
    credentials: credentials ? `${credentials} (AWS_SHARED_CREDENTIALS_FILE)` : '~/.aws/credentials',
  };
}

/** The profile the SDK will use: `--profile`, else AWS_PROFILE; undefined when neither is set (the default chain). */
export function profileInUse(profile: string | undefined): { readonly name: string; readonly from: '--profile' | 'AWS_PROFILE' } | undefined {
  if (profile) return { name: profile, from: '--profile' };
  const env = process.env.AWS_PROFILE;
  return env ? { name: env, from: 'AWS_PROFILE' } : undefined;
}

/** A profile's settings, from the config file and the credentials file merged as the SDK merges them; undefined when it is in neither. */
export async function readProfile(name: string): Promise<Readonly<Record<string, string | undefined>> | undefined> {
  const { loadSharedConfigFiles } = await sdkPackage('@smithy/core/config');
  const { configFile, credentialsFile } = await loadSharedConfigFiles();
  const fromConfig = Object.hasOwn(configFile, name) ? configFile[name] : undefined;
  const fromCredentials = Object.hasOwn(credentialsFile, name) ? credentialsFile[name] : undefined;
  if (!fromConfig && !fromCredentials) return undefined;
  return { ...fromCredentials, ...fromConfig };
}

/** `--profile X` (or AWS_PROFILE=X) must name a profile of the shared files: else one line naming the files, before any AWS call. */
export async function checkProfile(profile: string | undefined): Promise<void> {
  const p = profileInUse(profile);
  if (!p || (await readProfile(p.name))) return;
  const files = sharedFileNames();
  throw new NovaError(`profile "${p.name}" (${p.from}) is not in ${files.config} nor in ${files.credentials}; check its name (\`aws configure list-profiles\` lists them) or create it with \`aws configure --profile ${p.name}\``);
}

const EXPIRED = ['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired'];
const REFUSED = ['InvalidClientTokenId', 'UnrecognizedClientException', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'IncompleteSignature', 'AuthFailure', 'InvalidSignatureException'];
const UNREACHABLE = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'TimeoutError'];

/** Why the caller could not be identified, in one line that says what to do. */
export async function identityProblem(err: unknown, profile: string | undefined, endpoint: string | undefined): Promise<string> {
  const p = profileInUse(profile);
  const where = p ? `profile ${p.name}` : 'the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)';
  const name = errorName(err);
  if (name === 'CredentialsProviderError' || name === 'TokenProviderError') {
    const settings = p ? await readProfile(p.name).catch(() => undefined) : undefined;
    if (p && settings && (settings.sso_session || settings.sso_start_url)) {
      return `the SSO session of profile ${p.name} has expired or was never started (no valid cached token): run \`aws sso login --profile ${p.name}\`, then run again`;
    }
    if (p && settings?.credential_process) {
      return `profile ${p.name}: its credential_process (${settings.credential_process}) gave no credentials; run that command yourself to see why`;
    }
    const sources = ['aws_access_key_id', 'credential_process', 'sso_session', 'sso_start_url', 'role_arn', 'web_identity_token_file', 'login_session'];
    if (p && settings && !sources.some((k) => settings[k])) {
      const files = sharedFileNames();
      return `profile ${p.name} has no credentials: neither ${files.credentials} nor ${files.config} gives it keys, a credential_process, an SSO session or a role; add them (\`aws configure --profile ${p.name}\`)`;
    }
    if (!p && /from any providers/i.test(describeError(err))) {
      const files = sharedFileNames();
      return `no AWS credentials found (not in the environment, ${files.credentials}, ${files.config} or the instance metadata): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile`;
    }
    return `the credentials of ${where} could not be loaded (${describeError(err)}); check ${p ? `the profile in ${sharedFileNames().config}` : 'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY'}`;
  }
  if (isErrorNamed(err, ...EXPIRED)) {
    return `the AWS credentials of ${where} have expired (${name}): get new ones${p ? ` (\`aws sso login --profile ${p.name}\` for an SSO profile)` : ' (a new AWS_SESSION_TOKEN)'} and run again`;
  }
  if (isErrorNamed(err, ...REFUSED)) {
    return `AWS refused the credentials of ${where} (${name}): the access key is unknown or the secret is wrong; check them, or use another profile`;
  }
  const code = networkCode(err);
  if (code && UNREACHABLE.includes(code)) {
    return `cannot reach STS${endpoint ? ` at ${endpoint}` : ''} (${code}): check --endpoint-url / AWS_ENDPOINT_URL and the network`;
  }
  return `cannot identify the caller (STS GetCallerIdentity): ${describeError(err)}`;
}

function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth += 1) {
    const x = e as { code?: unknown; name?: unknown };
    if (typeof x.code === 'string' && x.code) return x.code;
    if (x.name === 'TimeoutError') return 'TimeoutError';
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** STS GetCallerIdentity: who we are, and in which account. Needs no permission. */
export async function callerIdentity(aws: AwsClients, region: string): Promise<Identity> {
  const { GetCallerIdentityCommand } = await sdkPackage('@aws-sdk/client-sts');
  const sts = await aws.get('sts', region);
  let out;
  try {
    out = await sts.send(new GetCallerIdentityCommand({}));
  } catch (err) {
    throw new NovaError(await identityProblem(err, aws.settings.profile, aws.settings.endpoint ?? process.env.AWS_ENDPOINT_URL), 2, { cause: err });
  }
  if (!out.Account || !out.Arn) throw new NovaError('cannot identify the caller: STS GetCallerIdentity returned no account; check the endpoint (--endpoint-url)');
  return { account: out.Account, arn: out.Arn, userId: out.UserId ?? '' };
}

/** `--account`: the run stops unless the credentials belong to the expected account. */
export function checkAccount(identity: Identity, expected: string | undefined): void {
  if (expected !== undefined && expected !== identity.account) {
    throw new NovaError(`account guard: the credentials belong to account ${identity.account}, not ${expected} (--account); nothing was done`);
  }
}

/** The account's alias (IAM ListAccountAliases), if it has one and the caller may read it. */
export async function accountAlias(aws: AwsClients, region: string): Promise<string | undefined> {
  const { ListAccountAliasesCommand } = await sdkPackage('@aws-sdk/client-iam');
  try {
    const iam = await aws.get('iam', region, { maxAttempts: 2 });
    const out = await iam.send(new ListAccountAliasesCommand({}));
    return out.AccountAliases?.[0];
  } catch {
    return undefined; // not allowed to read it: the confirmation then asks for the account id
  }
}
