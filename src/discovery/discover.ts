import { arnKey, parseArn } from '../aws/arn.js';
import type { AwsClients } from '../aws/clients.js';
import { describeError } from '../aws/errors.js';
import { NovaError } from '../errors.js';
import type { TagFilter } from '../model.js';
import type { HandlerContext, Hit, ResourceHandler } from '../resources/handler.js';
import { tagListToRecord } from '../tags.js';

/** The Tagging API's page size limit. */
export const TAGGING_PAGE_SIZE = 100;

export interface Discovered {
  readonly hits: Hit[];
  /** ARNs the Tagging API returned in a form that is not an ARN, as they came, and what they were read as. */
  readonly repaired: { readonly raw: string; readonly arn: string }[];
}

/**
 * Every tagged resource in every region, all pages collected before anything else happens (deleting
 * between pages breaks the API's paging). The Tagging API per region, plus the handlers that list
 * their own type (IAM is global: listed once per run). A failure here stops the run: a partial list
 * would be silently incomplete.
 */
export async function discover(opts: {
  readonly aws: AwsClients;
  readonly ctx: HandlerContext;
  readonly regions: readonly string[];
  readonly filters: readonly TagFilter[];
  readonly handlers: readonly ResourceHandler[];
}): Promise<Discovered> {
  const { regions, filters } = opts;
  const home = regions[0];
  if (!home) throw new NovaError('no region to search');
  const repaired: { raw: string; arn: string }[] = [];
  const tasks: Promise<Hit[]>[] = regions.map((region) =>
    taggedInRegion(opts.aws, region, filters, repaired).catch((err: unknown) => {
      throw new NovaError(`discovery failed in ${region} (Resource Groups Tagging API GetResources): ${describeError(err)}`, 2, { cause: err });
    }),
  );
  for (const h of opts.handlers) {
    if (!h.discover) continue;
    const where = h.global ? [home] : regions;
    for (const region of where) {
      tasks.push(
        h.discover(opts.ctx, filters, region).catch((err: unknown) => {
          throw new NovaError(`discovery of ${h.type} failed in ${region}: ${describeError(err)}`, 2, { cause: err });
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
  return { hits: [...seen.values()], repaired };
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
  const { paginateGetResources } = await import('@aws-sdk/client-resource-groups-tagging-api');
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
