import { arnKey } from '../aws/arn.js';
import type { AwsClients } from '../aws/clients.js';
import { describeError } from '../aws/errors.js';
import { NovaError } from '../errors.js';
import type { TagFilter } from '../model.js';
import type { HandlerContext, Hit, ResourceHandler } from '../resources/handler.js';
import { tagListToRecord } from '../tags.js';

/** The Tagging API's page size limit. */
export const TAGGING_PAGE_SIZE = 100;

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
}): Promise<Hit[]> {
  const { regions, filters } = opts;
  const home = regions[0];
  if (!home) throw new NovaError('no region to search');
  const tasks: Promise<Hit[]>[] = regions.map((region) =>
    taggedInRegion(opts.aws, region, filters).catch((err: unknown) => {
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
      // S3 buckets come back from several regions' endpoints: one entry per ARN.
      if (!seen.has(key)) seen.set(key, hit);
    }
  }
  return [...seen.values()];
}

async function taggedInRegion(aws: AwsClients, region: string, filters: readonly TagFilter[]): Promise<Hit[]> {
  const { paginateGetResources } = await import('@aws-sdk/client-resource-groups-tagging-api');
  const client = await aws.get('tagging', region);
  const TagFilters = filters.map((f) => (f.values.length ? { Key: f.key, Values: [...f.values] } : { Key: f.key }));
  const hits: Hit[] = [];
  for await (const page of paginateGetResources({ client, pageSize: TAGGING_PAGE_SIZE }, { TagFilters })) {
    for (const m of page.ResourceTagMappingList ?? []) {
      if (m.ResourceARN) hits.push({ arn: m.ResourceARN, tags: tagListToRecord(m.Tags), region });
    }
  }
  return hits;
}
