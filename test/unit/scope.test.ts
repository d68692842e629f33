import { describe, expect, it } from 'vitest';
import { arnKey } from '../../src/aws/arn.js';
import type { ResourceRef, Rule, Status } from '../../src/model.js';
import { decideScope, type Decision, type Hold, type ScopeInput, type User } from '../../src/plan/scope.js';
import { refOf } from '../helpers/fakes.js';

// ─── Building inputs ─────────────────────────────────────────────────────────────────────────────

const ACCOUNT = '123456789012';
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const modelArn = (name: string, region = 'us-east-1') => `arn:aws:sagemaker:${region}:${ACCOUNT}:model/${name}`;
const configArn = (name: string, region = 'us-east-1') => `arn:aws:sagemaker:${region}:${ACCOUNT}:endpoint-config/${name}`;
const endpointArn = (name: string, region = 'us-east-1') => `arn:aws:sagemaker:${region}:${ACCOUNT}:endpoint/${name}`;
const functionArn = (name: string, region = 'us-east-1') => `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`;

const stackArn = (name: string) => `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${name}/0f1e2d3c`;
const productArn = (id: string) => `arn:aws:servicecatalog:us-east-1:${ACCOUNT}:stack/product/${id}`;

const typeOfArn = (arn: string): string => {
  if (arn.includes(':cloudformation:')) return 'cloudformation:stack';
  if (arn.includes(':servicecatalog:')) return 'servicecatalog:provisioned-product';
  if (arn.includes(':iam::')) return 'iam:role';
  if (arn.includes(':endpoint-config/')) return 'sagemaker:endpoint-config';
  if (arn.includes(':endpoint/')) return 'sagemaker:endpoint';
  if (arn.includes(':model/')) return 'sagemaker:model';
  if (arn.includes(':function:')) return 'lambda:function';
  throw new Error(`test: no type for ${arn}`);
};
const ref = (arn: string): ResourceRef => refOf(arn, typeOfArn(arn));

type Found = ScopeInput['found'][number];
type Stays = NonNullable<Found['stays']>;

/** A resource found by the tags: a candidate unless `stays` is given. */
const found = (arn: string, uses: readonly string[] = [], stays?: Stays): Found => ({ ref: ref(arn), uses, ...(stays ? { stays } : {}) });
/** A live resource that is not a candidate (untagged, another region...). */
const user = (arn: string, uses: readonly string[]): User => ({ ref: ref(arn), uses });
const typeExcluded: Stays = { status: 'skipped', rule: 'type-excluded', reason: 'type excluded by --include-type/--exclude-type' };

const isGlobal = (t: string) => t === 'iam:role';

function input(p: Partial<ScopeInput> & Pick<ScopeInput, 'found'>): ScopeInput {
  return { users: [], holds: [], isGlobal, lastUsed: new Map(), examinedRegions: ['us-east-1', 'us-west-2'], ...p };
}

/** The decision for `arn`, failing the test when there is none or more than one. */
function decisionOf(decisions: readonly Decision[], arn: string): Decision {
  const matching = decisions.filter((d) => arnKey(d.ref.arn) === arnKey(arn));
  expect(matching, `decisions for ${arn}`).toHaveLength(1);
  return matching[0] as Decision;
}

const DELETE_REASON = 'matches the tags, is in scope, and nothing that stays uses it';

// ─── Examples ────────────────────────────────────────────────────────────────────────────────────

