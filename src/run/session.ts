import { AwsClients, defaultRegion, readOnlyOperations } from '../aws/clients.js';
import { cappedLimits, Throughput, type ConcurrencyCaps } from '../aws/throughput.js';
import { NovaError, withCode } from '../errors.js';
import { accountAlias, callerIdentity, checkAccount, checkProfile, profileInUse, sharedFileNames } from '../preflight/identity.js';
import { regionInfo } from '../aws/regions.js';
import { validateRegions } from '../preflight/regions.js';
import type { HandlerContext, TypeSettings } from '../resources/handler.js';
import { enabledRegions } from '../discovery/usage.js';
import { describeError } from '../aws/errors.js';
import type { ProtectRules } from '../plan/scope.js';
import type { Registry } from '../resources/registry.js';
import type { Ui } from '../ui/ui.js';
import { checkAccountLists, checkProdAlias, needsAlias, type AccountPolicy } from './guards.js';
import type { RunEnv, Who } from './gather.js';

export interface Session {
  readonly env: RunEnv;
  readonly who: Who;
  readonly regions: readonly string[];
  close(): Promise<void>;
}


/** What a session needs of the AWS options (the CLI's parsed AwsOptions carry it). */
export interface SessionAws {
  readonly profile?: string | undefined;
  readonly endpointUrl?: string | undefined;
  /** `--account`: refuse any other. */
  readonly account?: string | undefined;
  readonly waitTimeout: number;
  readonly debug?: boolean | undefined;
  readonly accountPolicy?: AccountPolicy | undefined;
  /** `--protect-arn` / `--protect-name` / the config file's `protect`: what the scope never deletes. */
  readonly protect?: ProtectRules | undefined;
  /** `--concurrency` / the config file's `concurrency`: lower bounds for the throughput table. */
  readonly concurrency?: ConcurrencyCaps | undefined;
}

/**
 * Preflight shared by every command that calls AWS: regions (offline), clients (read-only ones in a
 * dry run), STS caller identity, the account guards (--account, --allow-account, --block-account), and
 * the account's alias (an alias containing "prod" is refused unless --allow-prod-alias).
 */
export async function openSession(o: {
  readonly aws: SessionAws;
  readonly regions: readonly string[];
  readonly readOnly: boolean;
  readonly ui: Ui;
  readonly signal: AbortSignal;
  readonly registry: Registry;
  readonly clients?: AwsClients | undefined;
  readonly wantAlias?: boolean;
  /** Every region enabled for the account, read after the identity check (from the home region). */
  readonly allRegions?: boolean;
  readonly settings?: TypeSettings | undefined;
}): Promise<Session> {
  // A profile that is not there is named as such, before "no region" or "no credentials" could hide it.
  await checkProfile(o.aws.profile);
  let regions = [...o.regions];
  if (regions.length === 0) regions = [await homeRegion(o.aws.profile)];
  const { partition } = validateRegions(regions);
  const aws =
    o.clients ??
    new AwsClients({
      profile: o.aws.profile,
      endpoint: o.aws.endpointUrl,
      readOnly: o.readOnly ? readOnlyOperations(o.registry.reads) : undefined,
    });
  if (o.aws.debug) {
    aws.calls.onAttempt((e) =>
      o.ui.debug(`${e.service} ${e.operation} ${e.region} attempt ${e.attempt}: ${e.error ? `${e.error}${e.throttled ? ' (throttled)' : ''}` : 'ok'}${e.status ? ` HTTP ${e.status}` : ''} ${Math.round(e.ms)} ms`),
    );
  }
  const close = async () => {
    if (!o.clients) await aws.destroy();
  };
  try {
    const home = regions[0] as string;
    const identity = await withCode('preflight', () => callerIdentity(aws, home));
    o.ui.info(`Account ${identity.account} as ${identity.arn}`);
    await withCode('guard', () => {
      checkAccount(identity, o.aws.account);
      checkAccountLists(identity.account, o.aws.accountPolicy);
    });
    // A dry run reads the alias too: it refuses what the real run would refuse.
    const alias = o.wantAlias || needsAlias(o.aws.accountPolicy, identity.account) ? await withCode('preflight', () => accountAlias(aws, home)) : undefined;
    await withCode('guard', () => checkProdAlias(identity.account, alias, o.aws.accountPolicy));
    if (o.allRegions) {
      try {
        regions = await enabledRegions(aws, home, partition);
      } catch (err) {
        throw new NovaError(`--all-regions: the regions enabled for the account could not be listed (EC2 DescribeRegions: ${describeError(err)})`, undefined, { code: 'preflight' });
      }
      // The home region first (IAM, STS): the one the config chain named.
      regions = [home, ...regions.filter((r) => r !== home)];
      o.ui.info(`All ${regions.length} regions enabled for the account: ${regions.join(', ')}`);
    }
    // Waiters get no abort signal: after the first Ctrl-C the deletes in flight are seen through to the end.
    const ctx: HandlerContext = { aws, waitTimeoutSeconds: o.aws.waitTimeout, settings: o.settings };
    const env: RunEnv = { aws, ctx, throughput: new Throughput(cappedLimits(o.aws.concurrency)), registry: o.registry, ui: o.ui, signal: o.signal, protect: o.aws.protect };
    return { env, who: { identity, partition, alias }, regions, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The region of a run given no --region, as the AWS CLI finds it: AWS_REGION, then AWS_DEFAULT_REGION,
 * then the profile's `region` (--profile, else AWS_PROFILE, else default). Checked offline, naming where it came from.
 */
export async function homeRegion(profile: string | undefined): Promise<string> {
  const p = profileInUse(profile);
  const fromProfile = `the region of profile ${p?.name ?? 'default'} in ${sharedFileNames().config}`;
  const [region, from] = process.env.AWS_REGION
    ? [process.env.AWS_REGION, 'AWS_REGION']
    : process.env.AWS_DEFAULT_REGION
      ? [process.env.AWS_DEFAULT_REGION, 'AWS_DEFAULT_REGION']
      : [await defaultRegion(profile), fromProfile];
  if (!region) {
    throw new NovaError(`no region: pass --region (repeatable or comma-separated) or --all-regions, or set AWS_REGION, AWS_DEFAULT_REGION or ${fromProfile}`);
  }
  if (!regionInfo(region)) throw new NovaError(`unknown region "${region}" (from ${from}; not in the AWS SDK's region list): correct it, or pass --region`);
  return region;
}
