import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ExitCode, NovaError } from '../../src/errors.js';
import { childPhrases } from '../../src/plan/children.js';
import { applySelection, canonicalJson, layer, type PlanItem } from '../../src/plan/document.js';
import type { Child } from '../../src/resources/handler.js';
import { planNode } from '../helpers/fakes.js';

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/nova-exec`;
const MODEL = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model/nova-model`;
const CONFIG = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint-config/nova-config`;
const ENDPOINT = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint/nova-ep`;
const FUNCTION = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:nova-fn`;

const role = (arn = ROLE) => planNode(arn, 'iam:role');
const model = (arn: string, uses: readonly string[]) => planNode(arn, 'sagemaker:model', uses);
const config = (arn: string, uses: readonly string[]) => planNode(arn, 'sagemaker:endpoint-config', uses);
const endpoint = (arn: string, uses: readonly string[]) => planNode(arn, 'sagemaker:endpoint', uses);
const fn = (arn: string, uses: readonly string[]) => planNode(arn, 'lambda:function', uses);

/** The chain endpoint → config → model → role. */
const chain = () => [endpoint(ENDPOINT, [CONFIG]), config(CONFIG, [MODEL]), model(MODEL, [ROLE]), role()];

/** arn → layer. */
const layers = (items: readonly { ref: { arn: string }; layer: number }[]) => Object.fromEntries(items.map((i) => [i.ref.arn, i.layer]));

/** The NovaError `fn` throws (failing the test when it throws something else, or nothing). */
function novaErrorOf(f: () => unknown): NovaError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(NovaError);
    return err as NovaError;
  }
  throw new Error('expected a NovaError, nothing was thrown');
}

describe('layer', () => {
  it('puts each resource one layer after the deepest resource that uses it', () => {
    const out = layer(chain());
    expect(out.map((i) => [i.ref.arn, i.layer])).toEqual([
      [ENDPOINT, 0],
      [CONFIG, 1],
      [MODEL, 2],
      [ROLE, 3],
    ]);
  });

  it('records who uses whom within the plan', () => {
    const out = layer(chain());
    const by = new Map(out.map((i) => [i.ref.arn, i]));
    expect(by.get(ENDPOINT)).toMatchObject({ usedBy: [], usesInPlan: [CONFIG] });
    expect(by.get(CONFIG)).toMatchObject({ usedBy: [ENDPOINT], usesInPlan: [MODEL] });
    expect(by.get(MODEL)).toMatchObject({ usedBy: [CONFIG], usesInPlan: [ROLE] });
    expect(by.get(ROLE)).toMatchObject({ usedBy: [MODEL], usesInPlan: [] });
  });

  it('keeps every other field of the nodes', () => {
    const [item] = layer([{ ...role(), reason: 'kept reason', tags: { project: 'nova', team: 'ml' } }]);
    expect(item).toMatchObject({ reason: 'kept reason', tags: { project: 'nova', team: 'ml' }, config: { arn: ROLE }, rule: 'delete', layer: 0 });
  });

  it('does not depend on the order the nodes are given in', () => {
    const nodes = chain();
    const expected = layer(nodes);
    for (const order of [[...nodes].reverse(), [nodes[2]!, nodes[0]!, nodes[3]!, nodes[1]!]]) expect(layer(order)).toEqual(expected);
  });

  it('layers two independent chains from 0 each', () => {
    const role2 = `arn:aws:iam::${ACCOUNT}:role/other-exec`;
    const fn2 = `arn:aws:lambda:us-west-2:${ACCOUNT}:function:other-fn`;
    const out = layer([...chain(), fn(fn2, [role2]), role(role2)]);
    expect(layers(out)).toEqual({ [ENDPOINT]: 0, [CONFIG]: 1, [MODEL]: 2, [ROLE]: 3, [fn2]: 0, [role2]: 1 });
  });

  it('puts a shared role after the deepest of its users', () => {
    const model2 = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model/solo-model`;
    const out = layer([...chain(), model(model2, [ROLE]), fn(FUNCTION, [ROLE])]);
    expect(layers(out)).toMatchObject({ [model2]: 0, [FUNCTION]: 0, [MODEL]: 2, [ROLE]: 3 });
    expect(out.find((i) => i.ref.arn === ROLE)?.usedBy).toEqual([FUNCTION, MODEL, model2].sort());
  });

  it('ignores uses outside the set, self-uses and repeated uses, and matches SageMaker and IAM ARNs case-insensitively', () => {
    const out = layer([
      model(MODEL, [MODEL, ROLE.toUpperCase().replace('ARN:AWS:IAM', 'arn:aws:iam'), ROLE, `arn:aws:iam::${ACCOUNT}:role/elsewhere`]),
      role(),
    ]);
    const m = out.find((i) => i.ref.arn === MODEL)!;
    expect(m.usesInPlan).toEqual([ROLE]);
    expect(m.layer).toBe(0);
    expect(out.find((i) => i.ref.arn === ROLE)).toMatchObject({ layer: 1, usedBy: [MODEL] });
  });

  it('sorts by layer, then type, then ARN (code points, not the locale)', () => {
    const a = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:a`;
    const B = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:B`;
    const z = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model/z`;
    const m = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model/m`;
    const out = layer([role(), model(z, []), fn(a, [ROLE]), model(m, [ROLE]), fn(B, [])]);
    expect(out.map((i) => i.ref.arn)).toEqual([B, a, m, z, ROLE]);
  });

  it('reports a cycle as one NovaError (exit 2) naming the resources, instead of overflowing', () => {
    const err = novaErrorOf(() => layer([model(MODEL, [CONFIG]), config(CONFIG, [MODEL])]));
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(MODEL);
    expect(err.message).toContain(CONFIG);
    expect(err.message).toMatch(/cycle/);
    expect(err.message).not.toContain('\n');
  });

  it('reports a longer cycle with each of its members', () => {
    const err = novaErrorOf(() => layer([endpoint(ENDPOINT, [CONFIG]), config(CONFIG, [MODEL]), model(MODEL, [ENDPOINT]), role()]));
    for (const arn of [ENDPOINT, CONFIG, MODEL]) expect(err.message).toContain(arn);
    expect(err.message).not.toContain(ROLE);
  });

  it('names only the members of the cycle, not a resource the search started from', () => {
    // The role is used by a model inside the cycle, and comes first: it is not part of the cycle.
    const err = novaErrorOf(() => layer([role(), model(MODEL, [ROLE, CONFIG]), config(CONFIG, [MODEL])]));
    expect(err.message).toContain(MODEL);
    expect(err.message).toContain(CONFIG);
    expect(err.message).not.toContain(ROLE);
  });
});