describe('decideScope', () => {
  it('deletes a candidate nobody uses', () => {
    const role = roleArn('nova-exec');
    const decisions = decideScope(input({ found: [found(role)] }));
    expect(decisions).toEqual([{ ref: ref(role), delete: true, status: 'planned', rule: 'delete', reason: DELETE_REASON }]);
  });

  it('returns one decision per found resource, candidates and those that stay alike', () => {
    const decisions = decideScope(
      input({ found: [found(roleArn('a')), found(modelArn('m'), [], typeExcluded), found(functionArn('f'))], users: [user(functionArn('untagged'), [])] }),
    );
    expect(decisions.map((d) => d.ref.arn).sort()).toEqual([functionArn('f'), modelArn('m'), roleArn('a')].sort());
  });

  it('keeps a candidate used by an untagged resource, naming the user, its type and region', () => {
    const role = roleArn('nova-exec');
    const decisions = decideScope(
      input({ found: [found(role)], users: [user(functionArn('platform-etl', 'us-west-2'), [role])] }),
    );
    expect(decisionOf(decisions, role)).toEqual({
      ref: ref(role),
      delete: false,
      status: 'skipped',
      rule: 'in-use',
      reason: 'used by lambda:function platform-etl (us-west-2), which stays',
    });
  });

  it('names the first staying user in code-point order and counts the others', () => {
    const role = roleArn('nova-exec');
    const decisions = decideScope(
      input({
        found: [found(role)],
        users: [user(functionArn('zeta'), [role]), user(modelArn('beta'), [role]), user(functionArn('alpha'), [role])],
      }),
    );
    // arn:aws:lambda:... < arn:aws:sagemaker:...; function:alpha < function:zeta.
    expect(decisionOf(decisions, role).reason).toBe('used by lambda:function alpha (us-east-1), which stays (and 2 more)');
  });

  it('is transitive: a role used by a tagged model that an untagged endpoint config uses stays, and so does the model', () => {
    const role = roleArn('nova-exec');
    const model = modelArn('nova-model');
    const config = configArn('shared-config');
    const decisions = decideScope(input({ found: [found(role), found(model, [role])], users: [user(config, [model])] }));
    expect(decisionOf(decisions, model)).toMatchObject({ delete: false, status: 'skipped', rule: 'in-use', reason: 'used by sagemaker:endpoint-config shared-config (us-east-1), which stays' });
    expect(decisionOf(decisions, role)).toMatchObject({ delete: false, status: 'skipped', rule: 'in-use', reason: 'used by sagemaker:model nova-model (us-east-1), which stays' });
  });

  it('is transitive through a long chain whatever the order the chain was found in', () => {
    const role = roleArn('r');
    const model = modelArn('m');
    const config = configArn('c');
    const endpoint = endpointArn('e');
    const chain = [found(role), found(model, [role]), found(config, [model])];
    for (const order of [chain, [...chain].reverse(), [chain[1]!, chain[2]!, chain[0]!]]) {
      const decisions = decideScope(input({ found: order, users: [user(endpoint, [config])] }));
      expect(decisions.every((d) => !d.delete && d.rule === 'in-use')).toBe(true);
      expect(decisions).toHaveLength(3);
    }
  });

  it('keeps what a candidate that stays on its own account (type excluded) uses, and reports its own decision as given', () => {
    const role = roleArn('nova-exec');
    const model = modelArn('nova-model');
    const decisions = decideScope(input({ found: [found(role), found(model, [role], typeExcluded)] }));
    expect(decisionOf(decisions, model)).toEqual({ ref: ref(model), delete: false, status: 'skipped', rule: 'type-excluded', reason: typeExcluded.reason });
    expect(decisionOf(decisions, role)).toMatchObject({ delete: false, rule: 'in-use', reason: 'used by sagemaker:model nova-model (us-east-1), which stays' });
  });

  it('keeps what an unreadable or unsupported found resource uses when it is known', () => {
    const role = roleArn('nova-exec');
    const fn = functionArn('nova-fn');
    const decisions = decideScope(
      input({ found: [found(role), found(fn, [role], { status: 'failed', rule: 'unreadable', reason: 'could not be read; left alone' })] }),
    );
    expect(decisionOf(decisions, fn)).toMatchObject({ delete: false, status: 'failed', rule: 'unreadable' });
    expect(decisionOf(decisions, role)).toMatchObject({ delete: false, rule: 'in-use' });
  });

  it('does not let a user that is itself deleted keep what it uses', () => {
    const role = roleArn('nova-exec');
    const model = modelArn('nova-model');
    const config = configArn('nova-config');
    const decisions = decideScope(input({ found: [found(role), found(model, [role]), found(config, [model])] }));
    for (const arn of [role, model, config]) expect(decisionOf(decisions, arn)).toMatchObject({ delete: true, status: 'planned', rule: 'delete' });
  });

  it('ignores a resource that uses itself', () => {
    const role = roleArn('nova-exec');
    const model = modelArn('nova-model');
    const decisions = decideScope(input({ found: [found(role, [role]), found(model, [model.toUpperCase().replace('ARN:AWS:SAGEMAKER', 'arn:aws:sagemaker')])] }));
    expect(decisionOf(decisions, role).delete).toBe(true);
    expect(decisionOf(decisions, model).delete).toBe(true);
  });

  it('ignores a user listed by the usage check that uses only itself', () => {
    const fn = functionArn('nova-fn');
    const decisions = decideScope(input({ found: [found(fn)], users: [user(fn, [fn])] }));
    expect(decisionOf(decisions, fn).delete).toBe(true);
  });

  it('a tagged resource also listed by the usage check is not a user that stays', () => {
    const role = roleArn('nova-exec');
    const fn = functionArn('nova-fn');
    // The usage check lists every function of the region, tagged ones too.
    const decisions = decideScope(input({ found: [found(role), found(fn, [role])], users: [user(fn, [role])] }));
    expect(decisionOf(decisions, role).delete).toBe(true);
    expect(decisionOf(decisions, fn).delete).toBe(true);
  });

  it('compares SageMaker and IAM ARNs case-insensitively', () => {
    const role = roleArn('Nova-Exec');
    const model = modelArn('Nova-Model');
    const decisions = decideScope(
      input({
        found: [found(role), found(model)],
        // SageMaker returns names in ARNs in lower case; IAM names are unique regardless of case.
        users: [user(configArn('untagged'), [model.toLowerCase()]), user(functionArn('untagged'), [roleArn('NOVA-EXEC')])],
      }),
    );
    expect(decisionOf(decisions, model)).toMatchObject({ delete: false, rule: 'in-use', reason: 'used by sagemaker:endpoint-config untagged (us-east-1), which stays' });
    expect(decisionOf(decisions, role)).toMatchObject({ delete: false, rule: 'in-use', reason: 'used by lambda:function untagged (us-east-1), which stays' });
  });

  it('compares other ARNs exactly (Lambda function names are case-sensitive)', () => {
    const fn = functionArn('Nova-Fn');
    const decisions = decideScope(input({ found: [found(fn)], users: [user(modelArn('untagged'), [functionArn('nova-fn')])] }));
    expect(decisionOf(decisions, fn).delete).toBe(true);
  });

  it('finds the lastUsed entry of a role by its arnKey', () => {
    const role = roleArn('Nova-Exec');
    const decisions = decideScope(input({ found: [found(role)], lastUsed: new Map([[arnKey(role), 'ap-south-1']]) }));
    expect(decisionOf(decisions, role).rule).toBe('last-used-elsewhere');
  });

  it('does not hang on a cycle among candidates, and deletes the cycle when nothing outside uses it', () => {
    const a = modelArn('a');
    const b = configArn('b');
    const c = roleArn('c');
    const decisions = decideScope(input({ found: [found(a, [b]), found(b, [c]), found(c, [a])] }));
    expect(decisions.map((d) => d.rule)).toEqual(['delete', 'delete', 'delete']);
  });

  it('keeps a whole cycle among candidates when something that stays uses one member', () => {
    const a = modelArn('a');
    const b = configArn('b');
    const c = roleArn('c');
    const decisions = decideScope(input({ found: [found(a, [b]), found(b, [c]), found(c, [a])], users: [user(endpointArn('live'), [b])] }));
    // a uses b too, and stays: b has two staying users.
    expect(decisionOf(decisions, b).reason).toBe('used by sagemaker:endpoint live (us-east-1), which stays (and 1 more)');
    expect(decisionOf(decisions, c).reason).toBe('used by sagemaker:endpoint-config b (us-east-1), which stays');
    expect(decisionOf(decisions, a).reason).toBe('used by iam:role c (us-east-1), which stays');
    expect(decisions.every((d) => !d.delete && d.rule === 'in-use')).toBe(true);
  });

  describe('holds', () => {
    const hold = (types: readonly string[], region: string | undefined, by = 'arn:aws:sagemaker:us-west-2:123456789012:training-job/tj', reason = 'sagemaker:training-job tj (unsupported type) may use it'): Hold => ({ types, region, by, reason });

    it('a hold on IAM roles in one region holds every role candidate: roles are global', () => {
      const roles = [roleArn('a'), roleArn('b')];
      const model = modelArn('m');
      const decisions = decideScope(input({ found: [...roles.map((r) => found(r)), found(model)], holds: [hold(['iam:role'], 'us-west-2')] }));
      for (const r of roles) {
        expect(decisionOf(decisions, r)).toMatchObject({ delete: false, status: 'skipped', rule: 'held-back', reason: 'held back: sagemaker:training-job tj (unsupported type) may use it' });
      }
      expect(decisionOf(decisions, model).delete).toBe(true);
    });

    it('a hold on a regional type holds only the candidates of its region', () => {
      const east = modelArn('east', 'us-east-1');
      const west = modelArn('west', 'us-west-2');
      const decisions = decideScope(input({ found: [found(east), found(west), found(configArn('c'))], holds: [hold(['sagemaker:model'], 'us-east-1')] }));
      expect(decisionOf(decisions, east).rule).toBe('held-back');
      expect(decisionOf(decisions, west).rule).toBe('delete');
      expect(decisionOf(decisions, configArn('c')).rule).toBe('delete');
    });

    it('a hold without a region holds its types everywhere', () => {
      const east = modelArn('east', 'us-east-1');
      const west = modelArn('west', 'us-west-2');
      const decisions = decideScope(input({ found: [found(east), found(west)], holds: [hold(['sagemaker:model'], undefined)] }));
      expect(decisions.map((d) => d.rule)).toEqual(['held-back', 'held-back']);
    });

    it('a held candidate keeps what it uses', () => {
      const role = roleArn('r');
      const model = modelArn('m');
      const decisions = decideScope(input({ found: [found(role), found(model, [role])], holds: [hold(['sagemaker:model'], 'us-east-1')] }));
      expect(decisionOf(decisions, model).rule).toBe('held-back');
      expect(decisionOf(decisions, role)).toMatchObject({ rule: 'in-use', reason: 'used by sagemaker:model m (us-east-1), which stays' });
    });

    it('a hold does not change what stays on its own account', () => {
      const model = modelArn('m');
      const decisions = decideScope(input({ found: [found(model, [], typeExcluded)], holds: [hold(['sagemaker:model'], undefined)] }));
      expect(decisionOf(decisions, model).rule).toBe('type-excluded');
    });

    it('the hold named is the first by `by`, whatever order the holds come in', () => {
      const role = roleArn('r');
      const h1 = hold(['iam:role'], undefined, 'arn:aws:sagemaker:us-east-1:123456789012:training-job/a', 'A may use it');
      const h2 = hold(['iam:role'], undefined, 'ec2:DescribeRegions', 'regions unknown');
      for (const holds of [[h1, h2], [h2, h1]]) {
        expect(decisionOf(decideScope(input({ found: [found(role)], holds })), role).reason).toBe('held back: A may use it');
      }
    });

    it('two holds by the same resource give the same reason whatever their order', () => {
      // reconcile and the usage check can both fail to read the same resource, each with its own reason.
      const role = roleArn('r');
      const by = 'arn:aws:lambda:us-east-1:123456789012:function:locked';
      const h1 = hold(['iam:role'], 'us-east-1', by, 'lambda:function locked (us-east-1), which could not be read, may use it');
      const h2 = hold(['iam:role'], 'us-east-1', by, 'lambda:function locked (us-east-1), which could not be read (AccessDenied), may use it');
      const a = decisionOf(decideScope(input({ found: [found(role)], holds: [h1, h2] })), role);
      const b = decisionOf(decideScope(input({ found: [found(role)], holds: [h2, h1] })), role);
      expect(a.rule).toBe('held-back');
      expect(b).toEqual(a);
    });
  });

  describe('last used elsewhere', () => {
    it('keeps a role IAM reports last used in a region the run did not examine', () => {
      const role = roleArn('r');
      const decisions = decideScope(input({ found: [found(role)], lastUsed: new Map([[arnKey(role), 'ap-south-1']]), examinedRegions: ['us-east-1', 'us-west-2'] }));
      expect(decisionOf(decisions, role)).toMatchObject({
        delete: false,
        status: 'skipped',
        rule: 'last-used-elsewhere',
        reason: 'IAM reports it was last used in ap-south-1, a region this run did not examine; left alone',
      });
    });

    it('deletes a role last used in an examined region when nothing uses it now', () => {
      const role = roleArn('r');
      const decisions = decideScope(input({ found: [found(role)], lastUsed: new Map([[arnKey(role), 'us-west-2']]), examinedRegions: ['us-east-1', 'us-west-2'] }));
      expect(decisionOf(decisions, role).rule).toBe('delete');
    });

    it('a role kept for its last use keeps what it uses', () => {
      const role = roleArn('r');
      const model = modelArn('m');
      // Not realistic for IAM today, but the rule is general: what stays keeps what it uses.
      const decisions = decideScope(input({ found: [found(role, [model]), found(model)], lastUsed: new Map([[arnKey(role), 'ap-south-1']]) }));
      expect(decisionOf(decisions, model)).toMatchObject({ rule: 'in-use', reason: 'used by iam:role r (us-east-1), which stays' });
    });
  });
});

