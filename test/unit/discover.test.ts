import { GetResourcesCommand, ResourceGroupsTaggingAPIClient, type GetResourcesCommandInput, type GetResourcesCommandOutput } from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { TAGGING_PAGE_SIZE, discover } from '../../src/discovery/discover.js';
import { NovaError } from '../../src/errors.js';
import type { TagFilter } from '../../src/model.js';
import type { Hit, ResourceHandler } from '../../src/resources/handler.js';
import { awsError, testContext } from '../helpers/context.js';
import { DEFAULT_FILTERS, fakeHandler } from '../helpers/fakes.js';

const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const ctx = testContext();
const run = (regions: string[], handlers: readonly ResourceHandler[] = [], filters: readonly TagFilter[] = DEFAULT_FILTERS) =>
  discover({ aws: ctx.aws, ctx, regions, filters, handlers });

const mapping = (arn: string, tags: Record<string, string> = { project: 'nova' }) => ({
  ResourceARN: arn,
  Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
});

type Page = Partial<GetResourcesCommandOutput>;
interface SeenCall {
  readonly region: string;
  readonly input: GetResourcesCommandInput;
}

/** Answers GetResources per region, page by page (keyed by the PaginationToken sent); records each call as sent. */
function pagesByRegion(pages: Record<string, Record<string, Page>>): SeenCall[] {
  const seen: SeenCall[] = [];
  tagging.on(GetResourcesCommand).callsFake(async (input: GetResourcesCommandInput, getClient) => {
    const region = await getClient().config.region();
    seen.push({ region, input: structuredClone(input) });
    const page = pages[region]?.[input.PaginationToken ?? ''];
    if (!page) throw new Error(`no page for ${region} token ${String(input.PaginationToken)}`);
    return page;
  });
  return seen;
}