describe('applySelection', () => {
  const items = (): PlanItem[] => layer([...chain(), fn(FUNCTION, [ROLE])]);
  const all = (xs: readonly PlanItem[]) => new Set(xs.map((i) => i.ref.arn));

  it('deletes everything chosen, in plan order', () => {
    const xs = items();
    const { delete: del, keep } = applySelection(xs, all(xs));
    expect(del).toEqual(xs);
    expect(keep.size).toBe(0);
  });

  it('keeps a declined item and everything it uses, transitively, and says why', () => {
    const xs = items();
    const chosen = all(xs);
    chosen.delete(CONFIG);
    const { delete: del, keep } = applySelection(xs, chosen);
    expect(del.map((i) => i.ref.arn)).toEqual([FUNCTION, ENDPOINT]);
    expect(Object.fromEntries(keep)).toEqual({
      [CONFIG]: 'declined at the prompt',
      [MODEL]: 'kept because sagemaker:endpoint-config nova-config, which uses it, is kept',
      [ROLE]: 'kept because sagemaker:model nova-model, which uses it, is kept',
    });
  });

  it('keeps a shared role when one of its users is declined, even if the other is chosen', () => {
    const xs = items();
    const chosen = all(xs);
    chosen.delete(FUNCTION);
    const { delete: del, keep } = applySelection(xs, chosen);
    expect(del.map((i) => i.ref.arn)).toEqual([ENDPOINT, CONFIG, MODEL]);
    expect(keep.get(FUNCTION)).toBe('declined at the prompt');
    expect(keep.get(ROLE)).toBe('kept because lambda:function nova-fn, which uses it, is kept');
  });

  it('declining a used item does not keep its users', () => {
    const xs = items();
    const chosen = all(xs);
    chosen.delete(ROLE);
    const { delete: del, keep } = applySelection(xs, chosen);
    expect(del.map((i) => i.ref.arn)).toEqual([FUNCTION, ENDPOINT, CONFIG, MODEL]);
    expect([...keep.keys()]).toEqual([ROLE]);
  });

  it('nothing chosen keeps everything', () => {
    const xs = items();
    const { delete: del, keep } = applySelection(xs, new Set());
    expect(del).toEqual([]);
    expect([...keep.keys()].sort()).toEqual([...all(xs)].sort());
  });
});

