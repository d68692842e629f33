import { GetResourcesCommand, ResourceGroupsTaggingAPIClient, type GetResourcesCommandInput, type ResourceTagMapping } from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { discover, readArn, TAGGING_PAGE_SIZE } from '../../src/discovery/discover.js';
import { NovaError } from '../../src/errors.js';
import type { TagFilter } from '../../src/model.js';
import type { Hit, ResourceHandler } from '../../src/resources/handler.js';
import { awsError, testContext } from '../helpers/context.js';
import { DEFAULT_FILTERS, fakeHandler } from '../helpers/fakes.js';

const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const ACCOUNT = '123456789012';
const endpointArn = (name: string, region = 'us-east-1') => `arn:aws:sagemaker:${region}:${ACCOUNT}:endpoint/${name}`;
const mapping = (arn: string, tags: Record<string, string> = { project: 'nova' }): ResourceTagMapping => ({
  ResourceARN: arn,
  Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
});

/** Runs discover with one context; the clients are the context's (one attempt). */
function run(o: { regions?: readonly string[]; filters?: readonly TagFilter[]; handlers?: readonly ResourceHandler[] } = {}) {
  const ctx = testContext();
  return discover({ aws: ctx.aws, ctx, regions: o.regions ?? ['us-east-1'], filters: o.filters ?? DEFAULT_FILTERS, handlers: o.handlers ?? [] });
}

/** Answers GetResources per region (read from the client the command was sent through). */
function answerPerRegion(byRegion: Record<string, ResourceTagMapping[] | Error>): string[] {
  const asked: string[] = [];
  tagging.on(GetResourcesCommand).callsFake(async (_input: GetResourcesCommandInput, getClient) => {
    const region = await (getClient().config.region as () => Promise<string>)();
    asked.push(region);
    const answer = byRegion[region];
    if (answer instanceof Error) throw answer;
    return { ResourceTagMappingList: answer ?? [] };
  });
  return asked;
}

const sortHits = (hits: readonly Hit[]) => [...hits].sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));

