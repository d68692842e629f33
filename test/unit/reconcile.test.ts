import { describe, expect, it, vi } from 'vitest';
import { Throughput } from '../../src/aws/throughput.js';
import { reconcile, typeMatches, typeSelected, type Found, type ReconcileOptions, type Reconciled } from '../../src/discovery/reconcile.js';
import type { ResourceRef, Tags } from '../../src/model.js';
import { GONE, type Described, type Hit } from '../../src/resources/handler.js';
import { buildRegistry } from '../../src/resources/registry.js';
import { awsError, testContext } from '../helpers/context.js';
import { DEFAULT_FILTERS, DEFAULT_TAGS, fakeHandler, InFlight, type FakeHandlerOptions } from '../helpers/fakes.js';

const ACCOUNT = '123456789012';
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const thingArn = (name: string, region = 'us-east-1') => `arn:aws:fake:${region}:${ACCOUNT}:thing/${name}`;
const partArn = (name: string, region = 'us-east-1') => `arn:aws:fake:${region}:${ACCOUNT}:part/${name}`;
const hit = (arn: string, extra: Partial<Hit> = {}): Hit => ({ arn, tags: { ...DEFAULT_TAGS }, region: 'us-east-1', ...extra });
const described = (d: Partial<Described> = {}): Described => ({ tags: { ...DEFAULT_TAGS }, config: {}, uses: [], ...d });

/** The three fake types of these tests: a thing may use parts and roles, a part may use roles. */
function world(o: { role?: FakeHandlerOptions; thing?: FakeHandlerOptions; part?: FakeHandlerOptions } = {}) {
  const role = fakeHandler({ type: 'iam:role', global: true, ...o.role });
  const thing = fakeHandler({ type: 'fake:thing', references: ['fake:part', 'iam:role'], ...o.thing });
  const part = fakeHandler({ type: 'fake:part', references: ['iam:role'], ...o.part });
  const registry = buildRegistry([thing, part, role]);
  return { role, thing, part, registry };
}

function run(registry: ReconcileOptions['registry'], hits: readonly Hit[], over: Partial<ReconcileOptions> = {}): Promise<Reconciled> {
  return reconcile({
    hits,
    registry,
    ctx: testContext(),
    throughput: new Throughput(),
    filters: DEFAULT_FILTERS,
    types: { include: [], exclude: [] },
    regions: ['us-east-1'],
    isCaller: () => false,
    ...over,
  });
}

function get(r: Reconciled, arn: string): Found {
  const f = r.found.find((x) => x.ref.arn === arn);
  if (!f) throw new Error(`not found: ${arn} (found: ${r.found.map((x) => x.ref.arn).join(', ')})`);
  return f;
}
const has = (r: Reconciled, arn: string) => r.found.some((x) => x.ref.arn === arn);

describe('typeMatches / typeSelected', () => {
  it('matches exact types and service wildcards', () => {
    expect(typeMatches('sagemaker:endpoint', 'sagemaker:endpoint')).toBe(true);
    expect(typeMatches('sagemaker:endpoint', 'sagemaker:*')).toBe(true);
    expect(typeMatches('sagemaker:endpoint', 'sagemaker:model')).toBe(false);
    expect(typeMatches('lambda:function', 'sagemaker:*')).toBe(false);
    expect(typeSelected('iam:role', { include: [], exclude: [] })).toBe(true);
    expect(typeSelected('iam:role', { include: ['lambda:*'], exclude: [] })).toBe(false);
    expect(typeSelected('lambda:function', { include: ['lambda:*'], exclude: ['lambda:function'] })).toBe(false);
  });
});