describe('canonicalJson', () => {
  it('does not depend on key order, at any depth', () => {
    const a = { b: 1, a: { d: [{ y: 2, x: 1 }, 3], c: 'c' } };
    const b = { a: { c: 'c', d: [{ x: 1, y: 2 }, 3] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"c":"c","d":[{"x":1,"y":2},3]},"b":1}');
  });

  it('keeps the order of arrays', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson({ k: ['b', 'a'] })).not.toBe(canonicalJson({ k: ['a', 'b'] }));
  });

  it('sorts keys by code point, not by locale', () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3, é: 4 })).toBe('{"B":2,"a":3,"b":1,"é":4}');
  });

  it('drops undefined values, so that an absent and an undefined field give the same digest', () => {
    expect(canonicalJson({ a: 1, b: undefined, c: { d: undefined, e: null } })).toBe('{"a":1,"c":{"e":null}}');
    const digest = (v: unknown) => createHash('sha256').update(canonicalJson(v)).digest('hex');
    expect(digest({ account: ACCOUNT, accountAlias: undefined })).toBe(digest({ account: ACCOUNT }));
  });

  it('differs when a value differs', () => {
    expect(canonicalJson({ a: { b: 1 } })).not.toBe(canonicalJson({ a: { b: 2 } }));
  });

  it('writes scalars and dates as JSON does', () => {
    expect(canonicalJson('x')).toBe('"x"');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson({ at: new Date('2024-01-02T03:04:05.000Z') })).toBe('{"at":"2024-01-02T03:04:05.000Z"}');
  });
});

describe('childPhrases', () => {
  const child = (kind: string, extra: Partial<Child> = {}): Child => ({ kind, id: `${kind}-${Math.random()}`, ...extra });

  it('nothing to remove: no phrase', () => {
    expect(childPhrases([])).toEqual([]);
  });

  it('one child: singular', () => {
    expect(childPhrases([child('event-source-mapping')])).toEqual(['1 event source mapping']);
    expect(childPhrases([child('managed-policy-attachment')])).toEqual(['1 managed policy attachment']);
  });

  it('several children of a kind: one plural phrase with their count', () => {
    expect(childPhrases([child('event-source-mapping'), child('event-source-mapping')])).toEqual(['2 event source mappings']);
    expect(childPhrases([child('instance-profile-membership'), child('instance-profile-membership'), child('instance-profile-membership')])).toEqual([
      '3 instance profile memberships',
    ]);
  });

  it('a kind named in the plural reads in the singular for one', () => {
    expect(childPhrases([child('object-versions', { id: '*', count: 1 })])).toEqual(['1 object version']);
    expect(childPhrases([child('delete-markers', { id: '*', count: 5 })])).toEqual(['5 delete markers']);
  });

  it('sums counted groups, with thousands separators, and adds what the backup cannot bring back', () => {
    const lost = 'data not in the backup';
    expect(childPhrases([child('object-versions', { id: '*', count: 2000, lost }), child('object-versions', { id: '*', count: 720 })])).toEqual([
      '2,720 object versions (data not in the backup)',
    ]);
  });

  it('one phrase per kind, in the order the kinds first appear', () => {
    const phrases = childPhrases([
      child('managed-policy-attachment'),
      child('instance-profile-membership'),
      child('managed-policy-attachment'),
      child('delete-markers', { id: '*', count: 12, lost: 'not in the backup' }),
    ]);
    expect(phrases).toEqual(['2 managed policy attachments', '1 instance profile membership', '12 delete markers (not in the backup)']);
  });

  it('plural of a kind ending in a consonant and y: "inline policies"', () => {
    // iam:role's children include `inline-policy`; the plan must not say "2 inline policys".
    expect(childPhrases([child('inline-policy')])).toEqual(['1 inline policy']);
    expect(childPhrases([child('inline-policy'), child('inline-policy')])).toEqual(['2 inline policies']);
  });
});