describe('discover', () => {
  beforeEach(() => tagging.reset());

  it('asks the Tagging API with the tag filters (no Values for a key-only filter), 100 per page', async () => {
    const seen = pagesByRegion({ 'us-east-1': { '': { ResourceTagMappingList: [] } } });
    await run(['us-east-1'], [], [{ key: 'project', values: ['nova', 'nova-dev'] }, { key: 'owner', values: [] }]);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.input.TagFilters).toStrictEqual([{ Key: 'project', Values: ['nova', 'nova-dev'] }, { Key: 'owner' }]);
    expect(seen[0]?.input.ResourcesPerPage).toBe(TAGGING_PAGE_SIZE);
    expect(TAGGING_PAGE_SIZE).toBe(100);
  });

  it('collects every page, and turns tag lists into records', async () => {
    const seen = pagesByRegion({
      'us-east-1': {
        '': { ResourceTagMappingList: [mapping('arn:aws:sagemaker:us-east-1:123456789012:model/a', { project: 'nova', team: 'ml' })], PaginationToken: 'p2' },
        p2: { ResourceTagMappingList: [mapping('arn:aws:sagemaker:us-east-1:123456789012:model/b')], PaginationToken: 'p3' },
        p3: { ResourceTagMappingList: [mapping('arn:aws:sagemaker:us-east-1:123456789012:model/c')], PaginationToken: '' },
      },
    });
    const hits = await run(['us-east-1']);
    expect(seen.map((s) => s.input.PaginationToken)).toEqual([undefined, 'p2', 'p3']);
    expect(hits).toEqual([
      { arn: 'arn:aws:sagemaker:us-east-1:123456789012:model/a', tags: { project: 'nova', team: 'ml' }, region: 'us-east-1' },
      { arn: 'arn:aws:sagemaker:us-east-1:123456789012:model/b', tags: { project: 'nova' }, region: 'us-east-1' },
      { arn: 'arn:aws:sagemaker:us-east-1:123456789012:model/c', tags: { project: 'nova' }, region: 'us-east-1' },
    ]);
  });

  it('searches every region, and keeps one hit per ARN (S3 buckets come back from each)', async () => {
    const seen = pagesByRegion({
      'us-east-1': { '': { ResourceTagMappingList: [mapping('arn:aws:s3:::nova-data'), mapping('arn:aws:lambda:us-east-1:123456789012:function:f')] } },
      'eu-west-1': { '': { ResourceTagMappingList: [mapping('arn:aws:lambda:eu-west-1:123456789012:function:f'), mapping('arn:aws:s3:::nova-data')] } },
    });
    const hits = await run(['us-east-1', 'eu-west-1']);
    expect(seen.map((s) => s.region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(hits.map((h) => [h.arn, h.region])).toEqual([
      ['arn:aws:s3:::nova-data', 'us-east-1'],
      ['arn:aws:lambda:us-east-1:123456789012:function:f', 'us-east-1'],
      ['arn:aws:lambda:eu-west-1:123456789012:function:f', 'eu-west-1'],
    ]);
  });

  it('collapses SageMaker ARNs that differ only in case', async () => {
    pagesByRegion({ 'us-east-1': { '': { ResourceTagMappingList: [mapping('arn:aws:sagemaker:us-east-1:123456789012:model/nova'), mapping('arn:aws:sagemaker:us-east-1:123456789012:model/Nova')] } } });
    expect(await run(['us-east-1'])).toHaveLength(1);
  });

  it('calls a global handler\'s own listing once, in the first region, and a regional one per region', async () => {
    pagesByRegion({ 'us-east-1': { '': {} }, 'eu-west-1': { '': {} } });
    const roleHit: Hit = { arn: 'arn:aws:iam::123456789012:role/nova', tags: { project: 'nova' }, region: 'us-east-1' };
    const iam = fakeHandler({ type: 'iam:role', global: true, discover: () => Promise.resolve([roleHit]) });
    const regional = fakeHandler({ type: 'fake:listed', discover: (_ctx, _f, region) => Promise.resolve([{ arn: `arn:aws:fake:${region}:123456789012:listed/x`, tags: {}, region }]) });
    const hits = await run(['eu-west-1', 'us-east-1'], [iam, regional, fakeHandler({ type: 'fake:plain' })]);
    expect(iam.called('discover')).toEqual(['eu-west-1']);
    expect(regional.called('discover').sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(hits.map((h) => h.arn).sort()).toEqual([
      'arn:aws:fake:eu-west-1:123456789012:listed/x',
      'arn:aws:fake:us-east-1:123456789012:listed/x',
      roleHit.arn,
    ]);
  });

  it('passes the filters to a handler\'s own listing', async () => {
    pagesByRegion({ 'us-east-1': { '': {} } });
    const seenFilters: (readonly TagFilter[])[] = [];
    const iam = fakeHandler({ type: 'iam:role', global: true, discover: (_c, f) => (seenFilters.push(f), Promise.resolve([])) });
    await run(['us-east-1'], [iam], [{ key: 'owner', values: [] }]);
    expect(seenFilters).toEqual([[{ key: 'owner', values: [] }]]);
  });

  it('stops with a NovaError (exit 2) naming the region when a region fails', async () => {
    tagging.on(GetResourcesCommand).callsFake(async (_input, getClient) => {
      if ((await getClient().config.region()) === 'eu-west-1') throw awsError('AccessDeniedException', 'not allowed to tag:GetResources', 403);
      return { ResourceTagMappingList: [mapping('arn:aws:s3:::nova-data')] };
    });
    const err = await run(['us-east-1', 'eu-west-1']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NovaError);
    expect((err as NovaError).exitCode).toBe(2);
    expect((err as NovaError).message).toBe(
      'discovery failed in eu-west-1 (Resource Groups Tagging API GetResources): AccessDeniedException: not allowed to tag:GetResources',
    );
    expect((err as NovaError).cause).toBeInstanceOf(Error);
  });

  it('stops with a NovaError naming the type and region when a handler\'s listing fails', async () => {
    pagesByRegion({ 'us-east-1': { '': {} } });
    const iam = fakeHandler({ type: 'iam:role', global: true, discover: () => Promise.reject(awsError('AccessDenied', 'no iam:ListRoles', 403)) });
    const err = await run(['us-east-1'], [iam]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NovaError);
    expect((err as NovaError).exitCode).toBe(2);
    expect((err as NovaError).message).toMatch(/^discovery of iam:role failed in us-east-1: AccessDenied: no iam:ListRoles$/);
  });

  it('refuses to search no region', async () => {
    await expect(run([])).rejects.toThrow(NovaError);
    expect(tagging).not.toHaveReceivedCommand(GetResourcesCommand);
  });
});