describe('reconcile: each hit against its own service', () => {
  it('a hit whose live tags match, and that nothing refuses, is a candidate with what describe read', async () => {
    const { thing, registry } = world({ thing: { describe: described({ config: { size: 3 }, tags: { project: 'nova', env: 'dev' } }) } });
    const r = await run(registry, [hit(thingArn('t1'), { tags: { project: 'stale' } })]);
    const f = get(r, thingArn('t1'));
    expect(f.stays).toBeUndefined();
    expect(f.reported).toBe(true);
    expect(f.tags).toEqual({ project: 'nova', env: 'dev' });
    expect(f.described?.config).toEqual({ size: 3 });
    expect(f.ref).toEqual({ arn: thingArn('t1'), type: 'fake:thing', region: 'us-east-1', account: ACCOUNT, partition: 'aws', name: 't1' });
    expect(thing.called('describe')).toEqual([thingArn('t1')]);
    expect(r.holds).toEqual([]);
  });

  it('a global type is read in the home region (the first of the run)', async () => {
    const { role, registry } = world();
    const r = await run(registry, [hit(roleArn('r1'), { region: 'eu-west-1' })], { regions: ['eu-west-1', 'us-east-1'] });
    expect(get(r, roleArn('r1')).ref.region).toBe('eu-west-1');
    const r2 = await run(registry, [hit(roleArn('r2'), { region: 'us-east-1' })], { regions: ['eu-west-1', 'us-east-1'] });
    expect(get(r2, roleArn('r2')).ref.region).toBe('eu-west-1');
    expect(role.called('describe')).toEqual([roleArn('r1'), roleArn('r2')]);
  });

  it('an ARN no handler owns stays unsupported, and holds back what its service may use, in its region', async () => {
    const { thing, part, role, registry } = world();
    const gadget = `arn:aws:fake:us-west-2:${ACCOUNT}:gadget/g1`;
    const cluster = `arn:aws:kafka:eu-west-1:${ACCOUNT}:cluster/c1`;
    const r = await run(registry, [hit(gadget), hit(cluster)], { regions: ['us-east-1', 'us-west-2', 'eu-west-1'] });
    const g = get(r, gadget);
    expect(g.stays).toMatchObject({ status: 'unsupported', rule: 'unsupported' });
    expect(g.stays?.reason).toMatch(/no handler/);
    expect(g.reported).toBe(true);
    expect(g.described).toBeUndefined();
    expect(g.ref).toMatchObject({ type: 'fake:gadget', region: 'us-west-2', account: ACCOUNT, partition: 'aws' });
    expect(get(r, cluster).ref).toMatchObject({ type: 'kafka:cluster', region: 'eu-west-1' });

    const holdOf = (by: string) => r.holds.find((h) => h.by === by);
    expect(holdOf(gadget)).toMatchObject({ types: registry.mayUse('fake'), region: 'us-west-2' });
    expect(registry.mayUse('fake')).toEqual(['fake:part', 'iam:role']);
    expect(holdOf(gadget)?.reason).toContain(gadget);
    expect(holdOf(cluster)).toMatchObject({ types: ['iam:role'], region: 'eu-west-1' });
    expect(r.holds).toHaveLength(2);
    expect([...thing.calls, ...part.calls, ...role.calls]).toEqual([]);
  });

  it('an unsupported ARN without a region (an IAM user) is held in the region it was found through', async () => {
    const { registry } = world();
    const user = `arn:aws:iam::${ACCOUNT}:user/bob`;
    const r = await run(registry, [hit(user, { region: 'us-east-1' })]);
    expect(get(r, user).stays?.rule).toBe('unsupported');
    expect(get(r, user).ref.type).toBe('iam:user');
    expect(r.holds).toEqual([expect.objectContaining({ by: user, region: 'us-east-1', types: registry.mayUse('iam') })]);
  });

  it('text that is not an ARN stays unsupported, and holds back IAM roles in every region', async () => {
    const { registry } = world();
    const r = await run(registry, [hit("('garbage',)")]);
    const f = get(r, "('garbage',)");
    expect(f.stays).toMatchObject({ status: 'unsupported', rule: 'unsupported' });
    expect(f.stays?.reason).toMatch(/not a valid ARN/);
    expect(f.ref.type).toBe('unknown');
    expect(r.holds).toHaveLength(1);
    expect(r.holds[0]).toMatchObject({ types: ['iam:role'], by: "('garbage',)" });
    expect(r.holds[0]!.region).toBeUndefined();
  });

  it('a type excluded by the selection is left alone without being read', async () => {
    const { thing, role, registry } = world();
    const r = await run(registry, [hit(thingArn('t1')), hit(roleArn('r1'))], { types: { include: [], exclude: ['fake:*'] } });
    expect(get(r, thingArn('t1')).stays).toMatchObject({ status: 'skipped', rule: 'type-excluded' });
    expect(get(r, thingArn('t1')).described).toBeUndefined();
    expect(thing.called('describe')).toEqual([]);
    expect(get(r, roleArn('r1')).stays).toBeUndefined();
    expect(role.called('describe')).toEqual([roleArn('r1')]);
    expect(r.holds).toEqual([]);

    const inc = await run(registry, [hit(thingArn('t2'))], { types: { include: ['iam:role'], exclude: [] } });
    expect(get(inc, thingArn('t2')).stays?.rule).toBe('type-excluded');
    expect(thing.called('describe')).toEqual([]);
  });

  it('from a plan, the type selection does not apply (the plan already chose)', async () => {
    const { thing, registry } = world();
    const r = await run(registry, [hit(thingArn('t1'))], { types: { include: [], exclude: ['fake:*'] }, fromPlan: true });
    expect(get(r, thingArn('t1')).stays).toBeUndefined();
    expect(thing.called('describe')).toEqual([thingArn('t1')]);
  });

  it('a resource that no longer exists is gone, and holds nothing back', async () => {
    const { registry } = world({ thing: { describe: GONE } });
    const r = await run(registry, [hit(thingArn('t1'))]);
    expect(get(r, thingArn('t1')).stays).toMatchObject({ status: 'gone', rule: 'gone' });
    expect(get(r, thingArn('t1')).reported).toBe(true);
    expect(r.holds).toEqual([]);
    const p = await run(registry, [hit(thingArn('t1'))], { fromPlan: true });
    expect(get(p, thingArn('t1')).stays).toMatchObject({ status: 'gone', rule: 'gone', reason: 'it no longer exists' });
  });

  it('a resource that cannot be read is failed/unreadable with the error, and holds back what it may use', async () => {
    const { thing, registry } = world({ thing: { describe: awsError('AccessDeniedException', 'User is not authorized to perform fake:DescribeThing', 403) } });
    const r = await run(registry, [hit(thingArn('t1', 'us-west-2'), { region: 'us-west-2' })], { regions: ['us-east-1', 'us-west-2'] });
    const f = get(r, thingArn('t1', 'us-west-2'));
    expect(f.stays).toMatchObject({ status: 'failed', rule: 'unreadable' });
    expect(f.stays?.error).toContain('AccessDeniedException');
    expect(f.stays?.error).toContain('not authorized');
    expect(f.reported).toBe(true);
    expect(f.tags).toEqual(DEFAULT_TAGS);
    // At least everything its type may use (here: parts and roles), in its region.
    expect(r.holds).toEqual([expect.objectContaining({ region: 'us-west-2', by: thingArn('t1', 'us-west-2') })]);
    expect(r.holds[0]!.types).toEqual(expect.arrayContaining([...thing.references]));
    expect(r.holds[0]!.types).toEqual(expect.arrayContaining(['fake:part', 'iam:role']));
    expect(r.holds[0]!.reason).toContain('could not be read');
  });

  it("live tags that do not match: tags-not-matching, or changed-since-plan from a plan", async () => {
    const { registry } = world({ thing: { describe: described({ tags: { project: 'other' } }) } });
    const r = await run(registry, [hit(thingArn('t1'))]);
    expect(get(r, thingArn('t1')).stays).toMatchObject({ status: 'skipped', rule: 'tags-not-matching' });
    expect(get(r, thingArn('t1')).tags).toEqual({ project: 'other' });
    expect(get(r, thingArn('t1')).described).toBeDefined();
    const p = await run(registry, [hit(thingArn('t1'))], { fromPlan: true });
    expect(get(p, thingArn('t1')).stays).toMatchObject({ status: 'skipped', rule: 'changed-since-plan' });
    expect(r.holds).toEqual([]);
    expect(p.holds).toEqual([]);
  });

  it('a live tag removed since the Tagging API saw it: not matching', async () => {
    const { registry } = world({ thing: { describe: described({ tags: {} }) } });
    const r = await run(registry, [hit(thingArn('t1'), { tags: { project: 'nova' } })]);
    expect(get(r, thingArn('t1')).stays?.rule).toBe('tags-not-matching');
  });

  it('a described home region outside the run: outside-regions; inside it: a candidate in that region', async () => {
    const bucketLike = fakeHandler({
      type: 'store:box',
      arnPattern: /^arn:aws:store:::[^/]+$/,
      describe: (ref: ResourceRef) => described({ region: ref.arn.endsWith('far') ? 'eu-west-1' : 'us-west-2' }),
    });
    const registry = buildRegistry([bucketLike]);
    const r = await run(registry, [hit('arn:aws:store:::box-far'), hit('arn:aws:store:::box-near')], { regions: ['us-east-1', 'us-west-2'] });
    const far = get(r, 'arn:aws:store:::box-far');
    expect(far.stays).toMatchObject({ status: 'skipped', rule: 'outside-regions' });
    expect(far.stays?.reason).toContain('eu-west-1');
    expect(far.ref.region).toBe('eu-west-1');
    const near = get(r, 'arn:aws:store:::box-near');
    expect(near.stays).toBeUndefined();
    expect(near.ref.region).toBe('us-west-2');
  });

  it('protect sees the described resource; a refusal is protected with its reason', async () => {
    const seen: unknown[] = [];
    const { registry } = world({
      thing: {
        describe: (ref: ResourceRef) => described({ config: { owner: ref.name === 't1' ? 'stack/prod' : undefined } }),
        protect: (lr) => {
          seen.push(lr.described.config);
          return lr.described.config.owner ? `owned by CloudFormation ${String(lr.described.config.owner)}` : undefined;
        },
      },
    });
    const r = await run(registry, [hit(thingArn('t1')), hit(thingArn('t2'))]);
    expect(get(r, thingArn('t1')).stays).toEqual({ status: 'skipped', rule: 'protected', reason: 'owned by CloudFormation stack/prod' });
    expect(get(r, thingArn('t2')).stays).toBeUndefined();
    expect(seen).toContainEqual({ owner: 'stack/prod' });
  });

  it("protect is not asked about a resource whose tags do not match", async () => {
    const protect = vi.fn(() => 'refused');
    const { registry } = world({ thing: { describe: described({ tags: { project: 'x' } }), protect } });
    const r = await run(registry, [hit(thingArn('t1'))]);
    expect(get(r, thingArn('t1')).stays?.rule).toBe('tags-not-matching');
    expect(protect).not.toHaveBeenCalled();
  });

  it("the run's own role stays: caller-role", async () => {
    const asked: ResourceRef[] = [];
    const { registry } = world();
    const r = await run(registry, [hit(roleArn('runner')), hit(roleArn('other'))], {
      isCaller: (ref) => {
        asked.push(ref);
        return ref.arn === roleArn('runner');
      },
    });
    expect(get(r, roleArn('runner')).stays).toMatchObject({ status: 'skipped', rule: 'caller-role' });
    expect(get(r, roleArn('other')).stays).toBeUndefined();
    expect(asked.map((a) => a.type)).toEqual(['iam:role', 'iam:role']);
  });

  it('a delete that cannot succeed now is blocked (status blocked), after protect and caller checks', async () => {
    const { registry } = world({ thing: { blocked: (lr) => (lr.ref.name === 't1' ? 'Object Lock in compliance mode' : undefined) } });
    const r = await run(registry, [hit(thingArn('t1')), hit(thingArn('t2'))]);
    expect(get(r, thingArn('t1')).stays).toEqual({ status: 'blocked', rule: 'blocked', reason: 'Object Lock in compliance mode' });
    expect(get(r, thingArn('t2')).stays).toBeUndefined();

    const both = world({ thing: { protect: () => 'service-linked', blocked: () => 'locked' } });
    const r2 = await run(both.registry, [hit(thingArn('t1'))]);
    expect(get(r2, thingArn('t1')).stays?.rule).toBe('protected');
    const caller = await run(world({ thing: { blocked: () => 'locked' } }).registry, [hit(thingArn('t1'))], { isCaller: () => true });
    expect(get(caller, thingArn('t1')).stays?.rule).toBe('caller-role');
  });

  it("protect is given the run's explicit settings (ctx.settings), or none when the run has none", async () => {
    const seen: unknown[] = [];
    const opts = { thing: { protect: (_lr: unknown, settings: object) => (seen.push(settings), 'deleteSharedLogGroups' in settings && settings.deleteSharedLogGroups ? undefined : 'shared') } };
    const on = await run(world(opts).registry, [hit(thingArn('t1'))], { ctx: testContext({ settings: { deleteSharedLogGroups: true } }) });
    expect(get(on, thingArn('t1')).stays).toBeUndefined();
    const off = await run(world(opts).registry, [hit(thingArn('t1'))]);
    expect(get(off, thingArn('t1')).stays).toEqual({ status: 'skipped', rule: 'protected', reason: 'shared' });
    expect(seen).toEqual([{ deleteSharedLogGroups: true }, {}]);
  });

  it('a record AWS keeps is retained (never a candidate, never failed): it uses nothing, so nothing is followed or held', async () => {
    const { role, registry } = world({
      thing: {
        describe: (ref: ResourceRef) => described({ config: { status: ref.name === 'job' ? 'Completed' : 'InProgress' }, uses: ref.name === 'job' ? [roleArn('r1')] : [] }),
        retained: (lr) => (lr.described.config.status === 'Completed' ? 'a finished job: AWS keeps its record and has no delete for it' : undefined),
      },
    });
    const r = await run(registry, [hit(thingArn('job')), hit(thingArn('running'))]);
    const job = get(r, thingArn('job'));
    expect(job.stays).toEqual({ status: 'retained', rule: 'retained-by-aws', reason: 'a finished job: AWS keeps its record and has no delete for it' });
    expect(job.reported).toBe(true);
    expect(job.described?.uses).toEqual([]);
    expect(job.described?.config).toEqual({ status: 'Completed' });
    expect(job.tags).toEqual(DEFAULT_TAGS);
    expect(get(r, thingArn('running')).stays).toBeUndefined();
    expect(has(r, roleArn('r1'))).toBe(false);
    expect(role.calls).toEqual([]);
    expect(r.holds).toEqual([]);
  });

  it('retained comes after the tags, protect and the caller check, and before blocked', async () => {
    const retained = vi.fn(() => 'kept by AWS');
    const notOurs = await run(world({ thing: { describe: described({ tags: { project: 'x' } }), retained } }).registry, [hit(thingArn('t1'))]);
    expect(get(notOurs, thingArn('t1')).stays?.rule).toBe('tags-not-matching');
    expect(retained).not.toHaveBeenCalled();
    const guarded = await run(world({ thing: { protect: () => 'service-linked', retained } }).registry, [hit(thingArn('t1'))]);
    expect(get(guarded, thingArn('t1')).stays?.rule).toBe('protected');
    const caller = await run(world({ thing: { retained } }).registry, [hit(thingArn('t1'))], { isCaller: () => true });
    expect(get(caller, thingArn('t1')).stays?.rule).toBe('caller-role');
    expect(retained).not.toHaveBeenCalled();
    const locked = await run(world({ thing: { retained, blocked: () => 'locked' } }).registry, [hit(thingArn('t1'))]);
    expect(get(locked, thingArn('t1')).stays).toMatchObject({ status: 'retained', rule: 'retained-by-aws' });
    expect(retained).toHaveBeenCalledTimes(1);
  });

  it("a hit with live tags passes them to describe as a hint; a hit without does not", async () => {
    const { thing, registry } = world();
    const spy = vi.spyOn(thing, 'describe');
    const liveTags: Tags = { project: 'nova', owner: 'me' };
    await run(registry, [hit(thingArn('live'), { tags: liveTags, liveTags: true }), hit(thingArn('stale'), { tags: { project: 'nova' } })]);
    const hintOf = (arn: string) => spy.mock.calls.find((c) => c[0].arn === arn)?.[2];
    expect(hintOf(thingArn('live'))).toEqual({ tags: liveTags });
    expect(hintOf(thingArn('stale'))).toBeUndefined();
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it("a use outside the type's declared references is an internal error: failed, and a hold", async () => {
    const stranger = `arn:aws:kafka:us-east-1:${ACCOUNT}:cluster/c1`;
    const { registry } = world({ part: { describe: described({ uses: [thingArn('t9'), stranger] }) } });
    const r = await run(registry, [hit(partArn('p1'))]);
    const f = get(r, partArn('p1'));
    expect(f.stays).toMatchObject({ status: 'failed', rule: 'unreadable' });
    expect(f.stays?.error).toMatch(/^internal: /);
    expect(f.stays?.error).toContain(thingArn('t9'));
    expect(f.stays?.error).toContain(stranger);
    expect(f.reported).toBe(true);
    expect(r.holds).toEqual([expect.objectContaining({ by: partArn('p1'), types: registry.mayUse('fake'), region: 'us-east-1' })]);
    expect(has(r, thingArn('t9'))).toBe(false);
  });

  it('describes run concurrently, bounded per (service, region) by the throughput table', async () => {
    const flight = new InFlight();
    const opts = { thing: { describe: async () => (await flight.hold(), described()) } };
    const hits = ['a', 'b', 'c', 'd'].map((n) => hit(thingArn(n)));
    const one = await run(world(opts).registry, hits, { throughput: new Throughput({ fake: { read: 1, write: 1 } }) });
    expect(flight.max).toBe(1);
    expect(one.found.filter((f) => !f.stays)).toHaveLength(4);
    flight.max = 0;
    await run(world(opts).registry, hits, { throughput: new Throughput({ fake: { read: 8, write: 1 } }) });
    expect(flight.max).toBe(4);
  });
});

describe('reconcile: following what candidates use', () => {
  it("a candidate's use the tags did not find is read, and joins as a candidate when its own tags match", async () => {
    const { role, registry } = world({ thing: { describe: described({ uses: [roleArn('r1')] }) } });
    const r = await run(registry, [hit(thingArn('t1'))]);
    const f = get(r, roleArn('r1'));
    expect(f.stays).toBeUndefined();
    expect(f.reported).toBe(true);
    expect(f.ref.type).toBe('iam:role');
    expect(role.called('describe')).toEqual([roleArn('r1')]);
    expect(r.holds).toEqual([]);
  });

  it('a reached resource is read without a tags hint (nothing live was read of it yet)', async () => {
    const { role, registry } = world({ thing: { describe: described({ uses: [roleArn('r1')] }) } });
    const spy = vi.spyOn(role, 'describe');
    await run(registry, [hit(thingArn('t1'), { liveTags: true })]);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]?.[2]).toBeUndefined();
  });

  it('is followed level after level (thing → part → role)', async () => {
    const { part, role, registry } = world({
      thing: { describe: described({ uses: [partArn('p1')] }) },
      part: { describe: described({ uses: [roleArn('r1')] }) },
    });
    const r = await run(registry, [hit(thingArn('t1'))]);
    expect(get(r, partArn('p1')).stays).toBeUndefined();
    expect(get(r, roleArn('r1')).stays).toBeUndefined();
    expect(get(r, roleArn('r1')).reported).toBe(true);
    expect(part.called('describe')).toEqual([partArn('p1')]);
    expect(role.called('describe')).toEqual([roleArn('r1')]);
  });

  it('a reached resource whose tags do not match is not reported (and not followed further)', async () => {
    const { part, role, registry } = world({
      thing: { describe: described({ uses: [partArn('p1')] }) },
      part: { describe: described({ tags: { project: 'someone-else' }, uses: [roleArn('r1')] }) },
    });
    const r = await run(registry, [hit(thingArn('t1'))]);
    const f = get(r, partArn('p1'));
    expect(f.stays?.rule).toBe('tags-not-matching');
    expect(f.reported).toBe(false);
    expect(part.called('describe')).toEqual([partArn('p1')]);
    expect(role.called('describe')).toEqual([]);
    expect(r.holds).toEqual([]);
  });

  it('a reached resource that is gone is not reported', async () => {
    const { registry } = world({ thing: { describe: described({ uses: [roleArn('r1')] }) }, role: { describe: GONE } });
    const r = await run(registry, [hit(thingArn('t1'))]);
    expect(get(r, roleArn('r1')).stays?.rule).toBe('gone');
    expect(get(r, roleArn('r1')).reported).toBe(false);
  });

  it('a reached resource that cannot be read is reported failed, and holds back what it may use', async () => {
    const { part, registry } = world({
      thing: { describe: described({ uses: [partArn('p1')] }) },
      part: { describe: awsError('AccessDeniedException', 'denied', 403) },
    });
    const r = await run(registry, [hit(thingArn('t1'))]);
    const f = get(r, partArn('p1'));
    expect(f.stays).toMatchObject({ status: 'failed', rule: 'unreadable' });
    expect(f.stays?.error).toContain('AccessDeniedException');
    expect(f.reported).toBe(true);
    expect(r.holds).toEqual([expect.objectContaining({ by: partArn('p1'), region: 'us-east-1' })]);
    expect(r.holds[0]!.types).toEqual(expect.arrayContaining([...part.references]));
    expect(r.holds[0]!.types).toContain('iam:role');
  });

  it('what a resource that stays uses is not followed', async () => {
    const { role, registry } = world({ thing: { describe: described({ tags: { project: 'x' }, uses: [roleArn('r1')] }) } });
    const r = await run(registry, [hit(thingArn('t1'))]);
    expect(has(r, roleArn('r1'))).toBe(false);
    expect(role.called('describe')).toEqual([]);
  });

  it('a use that is also a hit, or used twice, is read once', async () => {
    const { role, registry } = world({ thing: { describe: described({ uses: [roleArn('shared'), roleArn('hit')] }) } });
    const r = await run(registry, [hit(thingArn('t1')), hit(thingArn('t2')), hit(roleArn('hit'))]);
    expect([...role.called('describe')].sort()).toEqual([roleArn('hit'), roleArn('shared')]);
    expect(get(r, roleArn('hit')).reported).toBe(true);
    expect(r.found).toHaveLength(4);
  });

  it('a reached resource whose ARN names a region outside the run stays outside-regions, never a candidate', async () => {
    // Hits all come from the run's regions; a reference can point elsewhere. Being in --region is part of the scope.
    const { part, registry } = world({ thing: { describe: described({ uses: [partArn('p-far', 'eu-west-1')] }) } });
    const r = await run(registry, [hit(thingArn('t1'))], { regions: ['us-east-1'] });
    expect(part.called('describe')).toEqual([partArn('p-far', 'eu-west-1')]);
    const f = get(r, partArn('p-far', 'eu-west-1'));
    expect(f.ref.region).toBe('eu-west-1');
    expect(f.stays?.rule).toBe('outside-regions');
  });

  it('a reached resource AWS retains is not reported, and what it used is not followed', async () => {
    const { role, registry } = world({
      thing: { describe: described({ uses: [partArn('p1')] }) },
      part: { describe: described({ uses: [roleArn('r1')] }), retained: () => 'kept by AWS' },
    });
    const r = await run(registry, [hit(thingArn('t1'))]);
    expect(get(r, partArn('p1'))).toMatchObject({ reported: false, stays: { status: 'retained', rule: 'retained-by-aws' } });
    expect(role.called('describe')).toEqual([]);
    expect(has(r, roleArn('r1'))).toBe(false);
  });

  it('with followReferences false, uses are not followed', async () => {
    const { role, registry } = world({ thing: { describe: described({ uses: [roleArn('r1')] }) } });
    const r = await run(registry, [hit(thingArn('t1'))], { followReferences: false });
    expect(get(r, thingArn('t1')).stays).toBeUndefined();
    expect(get(r, thingArn('t1')).described?.uses).toEqual([roleArn('r1')]);
    expect(has(r, roleArn('r1'))).toBe(false);
    expect(role.calls).toEqual([]);
  });
});