// ─── Property: order independence, and agreement with an oracle ──────────────────────────────────

/** mulberry32: a small seeded PRNG, so that every world can be re-made from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Rand {
  readonly float: () => number;
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  shuffle<T>(xs: readonly T[]): T[];
}

function rand(seed: number): Rand {
  const float = prng(seed);
  const r: Rand = {
    float,
    int: (n) => Math.floor(float() * n),
    chance: (p) => float() < p,
    pick: (xs) => xs[r.int(xs.length)] as (typeof xs)[number],
    shuffle: (xs) => {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i -= 1) {
        const j = r.int(i + 1);
        [out[i], out[j]] = [out[j] as (typeof out)[number], out[i] as (typeof out)[number]];
      }
      return out;
    },
  };
  return r;
}

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];
const TYPES = ['iam:role', 'sagemaker:model', 'sagemaker:endpoint-config', 'lambda:function'];
const STAY_RULES: readonly { status: Status; rule: Rule }[] = [
  { status: 'skipped', rule: 'type-excluded' },
  { status: 'skipped', rule: 'tags-not-matching' },
  { status: 'skipped', rule: 'protected' },
  { status: 'skipped', rule: 'caller-role' },
  { status: 'failed', rule: 'unreadable' },
];

/** SageMaker and IAM ARNs may come back in another case: arnKey makes them the same. */
function maybeRecase(r: Rand, arn: string): string {
  if (!/:(sagemaker|iam):/.test(arn)) return arn;
  return r.chance(0.3) ? arn.toLowerCase() : arn;
}

