import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/model.js';
import { applySelection, buildPlan, heldByKept, typesUsedBy, type Plan, type PlanItem } from '../../src/plan/plan.js';
import { renderNotPlanned, renderPlan } from '../../src/plan/render.js';
import { candidate } from '../helpers/fakes.js';

const SM = 'arn:aws:sagemaker:us-east-1:123456789012';
const ENDPOINT = `${SM}:endpoint/nova-ep`;
const CONFIG = `${SM}:endpoint-config/nova-config`;
const MODEL = `${SM}:model/nova-model`;
const NOTEBOOK = `${SM}:notebook-instance/nova-nb`;
const ROLE = 'arn:aws:iam::123456789012:role/service/nova-exec';
const FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:nova-fn';
const BUCKET = 'arn:aws:s3:::nova-data';

/** endpoint → config → model → role, as SageMaker reports them (names as created, not lower case). */
const chain = () => [
  candidate(ENDPOINT, 'sagemaker:endpoint', [`${SM}:endpoint-config/Nova-Config`]),
  candidate(CONFIG, 'sagemaker:endpoint-config', [`${SM}:model/Nova-Model`]),
  candidate(MODEL, 'sagemaker:model', [ROLE]),
  candidate(ROLE, 'iam:role'),
];

const item = (plan: Plan, arn: string): PlanItem => {
  const i = plan.items.find((x) => x.ref.arn === arn);
  if (!i) throw new Error(`${arn} is not in the plan`);
  return i;
};
const layers = (plan: Plan) => Object.fromEntries(plan.items.map((i) => [i.ref.name, i.layer]));

