import { GetResourcesCommand, ResourceGroupsTaggingAPIClient, type GetResourcesCommandInput, type ResourceTagMapping } from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Throughput } from '../../src/aws/throughput.js';
import { discover, readArn, TAGGING_PAGE_SIZE, type DiscoveryMode } from '../../src/discovery/discover.js';
import { NovaError } from '../../src/errors.js';
import type { ResourceRef, TagFilter, Tags } from '../../src/model.js';
import { GONE, type Hit, type Listed, type ResourceHandler } from '../../src/resources/handler.js';
import { awsError, testContext } from '../helpers/context.js';
import { DEFAULT_FILTERS, fakeHandler, InFlight } from '../helpers/fakes.js';

const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const ACCOUNT = '123456789012';
const endpointArn = (name: string, region = 'us-east-1') => `arn:aws:sagemaker:${region}:${ACCOUNT}:endpoint/${name}`;
const mapping = (arn: string, tags: Record<string, string> = { project: 'nova' }): ResourceTagMapping => ({
  ResourceARN: arn,
  Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
});

/** A type the Tagging API returns, that lists nothing: the Tagging API is asked for the run's types. */
const returnedType = fakeHandler({ type: 'sagemaker:endpoint' });

/**
 * Runs discover with one context; the clients are the context's (one attempt). Mode: the default (tagging)
 * unless given. The supported types (what `registryForArn` knows, as the registry does in a run) are the
 * handlers unless `supported` names more.
 */
