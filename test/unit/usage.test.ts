import { DescribeRegionsCommand, EC2Client, type Region } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { arnKey } from '../../src/aws/arn.js';
import { Throughput } from '../../src/aws/throughput.js';
import { enabledRegions, scanUsers, type UsageOptions, type UsageScan } from '../../src/discovery/usage.js';
import type { ResourceRef } from '../../src/model.js';
import { GONE, type ResourceHandler } from '../../src/resources/handler.js';
import { buildRegistry, type Registry } from '../../src/resources/registry.js';
import { awsError, testContext } from '../helpers/context.js';
import { fakeHandler, refOf, type FakeHandler, type FakeHandlerOptions } from '../helpers/fakes.js';

const ec2 = mockClient(EC2Client);
const ACCOUNT = '123456789012';
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const fnArn = (name: string, region = 'us-east-1') => `arn:aws:lambda:${region}:${ACCOUNT}:function/${name}`;
const modelArn = (name: string, region = 'us-east-1') => `arn:aws:sagemaker:${region}:${ACCOUNT}:model/${name}`;
const role = (name: string) => refOf(roleArn(name), 'iam:role', 'us-east-1');

const ENABLED: Region[] = [
  { RegionName: 'us-east-1', OptInStatus: 'opt-in-not-required' },
  { RegionName: 'eu-west-1', OptInStatus: 'opt-in-not-required' },
  { RegionName: 'ap-east-1', OptInStatus: 'opted-in' },
  { RegionName: 'af-south-1', OptInStatus: 'not-opted-in' },
  { RegionName: 'cn-north-1', OptInStatus: 'opt-in-not-required' },
  { RegionName: 'us-gov-west-1', OptInStatus: 'opt-in-not-required' },
  { RegionName: 'eu-west-1', OptInStatus: 'opt-in-not-required' },
];
const ENABLED_AWS = ['ap-east-1', 'eu-west-1', 'us-east-1'];

interface World {
  role: FakeHandler;
  fn: FakeHandler;
  model: FakeHandler;
  config: FakeHandler;
  bucket: FakeHandler;
  registry: Registry;
}

/** Roles (global) are used by functions and models; models by endpoint configs; buckets by nothing. */
function world(o: { fn?: FakeHandlerOptions; model?: FakeHandlerOptions; config?: FakeHandlerOptions; extra?: ResourceHandler[] } = {}): World {
  const roleH = fakeHandler({ type: 'iam:role', global: true });
  const fn = fakeHandler({ type: 'lambda:function', references: ['iam:role'], ...o.fn });
  const model = fakeHandler({ type: 'sagemaker:model', references: ['iam:role'], ...o.model });
  const config = fakeHandler({ type: 'sagemaker:endpoint-config', references: ['sagemaker:model'], ...o.config });
  const bucket = fakeHandler({ type: 's3:bucket', arnPattern: /^arn:[\w-]+:s3:::[^/]+$/ });
  return { role: roleH, fn, model, config, bucket, registry: buildRegistry([roleH, fn, model, config, bucket, ...(o.extra ?? [])]) };
}

function scan(w: World, candidates: readonly ResourceRef[], over: Partial<UsageOptions> = {}): Promise<UsageScan> {
  const ctx = testContext();
  return scanUsers({
    registry: w.registry,
    ctx,
    aws: ctx.aws,
    throughput: new Throughput(),
    candidates,
    known: new Map(),
    regions: ['us-east-1'],
    partition: 'aws',
    ...over,
  });
}

/** Answers DescribeRegions, recording the region of the client each call went through. */
function answerRegions(regions: Region[] | Error): string[] {
  const asked: string[] = [];
  ec2.on(DescribeRegionsCommand).callsFake(async (_input, getClient) => {
    asked.push(await (getClient().config.region as () => Promise<string>)());
    if (regions instanceof Error) throw regions;
    return { Regions: regions };
  });
  return asked;
}