describe('buildPlan', () => {
  it('puts each link of endpoint → config → model → role in its own layer', () => {
    const plan = buildPlan(chain());
    expect(layers(plan)).toEqual({ 'nova-ep': 0, 'nova-config': 1, 'nova-model': 2, 'nova-exec': 3 });
    expect(plan.layerCount).toBe(4);
    expect(plan.items.map((i) => i.ref.arn)).toEqual([ENDPOINT, CONFIG, MODEL, ROLE]);
    expect(item(plan, CONFIG).usedBy).toEqual([ENDPOINT]);
    expect(item(plan, MODEL).usesInPlan).toEqual([ROLE]);
    expect(item(plan, ROLE).usedBy).toEqual([MODEL]);
  });

  it('matches SageMaker references case-insensitively, and reports the ARN as planned', () => {
    const plan = buildPlan(chain());
    // uses holds ".../endpoint-config/Nova-Config"; the plan's ARN is ".../nova-config".
    expect(item(plan, ENDPOINT).usesInPlan).toEqual([CONFIG]);
    expect(item(plan, CONFIG).usesInPlan).toEqual([MODEL]);
  });

  it('matches IAM references case-insensitively (IAM names are unique regardless of case)', () => {
    const plan = buildPlan([candidate(FUNCTION, 'lambda:function', ['arn:aws:iam::123456789012:role/service/Nova-Exec']), candidate(ROLE, 'iam:role')]);
    expect(item(plan, FUNCTION).usesInPlan).toEqual([ROLE]);
    expect(layers(plan)).toEqual({ 'nova-fn': 0, 'nova-exec': 1 });
  });

  it('matches other services exactly', () => {
    const BUCKET = 'arn:aws:s3:::nova-data';
    const plan = buildPlan([candidate(FUNCTION, 'lambda:function', ['arn:aws:s3:::Nova-Data']), candidate(BUCKET, 's3:bucket')]);
    expect(item(plan, FUNCTION).usesInPlan).toEqual([]);
  });

  it('deletes a role used by a function and a notebook after both', () => {
    const plan = buildPlan([candidate(ROLE, 'iam:role'), candidate(FUNCTION, 'lambda:function', [ROLE]), candidate(NOTEBOOK, 'sagemaker:notebook-instance', [ROLE])]);
    expect(layers(plan)).toEqual({ 'nova-fn': 0, 'nova-nb': 0, 'nova-exec': 1 });
    expect([...item(plan, ROLE).usedBy].sort()).toEqual([FUNCTION, NOTEBOOK].sort());
    expect(plan.layerCount).toBe(2);
  });

  it('puts an unrelated bucket in layer 0', () => {
    const plan = buildPlan([...chain(), candidate(BUCKET, 's3:bucket')]);
    expect(item(plan, BUCKET)).toMatchObject({ layer: 0, usedBy: [], usesInPlan: [] });
  });

  it('ignores uses that point outside the plan, and a resource using itself', () => {
    const plan = buildPlan([
      candidate(ENDPOINT, 'sagemaker:endpoint', [`${SM}:endpoint-config/not-tagged`, ENDPOINT]),
      candidate(MODEL, 'sagemaker:model', ['arn:aws:iam::123456789012:role/elsewhere']),
    ]);
    expect(plan.items.map((i) => [i.ref.name, i.layer, i.usesInPlan, i.usedBy])).toEqual([
      ['nova-ep', 0, [], []],
      ['nova-model', 0, [], []],
    ]);
    expect(plan.layerCount).toBe(1);
  });

  it('lists a target once however often it is used', () => {
    const plan = buildPlan([candidate(FUNCTION, 'lambda:function', [ROLE, ROLE]), candidate(ROLE, 'iam:role')]);
    expect(item(plan, FUNCTION).usesInPlan).toEqual([ROLE]);
    expect(item(plan, ROLE).usedBy).toEqual([FUNCTION]);
  });

  it('places a resource after the longest chain of its users', () => {
    // endpoint uses config and model; config uses model: the model must come after the config.
    const plan = buildPlan([
      candidate(MODEL, 'sagemaker:model'),
      candidate(ENDPOINT, 'sagemaker:endpoint', [CONFIG, MODEL]),
      candidate(CONFIG, 'sagemaker:endpoint-config', [MODEL]),
    ]);
    expect(layers(plan)).toEqual({ 'nova-ep': 0, 'nova-config': 1, 'nova-model': 2 });
  });

  it('throws on a cycle, naming it', () => {
    const a = 'arn:aws:fake:us-east-1:123456789012:thing/a';
    const b = 'arn:aws:fake:us-east-1:123456789012:thing/b';
    expect(() => buildPlan([candidate(a, 'fake:thing', [b]), candidate(b, 'fake:thing', [a])])).toThrow(/dependency cycle: .*thing\/[ab] -> .*thing\/[ab]/);
  });

  it('sorts by layer, then type, then ARN, whatever the input order', () => {
    const all = [...chain(), candidate(BUCKET, 's3:bucket'), candidate('arn:aws:s3:::a-bucket', 's3:bucket'), candidate(FUNCTION, 'lambda:function', [ROLE])];
    const expected = [FUNCTION, 'arn:aws:s3:::a-bucket', BUCKET, ENDPOINT, CONFIG, MODEL, ROLE];
    expect(buildPlan(all).items.map((i) => i.ref.arn)).toEqual(expected);
    expect(buildPlan([...all].reverse()).items.map((i) => i.ref.arn)).toEqual(expected);
    expect(buildPlan([3, 0, 6, 5, 2, 4, 1].map((n) => all[n]!)).items.map((i) => i.ref.arn)).toEqual(expected);
  });

  it('is empty for no candidates', () => {
    expect(buildPlan([])).toEqual({ items: [], layerCount: 0 });
  });
});

