import { arnKey } from '../aws/arn.js';
import type { AwsClients } from '../aws/clients.js';
import { describeError, isNoEndpoint } from '../aws/errors.js';
import type { Throughput } from '../aws/throughput.js';
import type { ResourceRef } from '../model.js';
import type { Hold, User } from '../plan/scope.js';
import { clientOf, GONE, type HandlerContext, type ResourceHandler } from '../resources/handler.js';
import type { Registry } from '../resources/registry.js';
import { Listings } from './listings.js';

export { enabledRegions } from './listings.js';
import { refOf } from './reconcile.js';

export interface UsageScan {
  /** Every live resource of a type that may use a candidate, with what it uses. */
  readonly users: User[];
  readonly holds: Hold[];
  /** Regions where users were looked for (all enabled regions when a global candidate was checked). */
  readonly examinedRegions: readonly string[];
  /** Calls it made, for the benchmark: list pages are counted by the SDK; here, listings and reads. */
  readonly listings: number;
  readonly reads: number;
  /** Types whose service has no endpoint in a region (its hostname does not resolve): nothing there to look at. */
  readonly unavailable?: readonly string[];
}

export interface UsageOptions {
  readonly registry: Registry;
  readonly ctx: HandlerContext;
  readonly aws: AwsClients;
  readonly throughput: Throughput;
  /** Candidates: resources that may be deleted if nothing that stays uses them. */
  readonly candidates: readonly ResourceRef[];
  /** What the run already read: the uses of every described resource, by arnKey (reused, never read twice). */
  readonly known: ReadonlyMap<string, readonly string[]>;
  /**
   * A candidate's own service's complete answer of who uses it (IAM's ListEntitiesForPolicy), by
   * arnKey: its users of those types are taken from it, and those types are not listed for it.
   */
  readonly usedBy?: ReadonlyMap<string, { readonly types: readonly string[]; readonly arns: readonly string[] }>;
  /** User types not to list (`--assume-absent`). */
  readonly skip?: ((type: string) => boolean) | undefined;
  /** The run's regions; the first is home (IAM, EC2 DescribeRegions). */
  readonly regions: readonly string[];
  readonly partition: string;
  /** The run's listings (each type and region listed once per run, maybe started early); a new one when absent. */
  readonly listings?: Listings | undefined;
}

/** The (user type, region) listings the usage check of these candidates needs, each once. */
export function usageJobs(
  registry: Registry,
  candidates: readonly Pick<ResourceRef, 'arn' | 'type' | 'region'>[],
  o: { readonly home: string; readonly examined: readonly string[]; readonly skip?: ((type: string) => boolean) | undefined; readonly answered?: (c: Pick<ResourceRef, 'arn'>, userType: string) => boolean },
): Map<string, { handler: ResourceHandler; region: string }> {
  const jobs = new Map<string, { handler: ResourceHandler; region: string }>();
  const targetTypes = new Set(candidates.map((c) => c.type).filter((t) => registry.referenceable.has(t)));
  for (const t of targetTypes) {
    const target = registry.byType(t);
    const ofType = candidates.filter((c) => c.type === t);
    for (const u of registry.usersOf(t)) {
      if (o.skip?.(u.type)) continue;
      const open = ofType.filter((c) => !o.answered?.(c, u.type));
      if (open.length === 0) continue;
      const regions = target?.global ? o.examined : [...new Set(open.map((c) => c.region))];
      for (const region of u.global ? [o.home] : regions) jobs.set(`${u.type}|${region}`, { handler: u, region });
    }
  }
  return jobs;
}

/**
 * Starts, without waiting, the listings the usage and owner checks of these (probable) candidates will
 * need, so that they run while the candidates are described. Only reads; what they find is decided on
 * later by {@link scanUsers} and {@link scanOwners}, which take the same listings.
 */