/** A random world: roles, models, configs and functions, each a candidate, a found resource that stays, or an untagged user. */
function world(seed: number): ScopeInput {
  const r = rand(seed);
  const name = (prefix: string, i: number) => `${prefix}${r.chance(0.3) ? 'X' : 'x'}${i}`; // mixed case, unique by index
  const roles = Array.from({ length: 1 + r.int(4) }, (_, i) => roleArn(name('role', i)));
  const models = Array.from({ length: r.int(5) }, (_, i) => modelArn(name('model', i), r.pick(REGIONS)));
  const configs = Array.from({ length: r.int(4) }, (_, i) => configArn(name('config', i), r.pick(REGIONS)));
  const functions = Array.from({ length: r.int(4) }, (_, i) => functionArn(name('fn', i), r.pick(REGIONS)));
  const all = [...roles, ...models, ...configs, ...functions];

  const usesOf = (arn: string): string[] => {
    const type = typeOfArn(arn);
    const pool = type === 'iam:role' ? [] : type === 'sagemaker:endpoint-config' ? models : roles;
    const uses: string[] = [];
    for (const target of pool) if (r.chance(0.35)) uses.push(maybeRecase(r, target));
    // Now and then anything (cycles, self-use, odd edges): the decision must stay a fixed point.
    if (r.chance(0.15)) uses.push(maybeRecase(r, r.pick(all)));
    return uses;
  };

  const foundList: Found[] = [];
  const users: User[] = [];
  for (const arn of all) {
    const roll = r.float();
    if (roll < 0.55) foundList.push({ ref: ref(arn), uses: usesOf(arn) });
    else if (roll < 0.7) {
      const s = r.pick(STAY_RULES);
      foundList.push({ ref: ref(arn), uses: usesOf(arn), stays: { ...s, reason: `stays: ${s.rule}` } });
    } else users.push({ ref: ref(arn), uses: usesOf(arn) });
  }
  // The usage check also lists tagged resources: the same resource as a user, with what it uses.
  for (const f of foundList) if (r.chance(0.15)) users.push({ ref: f.ref, uses: f.uses });
  // Users found only by the usage check, in any region.
  for (let i = r.int(4); i > 0; i -= 1) {
    const arn = r.chance(0.5) ? functionArn(`ext${i}`, r.pick(REGIONS)) : configArn(`ext${i}`, r.pick(REGIONS));
    users.push({ ref: ref(arn), uses: usesOf(arn) });
  }

  const holds: Hold[] = Array.from({ length: r.chance(0.5) ? r.int(3) + 1 : 0 }, (_, i) => {
    const types = TYPES.filter(() => r.chance(0.35));
    return { types, region: r.chance(0.3) ? undefined : r.pick(REGIONS), by: `hold-${r.int(1000)}-${i}`, reason: `hold ${i} of world ${seed}` };
  });

  const examinedRegions = REGIONS.filter(() => r.chance(0.8));
  const lastUsed = new Map<string, string>();
  for (const role of roles) if (r.chance(0.3)) lastUsed.set(arnKey(role), r.pick([...REGIONS, 'ap-south-1']));

  return { found: foundList, users, holds, isGlobal, lastUsed, examinedRegions };
}