describe('reconcile: --delete-owned-log-groups', () => {
  const fn = thingArn('etl');
  const group = partArn('etl-logs');
  const owner = (tags: Tags) =>
    world({
      thing: { describe: { [fn]: described({ uses: [group], ownLogGroup: group }) } },
      part: { describe: { [group]: described({ tags }) } },
    });
  const on = testContext({ settings: { deleteOwnedLogGroups: true } });

  it('without the option, an untagged own log group reached from a candidate is left alone', async () => {
    const { registry } = owner({});
    const r = await run(registry, [hit(fn)]);
    expect(get(r, group).stays).toMatchObject({ rule: 'tags-not-matching' });
  });

  it('with it, that log group is a candidate, and says why', async () => {
    const { registry } = owner({ team: 'x' });
    const r = await run(registry, [hit(fn)], { ctx: on });
    const f = get(r, group);
    expect(f.stays).toBeUndefined();
    expect(f.because).toBe('the log group of fake:thing etl alone, deleted after it (--delete-owned-log-groups), whatever its tags');
  });

  it('a resource it merely uses is not its own: it must match the tags', async () => {
    const other = partArn('shared');
    const { registry } = world({
      thing: { describe: { [fn]: described({ uses: [group, other], ownLogGroup: group }) } },
      part: { describe: { [group]: described({ tags: {} }), [other]: described({ tags: {} }) } },
    });
    const r = await run(registry, [hit(fn)], { ctx: on });
    expect(get(r, other).stays).toMatchObject({ rule: 'tags-not-matching' });
    expect(get(r, group).stays).toBeUndefined();
  });

  it('from a plan, it stays a candidate only while its tags are what the plan saw', async () => {
    const { registry } = owner({ team: 'x' });
    const same = await run(registry, [hit(group, { tags: { team: 'x' }, logGroupOf: fn })], { ctx: on, fromPlan: true, followReferences: false });
    expect(get(same, group).stays).toBeUndefined();
    const changed = await run(registry, [hit(group, { tags: {}, logGroupOf: fn })], { ctx: on, fromPlan: true, followReferences: false });
    expect(get(changed, group).stays).toMatchObject({ rule: 'changed-since-plan' });
  });
});