export function prefetchUsage(o: {
  readonly registry: Registry;
  readonly aws: AwsClients;
  readonly listings: Listings;
  readonly candidates: readonly Pick<ResourceRef, 'arn' | 'type' | 'region'>[];
  readonly regions: readonly string[];
  readonly partition: string;
  readonly skip?: ((type: string) => boolean) | undefined;
}): void {
  const home = o.regions[0] ?? 'us-east-1';
  if (o.candidates.length === 0) return;
  const global = o.candidates.some((c) => o.registry.byType(c.type)?.global);
  const start = (examined: readonly string[]) => {
    for (const { handler, region } of usageJobs(o.registry, o.candidates, { home, examined, skip: o.skip }).values()) void o.listings.list(handler, region);
    const ownerRegions = global ? examined : [...new Set(o.candidates.map((c) => c.region))];
    for (const h of o.registry.handlers) if (h.listOwned && !o.skip?.(h.type)) for (const region of ownerRegions) void o.listings.listOwned(h, region);
  };
  if (!global) return start(o.regions);
  o.listings.enabledRegions(o.aws, home, o.partition).then(start, () => start(o.regions));
}

/**
 * Who uses each candidate, from the live account: for every candidate type that others may reference,
 * every resource of every supported type that can reference it is listed, in the candidate's region, or
 * in every region enabled for the account when the candidate is global (IAM). The decision then depends
 * only on the account's state, not on the path discovery took. Listings use the maximum page size;
 * what discovery and describe already read is reused. A listing or read that fails holds back what its
 * type may use.
 */
export async function scanUsers(o: UsageOptions): Promise<UsageScan> {
  const holds: Hold[] = [];
  const users = new Map<string, User>();
  let listings = 0;
  let reads = 0;
  const unavailable: string[] = [];
  const home = o.regions[0] ?? 'us-east-1';
  const listingsOf = o.listings ?? new Listings(o.ctx, o.throughput);

  const targetTypes = new Set(o.candidates.map((c) => c.type).filter((t) => o.registry.referenceable.has(t)));
  if (targetTypes.size === 0) return { users: [], holds, examinedRegions: o.regions, listings, reads };

  const needsAll = [...targetTypes].some((t) => o.registry.byType(t)?.global);
  let examined: readonly string[] = o.regions;
  if (needsAll) {
    try {
      examined = await listingsOf.enabledRegions(o.aws, home, o.partition);
    } catch (err) {
      const global = [...targetTypes].filter((t) => o.registry.byType(t)?.global);
      holds.push({
        types: global,
        region: undefined,
        by: 'ec2:DescribeRegions',
        reason: `the regions enabled for the account could not be listed (EC2 DescribeRegions: ${describeError(err)}), so users elsewhere are unknown`,
        failure: { arn: 'ec2:DescribeRegions', type: 'ec2:regions', region: home, name: 'enabled regions', error: `could not list them: ${describeError(err)}` },
      });
    }
  }

  const addUser = (ref: ResourceRef, uses: readonly string[]): void => {
    const key = arnKey(ref.arn);
    const had = users.get(key);
    users.set(key, { ref: had?.ref ?? ref, uses: had ? [...new Set([...had.uses, ...uses])] : uses });
  };
  /** Whether a candidate's own answer already names all its users of type `u`. */
  const answered = (c: Pick<ResourceRef, 'arn'>, u: string): boolean => o.usedBy?.get(arnKey(c.arn))?.types.includes(u) === true;

  // (user type, region) pairs to list, each once: not for candidates whose own service said who uses them.
  const jobs = usageJobs(o.registry, o.candidates, { home, examined, skip: o.skip, answered });
  // The users a candidate's own service named: each uses it (its kind of ARN says its type).
  for (const c of o.candidates) {
    for (const arn of o.usedBy?.get(arnKey(c.arn))?.arns ?? []) {
      const handler = o.registry.forArn(arn);
      const ref: ResourceRef = handler
        ? refOf(handler, arn, c.region, home)
        : { arn, type: 'unknown', region: c.region, account: c.account, partition: c.partition, name: arn };
      addUser(ref, [c.arn]);
    }
  }

  await Promise.all(
    [...jobs.values()].map(async ({ handler, region }) => {
      const lane = clientOf(handler);
      let listed;
      try {
        listings += 1;
        listed = await listingsOf.list(handler, region);
      } catch (err) {
        // A service not offered in a region has no endpoint there: nothing of it can use a candidate.
        if (isNoEndpoint(err)) {
          unavailable.push(`${handler.type} in ${region}`);
          return;
        }
        holds.push({
          types: handler.references,
          region: handler.global ? undefined : region,
          by: `${handler.type} in ${region}`,
          reason: `the ${handler.type} resources of ${region} could not be listed (${describeError(err)}), so whether one uses it is unknown`,
          failure: { arn: `${handler.type}/${region}`, type: handler.type, region, name: `every ${handler.type} of ${region}`, error: `could not list them: ${describeError(err)}` },
        });
        return;
      }
      await Promise.all(
        listed.map(async (l) => {
          const key = arnKey(l.arn);
          const ref = refOf(handler, l.arn, region, home);
          let uses = o.known.get(key) ?? l.uses;
          if (!uses) {
            try {
              reads += 1;
              const read = await o.throughput.run(lane, ref.region, 'read', () =>
                handler.readUses ? handler.readUses(ref, o.ctx) : handler.describe(ref, o.ctx).then((d) => (d === GONE ? GONE : d.uses)),
              );
              if (read === GONE) return; // deleted since it was listed: it uses nothing any more
              uses = read;
            } catch (err) {
              holds.push({
                types: handler.references,
                region: ref.region,
                by: ref.arn,
                reason: `${ref.type} ${ref.name} (${ref.region}), which could not be read (${describeError(err)}), may use it`,
                failure: { arn: ref.arn, type: ref.type, region: ref.region, name: ref.name, error: `could not read it: ${describeError(err)}` },
              });
              return;
            }
          }
          addUser(ref, uses);
        }),
      );
    }),
  );
  return { users: [...users.values()], holds, examinedRegions: examined, listings, reads, unavailable };
}