/** The same world, as found in another order (lists, what each uses, the regions). */
function shuffled(w: ScopeInput, r: Rand): ScopeInput {
  return {
    ...w,
    found: r.shuffle(w.found).map((f) => ({ ...f, uses: r.shuffle(f.uses) })),
    users: r.shuffle(w.users).map((u) => ({ ...u, uses: r.shuffle(u.uses) })),
    holds: r.shuffle(w.holds).map((h) => ({ ...h, types: r.shuffle(h.types) })),
    lastUsed: new Map(r.shuffle([...w.lastUsed])),
    examinedRegions: r.shuffle(w.examinedRegions),
  };
}

const normalize = (ds: readonly Decision[]) =>
  ds.map((d) => ({ arn: d.ref.arn, type: d.ref.type, delete: d.delete, status: d.status, rule: d.rule, reason: d.reason })).sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));

/**
 * An independent oracle: the candidates not held back, minus everything a resource outside the set
 * uses, repeated until nothing more is removed. What is left is the greatest set closed under
 * "every user of a member is a member"; it is what may be deleted.
 */
function oracle(w: ScopeInput): { deleted: Set<string>; held: Map<string, Rule> } {
  const key = (arn: string) => (/:(sagemaker|iam):/.test(arn) ? arn.toLowerCase() : arn);
  const candidates = w.found.filter((f) => !f.stays);
  const held = new Map<string, Rule>();
  for (const c of candidates) {
    const region = w.lastUsed.get(key(c.ref.arn));
    if (w.holds.some((h) => h.types.includes(c.ref.type) && (h.region === undefined || c.ref.type === 'iam:role' || h.region === c.ref.region))) held.set(key(c.ref.arn), 'held-back');
    else if (region !== undefined && !w.examinedRegions.includes(region)) held.set(key(c.ref.arn), 'last-used-elsewhere');
  }
  const set = new Set(candidates.map((c) => key(c.ref.arn)).filter((k) => !held.has(k)));
  const edges: [string, string][] = [];
  for (const x of [...w.found, ...w.users]) for (const u of x.uses) if (key(u) !== key(x.ref.arn)) edges.push([key(x.ref.arn), key(u)]);
  for (let removed = true; removed; ) {
    removed = false;
    for (const [from, to] of edges) {
      if (set.has(to) && !set.has(from)) {
        set.delete(to);
        removed = true;
      }
    }
  }
  return { deleted: set, held };
}

