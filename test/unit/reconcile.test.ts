import { describe, expect, it } from 'vitest';
import { reconcile, typeMatches, typeSelected, type TypeSelection } from '../../src/discovery/reconcile.js';
import type { ResourceRef } from '../../src/model.js';
import { GONE, type Hit, type ResourceHandler } from '../../src/resources/handler.js';
import { awsError, testContext } from '../helpers/context.js';
import { DEFAULT_FILTERS, InFlight, fakeHandler } from '../helpers/fakes.js';

const ctx = testContext();
const NO_SELECTION: TypeSelection = { include: [], exclude: [] };
const hit = (arn: string, region = 'us-east-1', tags: Record<string, string> = { project: 'nova' }): Hit => ({ arn, tags, region });

const run = (hits: Hit[], handlers: readonly ResourceHandler[], extra: { types?: TypeSelection; homeRegion?: string; concurrencyPerService?: number } = {}) =>
  reconcile({ hits, handlers, ctx, filters: DEFAULT_FILTERS, types: extra.types ?? NO_SELECTION, homeRegion: extra.homeRegion ?? 'us-east-1', ...(extra.concurrencyPerService ? { concurrencyPerService: extra.concurrencyPerService } : {}) });

const MODEL = 'arn:aws:sagemaker:us-east-1:123456789012:model/nova-model';
const ENDPOINT = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/nova-ep';
const FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function/nova-fn';
const ROLE = 'arn:aws:iam::123456789012:role/service/nova-exec';
const BUCKET = 'arn:aws:s3:::nova-data';
const S3_PATTERN = /^arn:[\w-]+:s3:::[^/]+$/;
const ROLE_PATTERN = /^arn:[\w-]+:iam::\d{12}:role\//;

describe('typeMatches / typeSelected', () => {
  it.each([
    ['sagemaker:endpoint', 'sagemaker:endpoint', true],
    ['sagemaker:endpoint', 'sagemaker:*', true],
    ['sagemaker:endpoint-config', 'sagemaker:endpoint', false],
    ['sagemaker:endpoint', 'sage:*', false],
    ['lambda:function', 'sagemaker:*', false],
  ])('%s against %s → %s', (type, pattern, expected) => {
    expect(typeMatches(type, pattern)).toBe(expected);
  });

  it.each([
    [{ include: [], exclude: [] }, true],
    [{ include: ['sagemaker:*'], exclude: [] }, true],
    [{ include: ['lambda:function'], exclude: [] }, false],
    [{ include: [], exclude: ['sagemaker:model'] }, false],
    [{ include: ['sagemaker:*'], exclude: ['sagemaker:model'] }, false],
    [{ include: ['sagemaker:*'], exclude: ['sagemaker:endpoint'] }, true],
  ])('sagemaker:model with %j → %s', (sel, expected) => {
    expect(typeSelected('sagemaker:model', sel)).toBe(expected);
  });
});