function run(
  o: {
    regions?: readonly string[];
    filters?: readonly TagFilter[];
    handlers?: readonly ResourceHandler[];
    supported?: readonly ResourceHandler[];
    mode?: DiscoveryMode;
    throughput?: Throughput;
  } = {},
) {
  const ctx = testContext();
  const handlers = o.handlers ?? [returnedType];
  const supported = o.supported ?? handlers;
  return discover({
    aws: ctx.aws,
    ctx,
    throughput: o.throughput ?? new Throughput(),
    regions: o.regions ?? ['us-east-1'],
    filters: o.filters ?? DEFAULT_FILTERS,
    handlers,
    registryForArn: (arn) => supported.find((h) => h.arnPattern.test(arn)),
    ...(o.mode ? { mode: o.mode } : {}),
  });
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

  it('in tagging mode, a type the Tagging API does not return is listed: a global one once, in the home region, a regional one in every region', async () => {
    answerPerRegion({});
    const role = `arn:aws:iam::${ACCOUNT}:role/nova-role`;
    const roles = fakeHandler({ type: 'iam:role', global: true, taggingApi: false, list: () => [{ arn: role }, { arn: `arn:aws:iam::${ACCOUNT}:role/other` }], currentTags: (ref) => (ref.name === 'nova-role' ? { project: 'nova' } : { project: 'other' }) });
    const things = fakeHandler({ type: 'fake:thing', taggingApi: false });
    const returned = fakeHandler({ type: 'fake:other' }); // the Tagging API returns it: never listed in tagging mode
    const { hits } = await run({ regions: ['us-west-2', 'us-east-1', 'eu-west-1'], handlers: [roles, things, returned] });
    expect(roles.called('list')).toEqual(['us-west-2']);
    expect([...things.called('list')].sort()).toEqual(['eu-west-1', 'us-east-1', 'us-west-2']);
    expect(returned.calls).toEqual([]);
    expect([...roles.called('currentTags')].sort()).toEqual([role, `arn:aws:iam::${ACCOUNT}:role/other`].sort());
    expect(hits).toEqual([{ arn: role, tags: { project: 'nova' }, region: 'us-west-2', liveTags: true }]);
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
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [mapping(lower, { project: 'nova', stale: 'yes' })] });
    const models = fakeHandler({ type: 'sagemaker:model', list: () => [{ arn: upper }], currentTags: { project: 'nova' } });
    const { hits } = await run({ handlers: [models], mode: 'both' });
    expect(hits).toEqual([{ arn: upper, tags: { project: 'nova' }, region: 'us-east-1', liveTags: true }]);
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

  it("reports a type's own listing that fails in a region as a failure (type, region, error); the rest of discovery goes on", async () => {
    answerPerRegion({ 'us-east-1': [mapping(endpointArn('a'))] });
    const listedArn = `arn:aws:fake:us-east-1:${ACCOUNT}:thing/t1`;
    const things = fakeHandler({ type: 'fake:thing', taggingApi: false, list: { 'us-east-1': [{ arn: listedArn }], 'us-west-2': awsError('ThrottlingException', 'Rate exceeded') } });
    const { hits, failures } = await run({ regions: ['us-east-1', 'us-west-2'], handlers: [returnedType, things] });
    expect(failures).toEqual([{ handler: things, region: 'us-west-2', error: expect.stringContaining('Rate exceeded') }]);
    expect(failures[0]?.error).toContain('ThrottlingException');
    expect(hits.map((h) => h.arn).sort()).toEqual([endpointArn('a'), listedArn].sort());
  });

  it("a listed resource's tags that cannot be read fail that listing (a failure), not the others", async () => {
    const arn = `arn:aws:fake:eu-west-1:${ACCOUNT}:thing/t1`;
    const ok = `arn:aws:fake:us-east-1:${ACCOUNT}:thing/t2`;
    const things = fakeHandler({
      type: 'fake:thing',
      list: { 'eu-west-1': [{ arn }], 'us-east-1': [{ arn: ok }] },
      currentTags: { [arn]: awsError('AccessDeniedException', 'no ListTags', 403), [ok]: { project: 'nova' } },
    });
    answerPerRegion({});
    const { hits, failures } = await run({ regions: ['us-east-1', 'eu-west-1'], handlers: [things], mode: 'list' });
    expect(failures).toEqual([{ handler: things, region: 'eu-west-1', error: expect.stringContaining('no ListTags') }]);
    expect(hits.map((h) => h.arn)).toEqual([ok]);
  });

  it('no failure when every listing answers', async () => {
    answerPerRegion({});
    const { failures } = await run({ handlers: [returnedType, fakeHandler({ type: 'iam:role', global: true, taggingApi: false })] });
    expect(failures).toEqual([]);
  });

  it('refuses to run without a region', async () => {
    await expect(run({ regions: [] })).rejects.toBeInstanceOf(NovaError);
    await expect(run({ regions: [], mode: 'list' })).rejects.toBeInstanceOf(NovaError);
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

describe('discover: modes', () => {
  // Every mode asks the Tagging API: unless a test says otherwise, it finds nothing.
  beforeEach(() => {
    tagging.reset();
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
  });

  const thingArn = (name: string, region = 'us-east-1') => `arn:aws:fake:${region}:${ACCOUNT}:thing/${name}`;
  const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

  it('tagging (the default): GetResources in every region, and list discovery only of the types it does not return', async () => {
    const asked = answerPerRegion({ 'us-east-1': [mapping(thingArn('t1'))], 'us-west-2': [mapping(thingArn('t2', 'us-west-2'))] });
    const things = fakeHandler({ type: 'fake:thing', list: (region) => [{ arn: thingArn('listed', region) }] });
    const roles = fakeHandler({ type: 'iam:role', global: true, taggingApi: false, list: () => [{ arn: roleArn('r1') }] });
    for (const mode of [undefined, 'tagging'] as const) {
      asked.length = 0;
      const { hits } = await run({ regions: ['us-east-1', 'us-west-2'], handlers: [things, roles], ...(mode ? { mode } : {}) });
      expect(asked.sort()).toEqual(['us-east-1', 'us-west-2']);
      expect(sortHits(hits)).toEqual(
        sortHits([
          { arn: thingArn('t1'), tags: { project: 'nova' }, region: 'us-east-1' },
          { arn: thingArn('t2', 'us-west-2'), tags: { project: 'nova' }, region: 'us-west-2' },
          { arn: roleArn('r1'), tags: { project: 'nova' }, region: 'us-east-1', liveTags: true },
        ]),
      );
    }
    // The type the Tagging API returns is neither listed nor asked for its tags.
    expect(things.calls).toEqual([]);
    expect(roles.called('list')).toEqual(['us-east-1', 'us-east-1']);
  });

  it('list: GetResources in every region, its hit of a supported type dropped; every type listed (a global one once, in the home region) and its tags read with currentTags', async () => {
    const regionsAsked = answerPerRegion({ 'us-east-1': [mapping(thingArn('only-in-tagging'))] });
    const asked: ResourceRef[] = [];
    const things = fakeHandler({
      type: 'fake:thing',
      list: (region) => [{ arn: thingArn(`a-${region}`, region) }, { arn: thingArn(`b-${region}`, region) }],
      currentTags: (ref): Tags => (asked.push(ref), ref.name.startsWith('a-') ? { project: 'nova', env: 'dev' } : { project: 'other' }),
    });
    const roles = fakeHandler({
      type: 'iam:role',
      global: true,
      taggingApi: false,
      list: () => [{ arn: roleArn('r1') }],
      currentTags: (ref) => (asked.push(ref), { project: 'nova' }),
    });
    const { hits } = await run({ regions: ['eu-west-1', 'us-east-1'], handlers: [things, roles], mode: 'list' });

    // Asked in every region (for the types no handler supports); what it says of fake:thing is not used.
    expect(regionsAsked.sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect([...things.called('list')].sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect(roles.called('list')).toEqual(['eu-west-1']);
    expect(sortHits(hits)).toEqual(
      sortHits([
        { arn: thingArn('a-eu-west-1', 'eu-west-1'), tags: { project: 'nova', env: 'dev' }, region: 'eu-west-1', liveTags: true },
        { arn: thingArn('a-us-east-1'), tags: { project: 'nova', env: 'dev' }, region: 'us-east-1', liveTags: true },
        { arn: roleArn('r1'), tags: { project: 'nova' }, region: 'eu-west-1', liveTags: true },
      ]),
    );
    // Each listed resource's tags were read once, through a ref in its own region (a global one: home).
    expect(asked.map((r) => r.arn).sort()).toEqual([thingArn('a-eu-west-1', 'eu-west-1'), thingArn('a-us-east-1'), thingArn('b-eu-west-1', 'eu-west-1'), thingArn('b-us-east-1'), roleArn('r1')].sort());
    expect(asked.find((r) => r.arn === thingArn('b-eu-west-1', 'eu-west-1'))).toMatchObject({ type: 'fake:thing', region: 'eu-west-1', name: 'b-eu-west-1', account: ACCOUNT });
    expect(asked.find((r) => r.arn === roleArn('r1'))).toMatchObject({ type: 'iam:role', region: 'eu-west-1', name: 'r1' });
  });

  it('list: a resource whose ARN has no region (a bucket) is found in the region that listed it', async () => {
    const bucket = fakeHandler({
      type: 's3:bucket',
      arnPattern: /^arn:aws:s3:::[^/]+$/,
      list: { 'us-west-2': [{ arn: 'arn:aws:s3:::nova-data' }] },
      currentTags: { project: 'nova' },
    });
    const asked: ResourceRef[] = [];
    const spy = bucket.currentTags.bind(bucket);
    bucket.currentTags = (ref, ctx) => (asked.push(ref), spy(ref, ctx));
    const { hits } = await run({ regions: ['us-east-1', 'us-west-2'], handlers: [bucket], mode: 'list' });
    expect(hits).toEqual([{ arn: 'arn:aws:s3:::nova-data', tags: { project: 'nova' }, region: 'us-west-2', liveTags: true }]);
    expect(asked.map((r) => r.region)).toEqual(['us-west-2']);
  });

  it('list: the filters decide as the Tagging API would (every filter; any listed value; a key alone: any value)', async () => {
    const tagsOf: Record<string, Record<string, string>> = {
      [thingArn('both')]: { project: 'nova-dev', owner: 'me' },
      [thingArn('no-owner')]: { project: 'nova' },
      [thingArn('empty-owner')]: { project: 'nova', owner: '' },
      [thingArn('other-value')]: { project: 'nova-prod', owner: 'me' },
    };
    const things = fakeHandler({ type: 'fake:thing', list: () => Object.keys(tagsOf).map((arn) => ({ arn })), currentTags: tagsOf });
    const { hits } = await run({ handlers: [things], mode: 'list', filters: [{ key: 'project', values: ['nova', 'nova-dev'] }, { key: 'owner', values: [] }] });
    expect(hits.map((h) => h.arn).sort()).toEqual([thingArn('both'), thingArn('empty-owner')].sort());
  });

  it('list: tags the list call carries (Listed.tags) are used as they are; currentTags is not called', async () => {
    const things = fakeHandler({
      type: 'fake:thing',
      list: (): Listed[] => [
        { arn: thingArn('ours'), tags: { project: 'nova', team: 'ml' } },
        { arn: thingArn('theirs'), tags: { project: 'other' } },
        { arn: thingArn('bare'), tags: {} },
      ],
      currentTags: awsError('ShouldNotBeCalled', 'currentTags was called'),
    });
    const { hits } = await run({ handlers: [things], mode: 'list' });
    expect(hits).toEqual([{ arn: thingArn('ours'), tags: { project: 'nova', team: 'ml' }, region: 'us-east-1', liveTags: true }]);
    expect(things.called('currentTags')).toEqual([]);
  });

  it('list: a resource gone between the list and the tag read is skipped, not an error', async () => {
    const things = fakeHandler({
      type: 'fake:thing',
      list: () => [{ arn: thingArn('kept') }, { arn: thingArn('vanished') }],
      currentTags: { [thingArn('kept')]: { project: 'nova' }, [thingArn('vanished')]: GONE },
    });
    const { hits } = await run({ handlers: [things], mode: 'list' });
    expect(hits.map((h) => h.arn)).toEqual([thingArn('kept')]);
    expect([...things.called('currentTags')].sort()).toEqual([thingArn('kept'), thingArn('vanished')]);
  });

  it('list: the tag reads run in the type\'s lane of the throughput table', async () => {
    const flight = new InFlight();
    const things = () =>
      fakeHandler({
        type: 'fake:thing',
        list: () => ['a', 'b', 'c', 'd'].map((n) => ({ arn: thingArn(n) })),
        currentTags: async () => (await flight.hold(), { project: 'nova' }),
      });
    const one = await run({ handlers: [things()], mode: 'list', throughput: new Throughput({ fake: { read: 1, write: 1 } }) });
    expect(one.hits).toHaveLength(4);
    expect(flight.max).toBe(1);
    flight.max = 0;
    await run({ handlers: [things()], mode: 'list', throughput: new Throughput({ fake: { read: 8, write: 1 } }) });
    expect(flight.max).toBe(4);
  });

  it("list: a Tagging API hit of a type no handler supports is kept as it came; one of a supported type (selected or not) is dropped, the type's own listing deciding with live tags", async () => {
    const job = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:training-job/train-1`;
    const farJob = `arn:aws:sagemaker:us-west-2:${ACCOUNT}:training-job/train-2`;
    const asked = answerPerRegion({
      'us-east-1': [
        mapping(job, { project: 'nova', team: 'ml' }),
        mapping(thingArn('seen-both'), { project: 'nova', stale: 'yes' }),
        // Remembered by the Tagging API, not in the type's listing (deleted, or no longer ours): dropped.
        mapping(thingArn('tagging-only')),
        // A supported type the run did not select: dropped too (only unsupported types are kept).
        mapping(`arn:aws:fake:us-east-1:${ACCOUNT}:other/o1`),
      ],
      'us-west-2': [mapping(farJob)],
    });
    const things = fakeHandler({
      type: 'fake:thing',
      list: { 'us-east-1': [{ arn: thingArn('seen-both') }] },
      currentTags: { [thingArn('seen-both')]: { project: 'nova', fresh: 'yes' } },
    });
    const others = fakeHandler({ type: 'fake:other' });
    const { hits, failures } = await run({ regions: ['us-east-1', 'us-west-2'], handlers: [things], supported: [things, others], mode: 'list' });

    expect(asked.sort()).toEqual(['us-east-1', 'us-west-2']);
    expect(failures).toEqual([]);
    expect(sortHits(hits)).toEqual(
      sortHits([
        { arn: job, tags: { project: 'nova', team: 'ml' }, region: 'us-east-1' },
        { arn: farJob, tags: { project: 'nova' }, region: 'us-west-2' },
        { arn: thingArn('seen-both'), tags: { project: 'nova', fresh: 'yes' }, region: 'us-east-1', liveTags: true },
      ]),
    );
    expect(others.calls).toEqual([]);
  });

  it('list: the Tagging API failing in a region stops the run (exit 2), as in the other modes', async () => {
    answerPerRegion({ 'eu-west-1': awsError('AccessDeniedException', 'not authorized to perform tag:GetResources', 403) });
    const things = fakeHandler({ type: 'fake:thing', list: () => [{ arn: thingArn('t1') }], currentTags: { project: 'nova' } });
    const err = await run({ regions: ['us-east-1', 'eu-west-1'], handlers: [things], mode: 'list' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NovaError);
    expect((err as NovaError).exitCode).toBe(2);
    expect((err as NovaError).message).toContain('eu-west-1');
    expect((err as NovaError).message).toContain('GetResources');
  });

  it('tagging: GetResources is asked in every region even when no selected type is one it returns', async () => {
    const job = `arn:aws:sagemaker:us-west-2:${ACCOUNT}:training-job/train-1`;
    const asked = answerPerRegion({ 'us-west-2': [mapping(job)] });
    const roles = fakeHandler({ type: 'iam:role', global: true, taggingApi: false, list: () => [{ arn: roleArn('r1') }] });
    const { hits } = await run({ regions: ['us-east-1', 'us-west-2'], handlers: [roles], mode: 'tagging' });
    expect(asked.sort()).toEqual(['us-east-1', 'us-west-2']);
    expect(roles.called('list')).toEqual(['us-east-1']);
    expect(sortHits(hits)).toEqual(
      sortHits([
        { arn: job, tags: { project: 'nova' }, region: 'us-west-2' },
        { arn: roleArn('r1'), tags: { project: 'nova' }, region: 'us-east-1', liveTags: true },
      ]),
    );
  });

  it('both: the union of the Tagging API and every list, the live tags winning where both found it', async () => {
    const asked = answerPerRegion({
      'us-east-1': [
        mapping(thingArn('seen-both'), { project: 'nova', stale: 'yes' }),
        // The Tagging API reports deleted resources for hours: not in the list, handed on (reconcile reads it).
        mapping(thingArn('tagging-only')),
      ],
      'us-west-2': [],
    });
    const things = fakeHandler({
      type: 'fake:thing',
      // A new resource the Tagging API does not show yet (it lags by minutes).
      list: { 'us-east-1': [{ arn: thingArn('seen-both') }, { arn: thingArn('list-only') }] },
      currentTags: { [thingArn('seen-both')]: { project: 'nova', fresh: 'yes' }, [thingArn('list-only')]: { project: 'nova' } },
    });
    const roles = fakeHandler({ type: 'iam:role', global: true, taggingApi: false, list: () => [{ arn: roleArn('r1') }] });
    const { hits } = await run({ regions: ['us-east-1', 'us-west-2'], handlers: [things, roles], mode: 'both' });

    expect(asked.sort()).toEqual(['us-east-1', 'us-west-2']);
    expect([...things.called('list')].sort()).toEqual(['us-east-1', 'us-west-2']);
    expect(roles.called('list')).toEqual(['us-east-1']);
    expect(sortHits(hits)).toEqual(
      sortHits([
        { arn: thingArn('seen-both'), tags: { project: 'nova', fresh: 'yes' }, region: 'us-east-1', liveTags: true },
        { arn: thingArn('tagging-only'), tags: { project: 'nova' }, region: 'us-east-1' },
        { arn: thingArn('list-only'), tags: { project: 'nova' }, region: 'us-east-1', liveTags: true },
        { arn: roleArn('r1'), tags: { project: 'nova' }, region: 'us-east-1', liveTags: true },
      ]),
    );
  });

  it('both: a bucket the Tagging API returns through several regions and its own region lists is one hit, with live tags', async () => {
    const arn = 'arn:aws:s3:::nova-data';
    answerPerRegion({ 'us-east-1': [mapping(arn, { project: 'nova', old: 'x' })], 'us-west-2': [mapping(arn, { project: 'nova', old: 'x' })] });
    const bucket = fakeHandler({ type: 's3:bucket', arnPattern: /^arn:aws:s3:::[^/]+$/, list: { 'us-west-2': [{ arn }] }, currentTags: { project: 'nova' } });
    const { hits } = await run({ regions: ['us-east-1', 'us-west-2'], handlers: [bucket], mode: 'both' });
    expect(hits).toEqual([{ arn, tags: { project: 'nova' }, region: 'us-west-2', liveTags: true }]);
  });

  it("both: a failing list is a failure; the Tagging API's hits are still handed on", async () => {
    answerPerRegion({ 'us-east-1': [mapping(thingArn('t1'))] });
    const things = fakeHandler({ type: 'fake:thing', list: { 'us-east-1': awsError('AccessDeniedException', 'no ListThings', 403) } });
    const { hits, failures } = await run({ handlers: [things], mode: 'both' });
    expect(failures).toEqual([{ handler: things, region: 'us-east-1', error: expect.stringContaining('no ListThings') }]);
    expect(hits).toEqual([{ arn: thingArn('t1'), tags: { project: 'nova' }, region: 'us-east-1' }]);
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