const sorted = (xs: readonly string[]) => [...xs].sort();
const userOf = (s: UsageScan, arn: string) => s.users.find((u) => u.ref.arn === arn);

describe('scanUsers', () => {
  beforeEach(() => ec2.reset());

  it('lists nothing when no candidate is of a type others may reference', async () => {
    const w = world();
    const s = await scan(w, [refOf('arn:aws:s3:::nova-data', 's3:bucket'), refOf(fnArn('f1'), 'lambda:function')], { regions: ['us-east-1', 'eu-west-1'] });
    expect(s).toEqual({ users: [], holds: [], examinedRegions: ['us-east-1', 'eu-west-1'], listings: 0, reads: 0 });
    for (const h of [w.fn, w.model, w.config]) expect(h.called('list')).toEqual([]);
    expect(ec2).not.toHaveReceivedAnyCommand();
  });

  it('a global candidate: every user type is listed once in each region enabled for the account', async () => {
    const asked = answerRegions(ENABLED);
    const w = world();
    const s = await scan(w, [role('r1'), role('r2')], { regions: ['us-east-1'] });
    expect(ec2).toHaveReceivedCommandTimes(DescribeRegionsCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(DescribeRegionsCommand, { AllRegions: false });
    expect(asked).toEqual(['us-east-1']);
    expect(s.examinedRegions).toEqual(ENABLED_AWS);
    expect(sorted(w.fn.called('list'))).toEqual(ENABLED_AWS);
    expect(sorted(w.model.called('list'))).toEqual(ENABLED_AWS);
    // Endpoint configs use models, not roles: no model is a candidate, so they are not listed.
    expect(w.config.called('list')).toEqual([]);
    expect(s.listings).toBe(6);
    expect(s.holds).toEqual([]);
  });

  it("a candidate's own answer of who uses it replaces the listing of those types, and names its users", async () => {
    answerRegions([{ RegionName: 'us-east-1' }]);
    const profiles = fakeHandler({ type: 'iam:instance-profile', global: true, references: ['iam:role'], arnPattern: /:instance-profile\// });
    const w = world({ extra: [profiles] });
    const profileArn = `arn:aws:iam::${ACCOUNT}:instance-profile/p1`;
    const usedBy = new Map([
      [arnKey(roleArn('r1')), { types: ['iam:instance-profile', 'lambda:function'], arns: [profileArn] }],
      [arnKey(roleArn('r2')), { types: ['iam:instance-profile'], arns: [] }],
    ]);
    const s = await scan(w, [role('r1'), role('r2')], { usedBy });
    // Both candidates answered for instance profiles: none is listed. Only r2 leaves functions open.
    expect(profiles.called('list')).toEqual([]);
    expect(w.fn.called('list')).toEqual(['us-east-1']);
    expect(w.model.called('list')).toEqual(['us-east-1']);
    expect(userOf(s, profileArn)).toMatchObject({ ref: { type: 'iam:instance-profile' }, uses: [roleArn('r1')] });
  });

  it('a user type the user says is absent (--assume-absent) is not listed', async () => {
    answerRegions([{ RegionName: 'us-east-1' }]);
    const w = world();
    await scan(w, [role('r1')], { skip: (t) => t === 'sagemaker:model' });
    expect(w.model.called('list')).toEqual([]);
    expect(w.fn.called('list')).toEqual(['us-east-1']);
  });

  it('a user a candidate names but no handler owns is still a user (it stays, so the candidate does)', async () => {
    answerRegions([{ RegionName: 'us-east-1' }]);
    const w = world();
    const userArn = `arn:aws:iam::${ACCOUNT}:user/alice`;
    const s = await scan(w, [role('r1')], { usedBy: new Map([[arnKey(roleArn('r1')), { types: [], arns: [userArn] }]]) });
    expect(userOf(s, userArn)).toMatchObject({ ref: { type: 'unknown' }, uses: [roleArn('r1')] });
  });

  it('asks DescribeRegions in the home region (the first of the run)', async () => {
    const asked = answerRegions(ENABLED);
    await scan(world(), [role('r1')], { regions: ['eu-west-1', 'us-east-1'] });
    expect(asked).toEqual(['eu-west-1']);
  });

  it('a global user type is listed once, in the home region', async () => {
    answerRegions(ENABLED);
    const profiles = fakeHandler({ type: 'iam:instance-profile', global: true, references: ['iam:role'] });
    const w = world({ extra: [profiles] });
    await scan(w, [role('r1')], { regions: ['eu-west-1'] });
    expect(profiles.called('list')).toEqual(['eu-west-1']);
    expect(sorted(w.fn.called('list'))).toEqual(ENABLED_AWS);
  });

  it('a regional candidate: its user types are listed only in the regions of the candidates', async () => {
    const w = world();
    const s = await scan(w, [refOf(modelArn('m1', 'us-east-1'), 'sagemaker:model'), refOf(modelArn('m2', 'us-west-2'), 'sagemaker:model'), refOf(modelArn('m3', 'us-west-2'), 'sagemaker:model')], {
      regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
    });
    expect(sorted(w.config.called('list'))).toEqual(['us-east-1', 'us-west-2']);
    expect(w.fn.called('list')).toEqual([]);
    expect(w.model.called('list')).toEqual([]);
    expect(ec2).not.toHaveReceivedAnyCommand();
    expect(s.examinedRegions).toEqual(['us-east-1', 'us-west-2', 'eu-west-1']);
    expect(s.listings).toBe(2);
  });

  it('reuses uses the listing gave and uses the run already read; reads the rest with readUses', async () => {
    answerRegions([{ RegionName: 'us-east-1' }]);
    const w = world({
      fn: {
        list: { 'us-east-1': [{ arn: fnArn('listed'), uses: [roleArn('r1')] }, { arn: fnArn('known') }, { arn: fnArn('unread') }] },
        readUses: (ref) => (ref.arn === fnArn('unread') ? [roleArn('r1'), roleArn('r2')] : new Error(`unexpected readUses ${ref.arn}`)),
      },
    });
    const known = new Map([[arnKey(fnArn('known')), [roleArn('r2')]]]);
    const s = await scan(w, [role('r1')], { known });
    expect(w.fn.called('readUses')).toEqual([fnArn('unread')]);
    expect(w.fn.called('describe')).toEqual([]);
    expect(userOf(s, fnArn('listed'))?.uses).toEqual([roleArn('r1')]);
    expect(userOf(s, fnArn('known'))?.uses).toEqual([roleArn('r2')]);
    expect(userOf(s, fnArn('unread'))?.uses).toEqual([roleArn('r1'), roleArn('r2')]);
    expect(userOf(s, fnArn('unread'))?.ref).toMatchObject({ type: 'lambda:function', region: 'us-east-1', name: 'unread' });
    expect(s.reads).toBe(1);
    expect(s.holds).toEqual([]);
  });

  it('a listed resource that uses nothing is still a user (with no uses), not read again', async () => {
    answerRegions([{ RegionName: 'us-east-1' }]);
    const w = world({ fn: { list: { 'us-east-1': [{ arn: fnArn('idle'), uses: [] }] } } });
    const s = await scan(w, [role('r1')]);
    expect(userOf(s, fnArn('idle'))?.uses).toEqual([]);
    expect(w.fn.called('readUses')).toEqual([]);
    expect(s.reads).toBe(0);
  });

  it('falls back to describe when a type has no readUses', async () => {
    const base = fakeHandler({
      type: 'lambda:function',
      references: ['iam:role'],
      list: { 'us-east-1': [{ arn: fnArn('f1') }] },
      describe: { tags: {}, config: {}, uses: [roleArn('r1')] },
    });
    const noReadUses: FakeHandler = { ...base, readUses: undefined };
    const roleH = fakeHandler({ type: 'iam:role', global: true });
    answerRegions([{ RegionName: 'us-east-1' }]);
    const ctx = testContext();
    const s = await scanUsers({
      registry: buildRegistry([roleH, noReadUses]),
      ctx,
      aws: ctx.aws,
      throughput: new Throughput(),
      candidates: [role('r1')],
      known: new Map(),
      regions: ['us-east-1'],
      partition: 'aws',
    });
    expect(base.called('describe')).toEqual([fnArn('f1')]);
    expect(userOf(s, fnArn('f1'))?.uses).toEqual([roleArn('r1')]);
    expect(s.reads).toBe(1);
  });

  it('a listed resource that is gone when read is not a user, and holds nothing back', async () => {
    answerRegions([{ RegionName: 'us-east-1' }]);
    const w = world({
      fn: {
        list: { 'us-east-1': [{ arn: fnArn('vanished') }, { arn: fnArn('here') }] },
        readUses: (ref) => (ref.arn === fnArn('vanished') ? GONE : [roleArn('r1')]),
      },
    });
    const s = await scan(w, [role('r1')]);
    expect(userOf(s, fnArn('vanished'))).toBeUndefined();
    expect(userOf(s, fnArn('here'))?.uses).toEqual([roleArn('r1')]);
    expect(s.holds).toEqual([]);
    expect(s.reads).toBe(2);
  });

  it('a listing that fails holds back what that type may use, in that region; other listings still count', async () => {
    answerRegions(ENABLED);
    const w = world({
      fn: {
        list: (region) => {
          if (region === 'eu-west-1') throw awsError('AccessDeniedException', 'not authorized to perform lambda:ListFunctions', 403);
          return [{ arn: fnArn('f1', region), uses: [roleArn('r1')] }];
        },
      },
    });
    const s = await scan(w, [role('r1')]);
    expect(s.holds).toHaveLength(1);
    const hold = s.holds[0]!;
    expect(hold).toMatchObject({ region: 'eu-west-1', by: 'lambda:function in eu-west-1' });
    expect(hold.types).toEqual(expect.arrayContaining([...w.fn.references]));
    expect(hold.types).toContain('iam:role');
    expect(hold.reason).toContain('AccessDeniedException');
    expect(sorted(s.users.map((u) => u.ref.arn))).toEqual([fnArn('f1', 'ap-east-1'), fnArn('f1', 'us-east-1')]);
    expect(s.listings).toBe(6);
  });

  it('a service with no endpoint in a region (its AWS hostname does not resolve) has nothing there: no hold; any other DNS failure holds', async () => {
    answerRegions(ENABLED);
    const dns = (hostname: string) => Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    const w = world({
      fn: {
        list: (region) => {
          if (region === 'ap-east-1') throw dns('lambda.ap-east-1.amazonaws.com');
          if (region === 'eu-west-1') throw dns('emulator.internal');
          return [];
        },
      },
    });
    const s = await scan(w, [role('r1')]);
    expect(s.unavailable).toEqual(['lambda:function in ap-east-1']);
    expect(s.holds.map((h) => h.by)).toEqual(['lambda:function in eu-west-1']);
  });

  it('a global user type whose listing fails holds back in every region', async () => {
    answerRegions([{ RegionName: 'us-east-1' }]);
    const profiles = fakeHandler({ type: 'iam:instance-profile', global: true, references: ['iam:role'], list: { 'us-east-1': awsError('ServiceFailure', 'boom', 500) } });
    const s = await scan(world({ extra: [profiles] }), [role('r1')]);
    expect(s.holds).toEqual([expect.objectContaining({ by: 'iam:instance-profile in us-east-1', region: undefined })]);
    expect(s.holds[0]!.types).toContain('iam:role');
  });

  it('a read that fails holds back what the resource may use, naming it; the others are still users', async () => {
    answerRegions([{ RegionName: 'us-east-1' }]);
    const w = world({
      fn: {
        list: { 'us-east-1': [{ arn: fnArn('secret') }, { arn: fnArn('open') }] },
        readUses: (ref) => (ref.arn === fnArn('secret') ? awsError('AccessDeniedException', 'not authorized to perform lambda:GetFunctionConfiguration', 403) : [roleArn('r1')]),
      },
    });
    const s = await scan(w, [role('r1')]);
    expect(s.holds).toHaveLength(1);
    const hold = s.holds[0]!;
    expect(hold).toMatchObject({ by: fnArn('secret'), region: 'us-east-1' });
    expect(hold.types).toEqual(expect.arrayContaining(['iam:role']));
    expect(hold.reason).toContain('secret');
    expect(hold.reason).toContain('AccessDeniedException');
    expect(userOf(s, fnArn('secret'))).toBeUndefined();
    expect(userOf(s, fnArn('open'))?.uses).toEqual([roleArn('r1')]);
    expect(s.reads).toBe(2);
  });

  it('DescribeRegions failing holds back the global candidate types everywhere, and the run regions are still searched', async () => {
    answerRegions(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403));
    const w = world();
    const s = await scan(w, [role('r1'), refOf(modelArn('m1', 'us-west-2'), 'sagemaker:model')], { regions: ['us-east-1', 'us-west-2'] });
    const hold = s.holds.find((h) => h.by === 'ec2:DescribeRegions');
    expect(hold).toBeDefined();
    expect(hold!.types).toEqual(['iam:role']);
    expect(hold!.region).toBeUndefined();
    expect(hold!.reason).toContain('UnauthorizedOperation');
    expect(s.holds).toHaveLength(1);
    expect(s.examinedRegions).toEqual(['us-east-1', 'us-west-2']);
    expect(sorted(w.fn.called('list'))).toEqual(['us-east-1', 'us-west-2']);
    expect(w.config.called('list')).toEqual(['us-west-2']);
  });

  it('DescribeRegions answering no region of the partition counts as a failure', async () => {
    answerRegions([{ RegionName: 'af-south-1', OptInStatus: 'not-opted-in' }, { RegionName: 'cn-north-1' }]);
    const s = await scan(world(), [role('r1')]);
    expect(s.holds).toEqual([expect.objectContaining({ by: 'ec2:DescribeRegions', types: ['iam:role'], region: undefined })]);
    expect(s.examinedRegions).toEqual(['us-east-1']);
  });

  it('counts listings and reads', async () => {
    answerRegions([{ RegionName: 'us-east-1' }, { RegionName: 'us-west-2' }]);
    const w = world({
      fn: { list: (region) => [{ arn: fnArn('a', region) }, { arn: fnArn('b', region), uses: [] }], readUses: () => [roleArn('r1')] },
      model: { list: { 'us-east-1': [{ arn: modelArn('m', 'us-east-1') }], 'us-west-2': awsError('ThrottlingException', 'slow down') }, readUses: () => [] },
    });
    const s = await scan(w, [role('r1')]);
    // fn × 2 regions + model × 2 regions; reads: fn a in 2 regions + model m in us-east-1.
    expect(s.listings).toBe(4);
    expect(s.reads).toBe(3);
    expect(s.users).toHaveLength(5);
    expect(s.holds).toHaveLength(1);
  });
});

describe('enabledRegions', () => {
  beforeEach(() => ec2.reset());

  it('keeps the enabled regions of the partition, once each, sorted', async () => {
    answerRegions(ENABLED);
    const aws = testContext().aws;
    await expect(enabledRegions(aws, 'us-east-1', 'aws')).resolves.toEqual(ENABLED_AWS);
    await expect(enabledRegions(aws, 'us-east-1', 'aws-cn')).resolves.toEqual(['cn-north-1']);
    await expect(enabledRegions(aws, 'us-east-1', 'aws-us-gov')).resolves.toEqual(['us-gov-west-1']);
  });

  it('throws when none is left', async () => {
    answerRegions([]);
    await expect(enabledRegions(testContext().aws, 'us-east-1', 'aws')).rejects.toThrow(/no region/);
  });
});