describe('reconcile', () => {
  it('turns a live, matching resource into a candidate with its config and uses', async () => {
    const model = fakeHandler({ type: 'sagemaker:model', describe: { tags: { project: 'nova', team: 'ml' }, config: { ModelName: 'nova-model' }, uses: [ROLE] } });
    const r = await run([hit(MODEL)], [model]);
    expect(r.outcomes).toEqual([]);
    expect(r.candidates).toEqual([
      {
        ref: { arn: MODEL, type: 'sagemaker:model', region: 'us-east-1', account: '123456789012', partition: 'aws', name: 'nova-model' },
        tags: { project: 'nova', team: 'ml' },
        config: { ModelName: 'nova-model' },
        uses: [ROLE],
      },
    ]);
  });

  it.each([
    ['an ARN no handler owns', 'arn:aws:ec2:us-east-1:123456789012:instance/i-0abc', 'ec2:instance', 'us-east-1', 'no handler for this type; left alone'],
    ['a colon-style ARN', 'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/x', 'logs:log-group', 'eu-west-1', 'no handler for this type; left alone'],
    ['text that is not an ARN', 'not-an-arn', 'unknown', 'us-east-1', 'not a valid ARN; left alone'],
  ])('reports %s as unsupported', async (_name, arn, type, region, reason) => {
    const model = fakeHandler({ type: 'sagemaker:model' });
    const r = await run([hit(arn)], [model]);
    expect(r.candidates).toEqual([]);
    expect(r.outcomes).toEqual([{ arn, region, type, name: arn, status: 'unsupported', reason }]);
    expect(model.calls).toEqual([]);
  });

  it.each([
    [{ include: ['sagemaker:*'], exclude: [] }, ['lambda:function']],
    [{ include: [], exclude: ['sagemaker:*'] }, ['sagemaker:endpoint', 'sagemaker:model']],
    [{ include: ['sagemaker:*', 'lambda:function'], exclude: ['sagemaker:model'] }, ['sagemaker:model']],
  ])('leaves types excluded by %j (%j) without describing them', async (types, excluded) => {
    const handlers = [fakeHandler({ type: 'sagemaker:model' }), fakeHandler({ type: 'sagemaker:endpoint' }), fakeHandler({ type: 'lambda:function' })];
    const r = await run([hit(MODEL), hit(ENDPOINT), hit(FUNCTION)], handlers, { types });
    expect(r.outcomes.map((o) => [o.type, o.status, o.reason])).toEqual(excluded.map((t) => [t, 'skipped', 'type excluded by --include-type/--exclude-type']));
    expect(r.candidates.map((c) => c.ref.type).sort()).toEqual(handlers.map((h) => h.type).filter((t) => !excluded.includes(t)).sort());
    for (const h of handlers) expect(h.called('describe').length).toBe(excluded.includes(h.type) ? 0 : 1);
  });

  it('leaves a protected resource with the handler\'s reason, without describing it', async () => {
    const role = fakeHandler({ type: 'iam:role', arnPattern: ROLE_PATTERN, global: true, protect: (ref) => (ref.arn.includes('/aws-service-role/') ? 'a service-linked role; AWS manages it' : undefined) });
    const linked = 'arn:aws:iam::123456789012:role/aws-service-role/sagemaker.amazonaws.com/AWSServiceRoleForAmazonSageMaker';
    const r = await run([hit(linked), hit(ROLE)], [role]);
    expect(r.outcomes).toEqual([expect.objectContaining({ arn: linked, status: 'skipped', reason: 'a service-linked role; AWS manages it' })]);
    expect(role.called('describe')).toEqual([ROLE]);
    expect(r.candidates.map((c) => c.ref.arn)).toEqual([ROLE]);
  });

  it('reports a resource its service no longer has as gone', async () => {
    const r = await run([hit(MODEL)], [fakeHandler({ type: 'sagemaker:model', describe: GONE })]);
    expect(r.candidates).toEqual([]);
    expect(r.outcomes).toEqual([expect.objectContaining({ arn: MODEL, name: 'nova-model', status: 'gone', reason: expect.stringMatching(/already deleted/) })]);
  });

  it('leaves a resource whose live tags do not match (a stale Tagging API)', async () => {
    const r = await run([hit(MODEL)], [fakeHandler({ type: 'sagemaker:model', describe: { tags: { project: 'other' }, config: {}, uses: [] } })]);
    expect(r.candidates).toEqual([]);
    expect(r.outcomes).toEqual([expect.objectContaining({ arn: MODEL, status: 'skipped', reason: expect.stringMatching(/live tags do not match/) })]);
  });

  it('reports a describe error as failed, with the error', async () => {
    const model = fakeHandler({ type: 'sagemaker:model', describe: awsError('AccessDeniedException', 'not allowed to DescribeModel', 403) });
    const r = await run([hit(MODEL)], [model]);
    expect(r.candidates).toEqual([]);
    expect(r.outcomes).toEqual([
      { arn: MODEL, type: 'sagemaker:model', region: 'us-east-1', name: 'nova-model', status: 'failed', error: 'could not read it before deleting: AccessDeniedException: not allowed to DescribeModel' },
    ]);
  });

  it('takes the region the service reports over the one the hit came from', async () => {
    const bucket = fakeHandler({ type: 's3:bucket', arnPattern: S3_PATTERN, describe: { tags: { project: 'nova' }, config: {}, uses: [], region: 'eu-west-1' } });
    const r = await run([hit(BUCKET, 'us-east-1')], [bucket]);
    expect(r.candidates.map((c) => c.ref)).toEqual([{ arn: BUCKET, type: 's3:bucket', region: 'eu-west-1', account: '', partition: 'aws', name: 'nova-data' }]);
  });

  it('uses the region of the hit for an ARN without one', async () => {
    const seen: ResourceRef[] = [];
    const bucket = fakeHandler({ type: 's3:bucket', arnPattern: S3_PATTERN, describe: (ref) => (seen.push(ref), { tags: { project: 'nova' }, config: {}, uses: [] }) });
    await run([hit(BUCKET, 'ap-south-1')], [bucket], { homeRegion: 'us-east-1' });
    expect(seen.map((r) => r.region)).toEqual(['ap-south-1']);
  });

  it('calls a global type in the home region', async () => {
    const seen: ResourceRef[] = [];
    const role = fakeHandler({ type: 'iam:role', arnPattern: ROLE_PATTERN, global: true, describe: (ref) => (seen.push(ref), { tags: { project: 'nova' }, config: {}, uses: [] }) });
    const r = await run([hit(ROLE, 'us-east-1')], [role], { homeRegion: 'eu-central-1' });
    expect(seen.map((x) => x.region)).toEqual(['eu-central-1']);
    expect(r.candidates[0]?.ref).toMatchObject({ region: 'eu-central-1', name: 'nova-exec', account: '123456789012' });
  });

  it('sorts what it leaves by type, then ARN', async () => {
    const handlers = [fakeHandler({ type: 'sagemaker:model', describe: GONE }), fakeHandler({ type: 'sagemaker:endpoint', describe: GONE })];
    const r = await run([hit('arn:aws:sagemaker:us-east-1:123456789012:model/b'), hit('arn:aws:ec2:us-east-1:123456789012:instance/i-1'), hit(ENDPOINT), hit('arn:aws:sagemaker:us-east-1:123456789012:model/a')], handlers);
    expect(r.outcomes.map((o) => `${o.type} ${o.name}`)).toEqual([
      'ec2:instance arn:aws:ec2:us-east-1:123456789012:instance/i-1',
      'sagemaker:endpoint nova-ep',
      'sagemaker:model a',
      'sagemaker:model b',
    ]);
  });

  it('bounds the describes in flight per service', async () => {
    const probe = new InFlight();
    const model = fakeHandler({ type: 'sagemaker:model', describe: async () => (await probe.hold(), { tags: { project: 'nova' }, config: {}, uses: [] }) });
    const hits = [1, 2, 3, 4, 5, 6].map((n) => hit(`arn:aws:sagemaker:us-east-1:123456789012:model/m${n}`));
    const r = await run(hits, [model], { concurrencyPerService: 2 });
    expect(r.candidates).toHaveLength(6);
    expect(probe.max).toBe(2);
  });

  describe('following references', () => {
    const CONFIG = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/nova-config';
    const uses = (...arns: string[]) => ({ tags: { project: 'nova' }, config: {}, uses: arns });

    it('adds a used resource that was not a hit when its own live tags match, and follows its uses too', async () => {
      const ep = fakeHandler({ type: 'sagemaker:endpoint', describe: uses(CONFIG) });
      const cfg = fakeHandler({ type: 'sagemaker:endpoint-config', describe: uses(MODEL) });
      const model = fakeHandler({ type: 'sagemaker:model', describe: uses() });
      const r = await run([hit(ENDPOINT)], [ep, cfg, model]);
      expect(r.candidates.map((c) => c.ref.arn)).toEqual([ENDPOINT, CONFIG, MODEL]);
      expect(r.outcomes).toEqual([]);
      expect(cfg.called('describe')).toEqual([CONFIG]);
      expect(model.called('describe')).toEqual([MODEL]);
    });

    it('leaves out, without a word, a used resource whose live tags do not match, or that is gone', async () => {
      const ep = fakeHandler({ type: 'sagemaker:endpoint', describe: uses(CONFIG, MODEL) });
      const cfg = fakeHandler({ type: 'sagemaker:endpoint-config', describe: { tags: { project: 'other' }, config: {}, uses: [] } });
      const model = fakeHandler({ type: 'sagemaker:model', describe: GONE });
      const r = await run([hit(ENDPOINT)], [ep, cfg, model]);
      expect(r.candidates.map((c) => c.ref.arn)).toEqual([ENDPOINT]);
      expect(r.outcomes).toEqual([]);
    });

    it('reports a used resource that cannot be read as skipped (it stays), not as failed', async () => {
      const ep = fakeHandler({ type: 'sagemaker:endpoint', describe: uses(CONFIG) });
      const cfg = fakeHandler({ type: 'sagemaker:endpoint-config', describe: awsError('AccessDeniedException', 'no DescribeEndpointConfig', 403) });
      const r = await run([hit(ENDPOINT)], [ep, cfg]);
      expect(r.candidates.map((c) => c.ref.arn)).toEqual([ENDPOINT]);
      expect(r.outcomes).toEqual([
        expect.objectContaining({ arn: CONFIG, status: 'skipped', reason: 'used by a planned resource but could not be read: AccessDeniedException: no DescribeEndpointConfig' }),
      ]);
    });

    it('describes a used resource that was also a hit once, and ignores uses no handler owns', async () => {
      const ep = fakeHandler({ type: 'sagemaker:endpoint', describe: uses(CONFIG.replace('nova-config', 'Nova-Config'), 'arn:aws:kms:us-east-1:123456789012:key/k') });
      const cfg = fakeHandler({ type: 'sagemaker:endpoint-config', describe: uses() });
      const r = await run([hit(ENDPOINT), hit(CONFIG)], [ep, cfg]);
      expect(cfg.called('describe')).toEqual([CONFIG]);
      expect(r.candidates.map((c) => c.ref.arn).sort()).toEqual([CONFIG, ENDPOINT].sort());
      expect(r.outcomes).toEqual([]);
    });

    it('calls a used resource in the region of its user, and a global one in the home region', async () => {
      const EU_CONFIG = 'arn:aws:sagemaker:eu-west-1:123456789012:endpoint-config/nova-config';
      const seen: ResourceRef[] = [];
      const record = (ref: ResourceRef) => (seen.push(ref), uses());
      const ep = fakeHandler({ type: 'sagemaker:endpoint', describe: uses(EU_CONFIG, ROLE) });
      const cfg = fakeHandler({ type: 'sagemaker:endpoint-config', describe: record });
      const role = fakeHandler({ type: 'iam:role', arnPattern: ROLE_PATTERN, global: true, describe: record });
      await run([hit('arn:aws:sagemaker:eu-west-1:123456789012:endpoint/nova-ep', 'eu-west-1')], [ep, cfg, role], { homeRegion: 'us-east-1' });
      expect(Object.fromEntries(seen.map((r) => [r.type, r.region]))).toEqual({ 'sagemaker:endpoint-config': 'eu-west-1', 'iam:role': 'us-east-1' });
    });
  });
});