describe('reconcile: --delete-owned-log-groups does not depend on the path that reached the group', () => {
  it('a group another candidate merely uses, reached from it first, is still its owner\'s own', async () => {
    const group = partArn('shared-logs');
    const user = thingArn('a-user');
    const owner = thingArn('z-owner');
    const { registry } = world({
      thing: { describe: { [user]: described({ uses: [group] }), [owner]: described({ uses: [group], ownLogGroup: group }) } },
      part: { describe: { [group]: described({ tags: {} }) } },
    });
    for (const hits of [[hit(user), hit(owner)], [hit(owner), hit(user)]]) {
      const r = await run(registry, hits, { ctx: testContext({ settings: { deleteOwnedLogGroups: true } }) });
      expect(get(r, group).stays).toBeUndefined();
      expect(get(r, group)).toMatchObject({ reported: true, because: expect.stringContaining('fake:thing z-owner') });
    }
  });

  it('an own group that its type protects or blocks stays so', async () => {
    const fn = thingArn('etl');
    const group = partArn('etl-logs');
    const { registry } = world({
      thing: { describe: { [fn]: described({ uses: [group], ownLogGroup: group }) } },
      part: { describe: { [group]: described({ tags: {} }) }, blocked: () => 'deletion protection is on' },
    });
    const r = await run(registry, [hit(fn)], { ctx: testContext({ settings: { deleteOwnedLogGroups: true } }) });
    expect(get(r, group).stays).toMatchObject({ rule: 'blocked' });
  });
});