describe('discover', () => {
  beforeEach(() => tagging.reset());

  it('sends TagFilters built from the filters: values when given, the key alone for "any value"', async () => {
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    await run({ filters: [{ key: 'project', values: ['nova', 'nova-dev'] }, { key: 'owner', values: [] }] });
    expect(tagging).toHaveReceivedCommandTimes(GetResourcesCommand, 1);
    const input = tagging.commandCalls(GetResourcesCommand)[0]!.args[0].input;
    expect(input.TagFilters).toEqual([{ Key: 'project', Values: ['nova', 'nova-dev'] }, { Key: 'owner' }]);
    expect(input.TagFilters?.[1]).not.toHaveProperty('Values');
  });

  it('asks for pages of 100 and collects every page before returning', async () => {
    const page = (n: number, from: number) => Array.from({ length: n }, (_, i) => mapping(endpointArn(`e${from + i}`)));
    // The paginator reuses one input object across pages: what each call carried is copied as it is sent.
    const sent: { token: string | undefined; size: number | undefined }[] = [];
    tagging
      .on(GetResourcesCommand)
      .callsFake((input: GetResourcesCommandInput) => {
        sent.push({ token: input.PaginationToken, size: input.ResourcesPerPage });
        if (!input.PaginationToken) return { ResourceTagMappingList: page(100, 0), PaginationToken: 'p2' };
        if (input.PaginationToken === 'p2') return { ResourceTagMappingList: page(100, 100), PaginationToken: 'p3' };
        if (input.PaginationToken === 'p3') return { ResourceTagMappingList: page(7, 200), PaginationToken: '' };
        throw new Error(`unexpected token ${input.PaginationToken}`);
      });
    const { hits } = await run();
    expect(TAGGING_PAGE_SIZE).toBe(100);
    expect(tagging).toHaveReceivedCommandTimes(GetResourcesCommand, 3);
    expect(sent).toEqual([
      { token: undefined, size: 100 },
      { token: 'p2', size: 100 },
      { token: 'p3', size: 100 },
    ]);
    expect(hits).toHaveLength(207);
    expect(new Set(hits.map((h) => h.arn)).size).toBe(207);
    expect(hits.map((h) => h.arn)).toContain(endpointArn('e206'));
  });

  it('searches every region with its own client and records the region each hit was found through', async () => {
    const asked = answerPerRegion({
      'us-east-1': [mapping(endpointArn('a', 'us-east-1'), { project: 'nova', env: 'dev' })],
      'eu-west-1': [mapping(endpointArn('b', 'eu-west-1'))],
    });
    const { hits } = await run({ regions: ['us-east-1', 'eu-west-1'] });
    expect(asked.sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(sortHits(hits)).toEqual([
      { arn: endpointArn('b', 'eu-west-1'), tags: { project: 'nova' }, region: 'eu-west-1' },
      { arn: endpointArn('a', 'us-east-1'), tags: { project: 'nova', env: 'dev' }, region: 'us-east-1' },
    ]);
  });

  it('skips mappings without an ARN', async () => {
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [{ Tags: [{ Key: 'project', Value: 'nova' }] }, mapping(endpointArn('x'))] });
    const { hits } = await run();
    expect(hits.map((h) => h.arn)).toEqual([endpointArn('x')]);
  });

  it("runs a global type's own discover once, in the home region, and a regional type's in every region", async () => {
    answerPerRegion({});
    const seenFilters: (readonly TagFilter[])[] = [];
    const roles = fakeHandler({
      type: 'iam:role',
      global: true,
      discover: async (_ctx, filters, region) => {
        seenFilters.push(filters);
        return [{ arn: `arn:aws:iam::${ACCOUNT}:role/nova-role`, tags: { project: 'nova' }, region, liveTags: true }];
      },
    });
    const things = fakeHandler({ type: 'fake:thing', discover: async () => [] });
    const noDiscover = fakeHandler({ type: 'fake:other' });
    const { hits } = await run({ regions: ['us-west-2', 'us-east-1', 'eu-west-1'], handlers: [roles, things, noDiscover] });
    expect(roles.called('discover')).toEqual(['us-west-2']);
    expect([...things.called('discover')].sort()).toEqual(['eu-west-1', 'us-east-1', 'us-west-2']);
    expect(noDiscover.calls).toEqual([]);
    expect(seenFilters).toEqual([DEFAULT_FILTERS]);
    expect(hits).toEqual([{ arn: `arn:aws:iam::${ACCOUNT}:role/nova-role`, tags: { project: 'nova' }, region: 'us-west-2', liveTags: true }]);
  });

  it('collapses the same resource found through several regions into one hit', async () => {
    const bucket = 'arn:aws:s3:::nova-data';
    answerPerRegion({ 'us-east-1': [mapping(bucket)], 'us-west-2': [mapping(bucket)] });
    const { hits } = await run({ regions: ['us-east-1', 'us-west-2'] });
    expect(hits).toHaveLength(1);
    expect(hits[0]!.arn).toBe(bucket);
  });

  it('collapses duplicates by ARN key (SageMaker case-insensitively), the hit with live tags winning', async () => {
    const upper = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model/Nova-Model`;
    const lower = upper.toLowerCase();
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [mapping(lower, { project: 'stale' })] });
    const models = fakeHandler({
      type: 'sagemaker:model',
      discover: async (_c, _f, region) => [{ arn: upper, tags: { project: 'nova' }, region, liveTags: true }],
    });
    const { hits } = await run({ handlers: [models] });
    expect(hits).toEqual([{ arn: upper, tags: { project: 'nova' }, region: 'us-east-1', liveTags: true }]);
  });

  it('keeps the live-tags hit when a hit without live tags for the same ARN comes after it', async () => {
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    const arn = `arn:aws:fake:us-east-1:${ACCOUNT}:thing/t1`;
    const live = fakeHandler({ type: 'fake:thing', discover: async (_c, _f, region) => [{ arn, tags: { project: 'nova' }, region, liveTags: true }] });
    const stale = fakeHandler({ type: 'fake:other', discover: async (_c, _f, region) => [{ arn, tags: { project: 'old' }, region }] });
    const { hits } = await run({ handlers: [live, stale] });
    expect(hits).toEqual([{ arn, tags: { project: 'nova' }, region: 'us-east-1', liveTags: true }]);
  });

  it('stops with a NovaError (exit 2) naming the region when the Tagging API fails there', async () => {
    answerPerRegion({ 'us-east-1': [mapping(endpointArn('a'))], 'eu-west-1': awsError('AccessDeniedException', 'not authorized to perform tag:GetResources', 403) });
    const err = await run({ regions: ['us-east-1', 'eu-west-1'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NovaError);
    expect((err as NovaError).exitCode).toBe(2);
    expect((err as NovaError).message).toContain('eu-west-1');
    expect((err as NovaError).message).not.toContain('us-east-1');
    expect((err as NovaError).message).toContain('AccessDeniedException');
    expect((err as NovaError).cause).toMatchObject({ name: 'AccessDeniedException' });
  });

  it("stops with a NovaError (exit 2) naming the type and region when a type's own discover fails", async () => {
    answerPerRegion({});
    const things = fakeHandler({
      type: 'fake:thing',
      discover: async (_c, _f, region) => {
        if (region === 'us-west-2') throw awsError('ThrottlingException', 'Rate exceeded');
        return [];
      },
    });
    const err = await run({ regions: ['us-east-1', 'us-west-2'], handlers: [things] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NovaError);
    expect((err as NovaError).exitCode).toBe(2);
    expect((err as NovaError).message).toContain('fake:thing');
    expect((err as NovaError).message).toContain('us-west-2');
    expect((err as NovaError).message).toContain('Rate exceeded');
  });

  it('refuses to run without a region', async () => {
    await expect(run({ regions: [] })).rejects.toBeInstanceOf(NovaError);
    expect(tagging).not.toHaveReceivedAnyCommand();
  });

  it("repairs moto's ('arn:…',) form, and records what it repaired; good ARNs and garbage are not recorded", async () => {
    const good = endpointArn('good');
    const wrapped = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint-config/nova-cfg`;
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [mapping(good), mapping(`('${wrapped}',)`), mapping('garbage')] });
    const { hits, repaired } = await run();
    expect(hits.map((h) => h.arn).sort()).toEqual([good, wrapped, 'garbage'].sort());
    expect(repaired).toEqual([{ raw: `('${wrapped}',)`, arn: wrapped }]);
  });
});