describe('applySelection', () => {
  const plan = buildPlan(chain());
  const all = plan.items.map((i) => i.ref.arn);
  const except = (...arns: string[]) => new Set(all.filter((a) => !arns.includes(a)));

  it('deletes everything chosen', () => {
    const s = applySelection(plan, new Set(all));
    expect(s.delete.map((i) => i.ref.arn)).toEqual(all);
    expect(s.keep.size).toBe(0);
  });

  it('keeps what a declined endpoint uses: its config, model and role', () => {
    const s = applySelection(plan, except(ENDPOINT));
    expect(s.delete).toEqual([]);
    expect(s.keep.get(ENDPOINT)).toBe('declined by the user');
    expect(s.keep.get(CONFIG)).toBe('kept because nova-ep (sagemaker:endpoint), which uses it, is kept');
    expect(s.keep.get(MODEL)).toBe('kept because nova-config (sagemaker:endpoint-config), which uses it, is kept');
    expect(s.keep.get(ROLE)).toBe('kept because nova-model (sagemaker:model), which uses it, is kept');
  });

  it('keeps only a declined model when it uses nothing in the plan', () => {
    const short = buildPlan(chain().slice(0, 3).map((c) => (c.ref.arn === MODEL ? { ...c, uses: [] } : c)));
    const s = applySelection(short, new Set([ENDPOINT, CONFIG]));
    expect(s.delete.map((i) => i.ref.arn)).toEqual([ENDPOINT, CONFIG]);
    expect([...s.keep]).toEqual([[MODEL, 'declined by the user']]);
  });

  it('keeps a declined model and the role it uses, and deletes its users', () => {
    const s = applySelection(plan, except(MODEL));
    expect(s.delete.map((i) => i.ref.arn)).toEqual([ENDPOINT, CONFIG]);
    expect([...s.keep.keys()].sort()).toEqual([MODEL, ROLE].sort());
  });

  it('keeps chosen resources that a declined one uses, saying why', () => {
    const s = applySelection(plan, new Set([CONFIG, MODEL]));
    expect(s.delete).toEqual([]);
    expect(s.keep.get(ENDPOINT)).toBe('declined by the user');
    expect(s.keep.get(CONFIG)).toMatch(/^kept because nova-ep/);
    expect(s.keep.get(MODEL)).toMatch(/^kept because nova-config/);
    expect(s.keep.has(ROLE)).toBe(true);
  });
});

describe('typesUsedBy', () => {
  const deps: Record<string, string[]> = {
    'sagemaker:endpoint': ['sagemaker:endpoint-config'],
    'sagemaker:endpoint-config': ['sagemaker:model'],
    'sagemaker:model': ['iam:role'],
    'sagemaker:notebook-instance': ['iam:role'],
    'lambda:function': ['iam:role'],
    'iam:role': [],
    'loop:a': ['loop:b'],
    'loop:b': ['loop:a'],
  };
  const dependsOn = (t: string) => deps[t] ?? [];

  it.each([
    [['sagemaker:endpoint'], ['iam:role', 'sagemaker:endpoint-config', 'sagemaker:model']],
    [['sagemaker:notebook-instance', 'lambda:function'], ['iam:role']],
    [['iam:role'], []],
    [['unknown:type'], []],
    [[], []],
    [['loop:a'], ['loop:a', 'loop:b']],
  ])('%j → %j', (from, expected) => {
    expect([...typesUsedBy(from, dependsOn)].sort()).toEqual(expected);
  });
});