describe('reconcile: prefetch', () => {
  it("each wave's resources of a type are prefetched once per region, before their describes, which get their entry; a failed prefetch leaves each to read alone", async () => {
    const base = fakeHandler({ type: 'fake:thing', references: ['fake:part'] });
    const part = fakeHandler({ type: 'fake:part' });
    const order: string[] = [];
    const hints = new Map<string, unknown>();
    let failing = false;
    const thing = {
      ...base,
      prefetch: vi.fn(async (refs: readonly ResourceRef[]) => {
        order.push(`prefetch ${refs.map((r) => `${r.name}@${r.region}`).join(',')}`);
        if (failing) throw new Error('listing denied');
        return new Map(refs.filter((r) => r.name !== 't3').map((r) => [r.arn, `pre-${r.name}`] as const));
      }),
      describe: async (ref: ResourceRef, _ctx: unknown, hint?: { prefetched?: unknown }) => {
        order.push(`describe ${ref.name}`);
        hints.set(ref.name, hint?.prefetched);
        return described({ uses: ref.name === 't1' ? [partArn('p1')] : [] });
      },
    };
    const registry = buildRegistry([thing, part]);
    const hits = [hit(thingArn('t1')), hit(thingArn('t2')), hit(thingArn('t3')), hit(thingArn('t4', 'us-west-2'), { region: 'us-west-2' })];
    const r = await run(registry, hits, { regions: ['us-east-1', 'us-west-2'] });
    expect(thing.prefetch).toHaveBeenCalledTimes(2);
    expect(order.slice(0, 2).sort()).toEqual(['prefetch t1@us-east-1,t2@us-east-1,t3@us-east-1', 'prefetch t4@us-west-2']);
    expect(Object.fromEntries(hints)).toEqual({ t1: 'pre-t1', t2: 'pre-t2', t3: undefined, t4: 'pre-t4' });
    // The referenced part has no prefetch: described as before.
    expect(has(r, partArn('p1'))).toBe(true);
    expect(r.found.filter((f) => f.stays)).toEqual([]);

    failing = true;
    hints.clear();
    const again = await run(registry, hits.slice(0, 3));
    expect(Object.fromEntries(hints)).toEqual({ t1: undefined, t2: undefined, t3: undefined });
    expect(again.found.filter((f) => f.ref.type === 'fake:thing' && !f.stays)).toHaveLength(3);
  });
});