export interface OwnerScan {
  /** By arnKey of an owned resource: its owner. */
  readonly owners: Map<string, ResourceRef>;
  readonly holds: Hold[];
  readonly listings: number;
}

/**
 * Who owns the candidates, from the live account: every owner of every owner type (stacks, provisioned
 * products) in the regions given, with what it owns. A candidate that an owner the run did not find owns
 * (a tagged bucket of an untagged stack) then stays with it. A listing that fails holds back every
 * candidate of that region: whether an owner there owns one is unknown.
 */
export async function scanOwners(o: {
  readonly registry: Registry;
  readonly ctx: HandlerContext;
  readonly throughput: Throughput;
  readonly candidates: readonly ResourceRef[];
  readonly regions: readonly string[];
  readonly home: string;
  readonly skip?: ((type: string) => boolean) | undefined;
  /** The run's listings (shared with discovery and the usage check); a new one when absent. */
  readonly listings?: Listings | undefined;
}): Promise<OwnerScan> {
  const listingsOf = o.listings ?? new Listings(o.ctx, o.throughput);
  const owners = new Map<string, ResourceRef>();
  const holds: Hold[] = [];
  let listings = 0;
  const wanted = new Set(o.candidates.map((c) => arnKey(c.arn)));
  if (wanted.size === 0) return { owners, holds, listings };
  const everyType = o.registry.handlers.map((h) => h.type);
  await Promise.all(
    o.registry.handlers
      .filter((h) => h.listOwned && !o.skip?.(h.type))
      .flatMap((h) =>
        o.regions.map(async (region) => {
          listings += 1;
          try {
            const listed = await listingsOf.listOwned(h, region);
            for (const l of listed) {
              for (const arn of l.owns) if (wanted.has(arnKey(arn)) && arnKey(arn) !== arnKey(l.arn)) owners.set(arnKey(arn), refOf(h, l.arn, region, o.home));
            }
          } catch (err) {
            if (isNoEndpoint(err)) return;
            holds.push({
              types: everyType,
              region,
              by: `${h.type} in ${region}`,
              reason: `the ${h.type} resources of ${region} could not be listed (${describeError(err)}), so whether one owns it is unknown`,
              failure: { arn: `${h.type}/${region}`, type: h.type, region, name: `every ${h.type} of ${region}`, error: `could not list what they own: ${describeError(err)}` },
            });
          }
        }),
      ),
  );
  return { owners, holds, listings };
}