describe('decideScope on random worlds', () => {
  const WORLDS = 250;
  const seeds = Array.from({ length: WORLDS }, (_, i) => 0x5eed + i * 7919);

  it(`decides the same whatever order ${WORLDS} worlds were found in`, () => {
    for (const seed of seeds) {
      const w = world(seed);
      const expected = normalize(decideScope(w));
      const r = rand(seed ^ 0xabcdef);
      for (let k = 0; k < 4; k += 1) {
        expect(normalize(decideScope(shuffled(w, r))), `world ${seed}, shuffle ${k}`).toEqual(expected);
      }
    }
  });

  it(`deletes exactly what the oracle says in ${WORLDS} worlds, with the rule that decided each`, () => {
    const seen = new Map<string, number>();
    for (const seed of seeds) {
      const w = world(seed);
      const decisions = decideScope(w);
      const o = oracle(w);
      const deleted = new Set(decisions.filter((d) => d.delete).map((d) => arnKey(d.ref.arn)));
      expect([...deleted].sort(), `world ${seed}`).toEqual([...o.deleted].sort());

      const staying = new Set([...w.found, ...w.users].map((x) => arnKey(x.ref.arn)).filter((k) => !deleted.has(k)));
      for (const d of decisions) {
        seen.set(d.rule, (seen.get(d.rule) ?? 0) + 1);
        const f = w.found.find((x) => x.ref.arn === d.ref.arn)!;
        const k = arnKey(d.ref.arn);
        if (f.stays) expect(d, `world ${seed}`).toMatchObject({ delete: false, status: f.stays.status, rule: f.stays.rule, reason: f.stays.reason });
        else if (o.deleted.has(k)) expect(d, `world ${seed}`).toMatchObject({ status: 'planned', rule: 'delete', reason: DELETE_REASON });
        else if (o.held.has(k)) expect(d, `world ${seed}`).toMatchObject({ delete: false, status: 'skipped', rule: o.held.get(k) });
        else {
          expect(d, `world ${seed}`).toMatchObject({ delete: false, status: 'skipped', rule: 'in-use' });
          // The user it names exists, uses it, and stays.
          const named = [...w.found, ...w.users].filter(
            (x) => staying.has(arnKey(x.ref.arn)) && arnKey(x.ref.arn) !== k && x.uses.some((u) => arnKey(u) === k) && d.reason.startsWith(`used by ${x.ref.type} ${x.ref.name} (${x.ref.region}), which stays`),
          );
          expect(named.length, `world ${seed}: ${d.ref.arn} ${d.reason}`).toBeGreaterThan(0);
        }
      }
      // Nothing deleted is used by anything that stays.
      for (const x of [...w.found, ...w.users]) {
        if (deleted.has(arnKey(x.ref.arn))) continue;
        for (const u of x.uses) if (arnKey(u) !== arnKey(x.ref.arn)) expect(deleted.has(arnKey(u)), `world ${seed}: ${x.ref.arn} uses ${u}`).toBe(false);
      }
    }
    // The worlds exercise every rule the decision can give a candidate.
    for (const rule of ['delete', 'in-use', 'held-back', 'last-used-elsewhere'] as const) expect(seen.get(rule) ?? 0, rule).toBeGreaterThan(20);
  });
});