describe('readArn', () => {
  const cfg = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint-config/nova-cfg`;

  it("reads the one ARN inside moto's tuple form", () => {
    expect(readArn(`('${cfg}',)`)).toBe(cfg);
    expect(readArn(`("${cfg}")`)).toBe(cfg);
    expect(readArn(` ${cfg} `)).toBe(cfg);
  });

  it.each([
    ['a SageMaker endpoint config', cfg],
    ['an S3 bucket (no region, no account)', 'arn:aws:s3:::nova-data'],
    ['an IAM role with a path', `arn:aws:iam::${ACCOUNT}:role/service/nova-role`],
    ['a Lambda function', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:nova-fn`],
    ['another partition', `arn:aws-cn:lambda:cn-north-1:${ACCOUNT}:function:nova-fn`],
    // IAM names may contain `+=,.@_-`: a comma is part of a well-formed name, not a wrapper around one.
    ['an IAM policy whose name holds a comma', `arn:aws:iam::${ACCOUNT}:policy/ops,dev`],
  ])('leaves a well-formed ARN alone: %s', (_what, arn) => {
    expect(readArn(arn)).toBe(arn);
  });

  it.each([
    ['text that holds no ARN', 'garbage'],
    ['the empty string', ''],
    ['text that holds two ARNs', `('${cfg}', 'arn:aws:s3:::nova-data')`],
    ['an ARN prefix without a resource', "('arn:aws:s3:::',)"],
  ])('leaves %s as it came', (_what, raw) => {
    expect(readArn(raw)).toBe(raw);
  });
});