describe('renderPlan', () => {
  it('says so when there is nothing to delete', () => {
    expect(renderPlan(buildPlan([]))).toEqual(['Nothing to delete.']);
  });

  it('groups by type with counts, in plan order', () => {
    const plan = buildPlan([...chain(), candidate(BUCKET, 's3:bucket'), candidate('arn:aws:s3:::other', 's3:bucket', [], 'eu-west-1')]);
    const lines = renderPlan(plan);
    expect(lines[0]).toBe('Plan: 6 resources in 4 layers (eu-west-1, us-east-1)');
    const headers = lines.filter((l) => /^[a-z0-9-]+:[a-z0-9-]+ \(\d+\)$/.test(l));
    expect(headers).toEqual(['s3:bucket (2)', 'sagemaker:endpoint (1)', 'sagemaker:endpoint-config (1)', 'sagemaker:model (1)', 'iam:role (1)']);
    expect(lines.at(-1)).toBe('Counts: s3:bucket 2, sagemaker:endpoint 1, sagemaker:endpoint-config 1, sagemaker:model 1, iam:role 1');
    const bucketRows = lines.slice(lines.indexOf('s3:bucket (2)') + 1, lines.indexOf('s3:bucket (2)') + 3);
    expect(bucketRows.every((l) => l.includes('arn:aws:s3:::'))).toBe(true);
  });

  it('shows each row with its step, name, region, ARN and how many use it', () => {
    const lines = renderPlan(buildPlan([candidate(ROLE, 'iam:role'), candidate(FUNCTION, 'lambda:function', [ROLE]), candidate(NOTEBOOK, 'sagemaker:notebook-instance', [ROLE])]));
    const roleRow = lines.find((l) => l.includes(ROLE));
    expect(roleRow).toMatch(/^\s+2\s+nova-exec\s+us-east-1\s+arn:aws:iam::123456789012:role\/service\/nova-exec {2}after 2 that use it$/);
    const fnRow = lines.find((l) => l.includes(FUNCTION));
    expect(fnRow).toMatch(/^\s+1\s+nova-fn\s+us-east-1\s+\S+$/);
    expect(renderPlan(buildPlan([candidate(FUNCTION, 'lambda:function', [ROLE]), candidate(ROLE, 'iam:role')])).find((l) => l.includes(ROLE))).toMatch(/after 1 that uses it$/);
  });

  it('uses the singular for one resource in one layer', () => {
    expect(renderPlan(buildPlan([candidate(BUCKET, 's3:bucket')]))[0]).toBe('Plan: 1 resource in 1 layer (us-east-1)');
  });
});

describe('renderNotPlanned', () => {
  it('is empty when everything is planned', () => {
    expect(renderNotPlanned([])).toEqual([]);
  });

  it('lists each with its status, ARN and reason or error', () => {
    const outcomes: Outcome[] = [
      { arn: BUCKET, type: 's3:bucket', region: 'us-east-1', name: 'nova-data', status: 'gone', reason: 'already deleted' },
      { arn: MODEL, type: 'sagemaker:model', region: 'us-east-1', name: 'nova-model', status: 'failed', error: 'AccessDeniedException: no' },
      { arn: 'arn:aws:ec2:us-east-1:123456789012:instance/i-1', type: 'ec2:instance', region: 'us-east-1', name: 'i-1', status: 'unsupported' },
    ];
    expect(renderNotPlanned(outcomes)).toEqual([
      '',
      'Not in the plan (3):',
      `  gone        ${BUCKET}  already deleted`,
      `  failed      ${MODEL}  AccessDeniedException: no`,
      '  unsupported arn:aws:ec2:us-east-1:123456789012:instance/i-1',
    ]);
  });
});

describe('heldByKept', () => {
  it('keeps the whole chain under a resource that stays, and nothing else', () => {
    const candidates = [
      candidate(CONFIG, 'sagemaker:endpoint-config', [MODEL]),
      candidate(MODEL, 'sagemaker:model', [ROLE]),
      candidate(ROLE, 'iam:role'),
      candidate(BUCKET, 's3:bucket'),
    ];
    const held = heldByKept(candidates, [{ arn: CONFIG.replace('nova-config', 'Nova-Config'), by: 'nova-ep' }]);
    expect([...held.keys()].sort()).toEqual([CONFIG, MODEL, ROLE].sort());
    expect(held.get(CONFIG)).toMatch(/kept because nova-ep/);
    expect(held.get(ROLE)).toMatch(/kept because nova-model/);
    expect(held.has(BUCKET)).toBe(false);
  });

  it('holds nothing when nothing stays', () => {
    expect(heldByKept([candidate(MODEL, 'sagemaker:model', [ROLE]), candidate(ROLE, 'iam:role')], []).size).toBe(0);
  });
});