// ─── Ownership ───────────────────────────────────────────────────────────────────────────────────

describe('decideScope: what a stack or a provisioned product owns', () => {
  const stack = stackArn('NovaForgeSDK-train');
  const owned = (arns: readonly string[], owner: string) => new Map(arns.map((a) => [arnKey(a), ref(owner)]));
  const tagsNotMatching: Stays = { status: 'skipped', rule: 'tags-not-matching', reason: 'its live tags do not match' };

  it('an owned resource goes with its owner, never on its own', () => {
    const model = modelArn('stack-model');
    const role = roleArn('stack-role');
    const decisions = decideScope(input({ found: [found(stack), found(model, [role]), found(role, [], tagsNotMatching)], owners: owned([model, role], stack) }));
    expect(decisionOf(decisions, stack)).toMatchObject({ delete: true, rule: 'delete' });
    for (const arn of [model, role]) {
      expect(decisionOf(decisions, arn)).toMatchObject({ delete: false, rule: 'owned', reason: expect.stringMatching(/^owned by cloudformation:stack .*: deleted with it, never on its own$/) });
    }
  });

  it('whatever uses an owned resource holds its owner back, found or not', () => {
    const role = roleArn('stack-role');
    const decisions = decideScope(input({ found: [found(stack), found(role)], users: [user(functionArn('untagged-etl'), [role])], owners: owned([role], stack) }));
    expect(decisionOf(decisions, stack)).toMatchObject({ delete: false, rule: 'in-use', reason: expect.stringContaining('used by lambda:function untagged-etl') });
    expect(decisionOf(decisions, role)).toMatchObject({ delete: false, rule: 'owned', reason: expect.stringContaining('which stays') });
  });

  it('a resource of the stack using another of the same stack holds nothing back', () => {
    const role = roleArn('stack-role');
    const fn = functionArn('stack-fn');
    const decisions = decideScope(input({ found: [found(stack)], users: [user(fn, [role])], owners: owned([role, fn], stack) }));
    expect(decisionOf(decisions, stack)).toMatchObject({ delete: true });
  });

  it('a resource the stack owns that must stay (protected, the caller) holds the stack back', () => {
    const role = roleArn('pipeline-runner');
    const caller: Stays = { status: 'skipped', rule: 'caller-role', reason: 'the role this run is using; left alone' };
    const decisions = decideScope(input({ found: [found(stack), found(role, [], caller)], owners: owned([role], stack) }));
    expect(decisionOf(decisions, stack)).toMatchObject({ delete: false, rule: 'held-back', reason: expect.stringContaining('it owns iam:role pipeline-runner') });
    expect(decisionOf(decisions, role)).toMatchObject({ delete: false, rule: 'caller-role' });
  });

  it('a tagged resource of an untagged stack stays with its stack', () => {
    const model = modelArn('stack-model');
    const decisions = decideScope(input({ found: [found(model)], owners: owned([model], stack) }));
    expect(decisionOf(decisions, model)).toMatchObject({ delete: false, rule: 'owned', reason: expect.stringContaining('which stays') });
  });

  it('ownership nests: a use of the bucket of a product\'s stack holds the product back', () => {
    const product = productArn('pp-abc123');
    const model = modelArn('product-model');
    const owners = new Map([...owned([model], stack), ...owned([stack], product)]);
    const kept = decideScope(input({ found: [found(product), found(stack), found(model)], users: [user(endpointArn('untagged'), [model])], owners }));
    expect(decisionOf(kept, product)).toMatchObject({ delete: false, rule: 'in-use' });
    expect(decisionOf(kept, stack)).toMatchObject({ rule: 'owned', reason: expect.stringContaining('which stays') });
    const gone = decideScope(input({ found: [found(product), found(stack), found(model)], owners }));
    expect(decisionOf(gone, product)).toMatchObject({ delete: true });
    expect(decisionOf(gone, model)).toMatchObject({ rule: 'owned', reason: expect.stringContaining('deleted with it') });
  });
});
