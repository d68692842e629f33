import { sdkPackage } from '../aws/sdk.js';
import { arnKey, parseArn } from '../aws/arn.js';
import type { AwsClients } from '../aws/clients.js';
import { describeError, isNoEndpoint } from '../aws/errors.js';
import { NovaError } from '../errors.js';
import type { TagFilter } from '../model.js';
import type { Throughput } from '../aws/throughput.js';
import { clientOf, GONE, type HandlerContext, type Hit, type ResourceHandler } from '../resources/handler.js';
import { matchesTags } from '../tags.js';
import { Listings } from './listings.js';
import { refOf } from './reconcile.js';
import { tagListToRecord } from '../tags.js';

/** The Tagging API's page size limit. */
export const TAGGING_PAGE_SIZE = 100;

export interface Discovered {
  readonly hits: Hit[];
  /** ARNs the Tagging API returned in a form that is not an ARN, as they came, and what they were read as. */
  readonly repaired: { readonly raw: string; readonly arn: string }[];
  /**
   * A type's own listing that failed in a region: its tagged resources there are unknown, so what they
   * may use is held back and the run exits 1 (the rest of the run goes on).
   */
  readonly failures: { readonly handler: ResourceHandler; readonly region: string; readonly error: string }[];
}

/** How resources are found: the Tagging API, each type's own list + tags calls, or both (a cross-check). */
export type DiscoveryMode = 'tagging' | 'list' | 'both';

/**
 * Every tagged resource in every region, all pages collected before anything else happens (deleting
 * between pages breaks the API's paging). The Tagging API per region for the types it returns; each
 * type's own list + tags calls for the types it does not return (IAM: once per run), and for every type
 * with `--discovery list|both`. A Tagging API failure stops the run (a partial list would be silently
 * incomplete); a type's own listing that fails is reported in `failures`, and the run holds back what
 * that type may use.
 */
export async function discover(opts: {
  readonly aws: AwsClients;
  readonly ctx: HandlerContext;
  readonly throughput: Throughput;
  readonly regions: readonly string[];
  readonly filters: readonly TagFilter[];
  readonly handlers: readonly ResourceHandler[];
  readonly mode?: DiscoveryMode;
  /** Which handler owns an ARN (every supported type, selected or not). */
  readonly registryForArn?: (arn: string) => ResourceHandler | undefined;
  /** The run's listings, shared with the usage check (each type and region listed once). */
  readonly listings?: Listings | undefined;
}): Promise<Discovered> {
  const { regions, filters } = opts;
  const listings = opts.listings ?? new Listings(opts.ctx, opts.throughput);
  const mode = opts.mode ?? 'tagging';
  const home = regions[0];
  if (!home) throw new NovaError('no region to search');
  const repaired: { raw: string; arn: string }[] = [];
  const tasks: Promise<Hit[]>[] = [];
  // The Tagging API is asked in every mode: it is the only way to see tagged resources of types no handler
  // supports, which must hold back what they may use. With `list`, its hits of supported types are dropped
  // (their own listings find those).
  const supported = (arn: string) => opts.registryForArn?.(arn) !== undefined;
  for (const region of regions) {
    tasks.push(
      taggedInRegion(opts.aws, region, filters, repaired)
        .then((hits) => (mode === 'list' ? hits.filter((h) => !supported(h.arn)) : hits))
        .catch((err: unknown) => {
          throw new NovaError(`discovery failed in ${region} (Resource Groups Tagging API GetResources): ${describeError(err)}`, 2, { cause: err });
        }),
    );
  }
  const failures: Discovered['failures'][number][] = [];
  for (const h of opts.handlers) {
    if (h.taggingApi && mode === 'tagging') continue;
    for (const region of h.global ? [home] : regions) {
      tasks.push(
        listed(h, { ...opts, listings }, region).catch((err: unknown) => {
          // A service not offered in the region (no endpoint) has nothing there to find.
          if (!isNoEndpoint(err)) failures.push({ handler: h, region, error: describeError(err) });
          return [];
        }),
      );
    }
  }
  const seen = new Map<string, Hit>();
  for (const hits of await Promise.all(tasks)) {
    for (const hit of hits) {
      const key = arnKey(hit.arn);
      // S3 buckets come back from several regions' endpoints: one entry per ARN; live tags win.
      const prev = seen.get(key);
      if (!prev || (hit.liveTags && !prev.liveTags)) seen.set(key, hit);
    }
  }
  return { hits: [...seen.values()], repaired, failures };
}

/** List discovery of one type in one region: its list call, then the live tags of each (bounded per lane). */
async function listed(h: ResourceHandler, opts: { ctx: HandlerContext; throughput: Throughput; filters: readonly TagFilter[]; regions: readonly string[]; listings: Listings }, region: string): Promise<Hit[]> {
  const lane = clientOf(h);
  const home = opts.regions[0] as string;
  const all = await opts.listings.list(h, region);
  const hits = await Promise.all(
    all.map(async (l): Promise<Hit | undefined> => {
      const ref = refOf(h, l.arn, region, home);
      const tags = l.tags ?? (await opts.throughput.run(lane, ref.region, 'read', () => h.currentTags(ref, opts.ctx)));
      if (tags === GONE || !matchesTags(tags, opts.filters)) return undefined; // gone since it was listed, or not ours
      return { arn: l.arn, tags, region, liveTags: true };
    }),
  );
  return hits.filter((x): x is Hit => x !== undefined);
}

/**
 * An ARN as the Tagging API returned it. Some emulators wrap one in other characters (moto returns an
 * endpoint config's as `('arn:…',)`): when the text holds exactly one well-formed ARN, that is it, and
 * the run says so; otherwise the text is kept as it came (and reported as not an ARN).
 */
export function readArn(raw: string): string {
  if (parseArn(raw) && !/[\s'"()]/.test(raw)) return raw;
  const found = raw.match(/arn:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:[^\s'"()]+/g);
  return found?.length === 1 && found[0] ? found[0] : raw;
}

async function taggedInRegion(aws: AwsClients, region: string, filters: readonly TagFilter[], repaired: { raw: string; arn: string }[]): Promise<Hit[]> {
  const { paginateGetResources } = await sdkPackage('@aws-sdk/client-resource-groups-tagging-api');
  const client = await aws.get('tagging', region);
  const TagFilters = filters.map((f) => (f.values.length ? { Key: f.key, Values: [...f.values] } : { Key: f.key }));
  const hits: Hit[] = [];
  for await (const page of paginateGetResources({ client, pageSize: TAGGING_PAGE_SIZE }, { TagFilters })) {
    for (const m of page.ResourceTagMappingList ?? []) {
      if (!m.ResourceARN) continue;
      const arn = readArn(m.ResourceARN);
      if (arn !== m.ResourceARN) repaired.push({ raw: m.ResourceARN, arn });
      hits.push({ arn, tags: tagListToRecord(m.Tags), region });
    }
  }
  return hits;
}
