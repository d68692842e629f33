import { describe, expect, it } from 'vitest';
import { UNANSWERED_ATTEMPT } from '../../src/aws/errors.js';
import { Throughput } from '../../src/aws/throughput.js';
import type { JournalEvent, JournalSink } from '../../src/backup/journal.js';
import { execute, type ExecEvent, type ExecuteOptions } from '../../src/execute/executor.js';
import type { Outcome, Tags } from '../../src/model.js';
import { layer, type PlanItem } from '../../src/plan/document.js';
import { GONE, type ResourceHandler, type StepInfo } from '../../src/resources/handler.js';
import { awsError, testContext } from '../helpers/context.js';
import { allCalls, DEFAULT_FILTERS, DEFAULT_TAGS, fakeHandler, InFlight, macrotask, planNode, seqOf, type FakeHandler } from '../helpers/fakes.js';

// ─── Local helpers ───────────────────────────────────────────────────────────────────────────────

const arnOf = (type: string, name: string, region = 'us-east-1'): string => {
  const [service, kind] = type.split(':');
  return `arn:aws:${service}:${service === 'iam' ? '' : region}:123456789012:${kind}/${name}`;
};

const EP = arnOf('fake:endpoint', 'nova-ep');
const CFG = arnOf('fake:config', 'nova-config');
const MODEL = arnOf('fake:model', 'nova-model');

type Node = ReturnType<typeof planNode>;
const plan = (...nodes: Node[]): PlanItem[] => layer(nodes);

/** A journal sink that records every event; `failOn` makes the matching appends reject (after recording). */
class RecordingJournal implements JournalSink {
  readonly events: JournalEvent[] = [];
  /** What `snapshot` returned at each append, in order. */
  readonly snapshots: unknown[] = [];

  constructor(
    private readonly o: { failOn?: (e: JournalEvent) => boolean; snapshot?: () => unknown } = {},
  ) {}

  append(e: JournalEvent): Promise<void> {
    this.events.push(e);
    if (this.o.snapshot) this.snapshots.push(this.o.snapshot());
    if (this.o.failOn?.(e)) return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    return Promise.resolve();
  }

  /** `event step` per event, for the item events. */
  get summary(): string[] {
    return this.events.map((e) => ('step' in e ? `${e.event} ${e.step}` : e.event));
  }
}

function run(items: readonly PlanItem[], handlers: readonly ResourceHandler[], extra: Partial<ExecuteOptions> = {}): Promise<Outcome[]> {
  return execute(items, {
    handlerFor: (t) => {
      const h = handlers.find((x) => x.type === t);
      if (!h) throw new Error(`no handler for ${t}`);
      return h;
    },
    ctx: testContext(),
    throughput: new Throughput({ default: { read: 8, write: 8 } }),
    filters: DEFAULT_FILTERS,
    ...extra,
  });
}

const byName = (outcomes: readonly Outcome[]): Record<string, Outcome> => Object.fromEntries(outcomes.map((o) => [o.name, o]));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Answers in turn, the last one repeated: currentTags that change between calls. */
function inTurn<T>(...answers: T[]): () => T {
  let i = 0;
  return () => answers[Math.min(i++, answers.length - 1)] as T;
}

/**
 * A fake handler whose delete runs the given steps (with their options) through `steps.run`; each body
 * logs `step:<name>` in `log` (where the fake's currentTags logs `check`), then runs `body`.
 */
function stepped(
  steps: readonly StepInfo[],
  o: { log?: string[]; type?: string; currentTags?: () => Tags | typeof GONE; body?: (step: StepInfo) => void | Promise<void> } = {},
): FakeHandler {
  const log = o.log ?? [];
  const h = fakeHandler({
    type: o.type ?? 'fake:bucket',
    currentTags: () => {
      log.push('check');
      return o.currentTags ? o.currentTags() : DEFAULT_TAGS;
    },
  });
  return {
    ...h,
    delete: async (_r, _ctx, s) => {
      for (const step of steps) {
        await s.run(step, async () => {
          log.push(`step:${step.name}`);
          await o.body?.(step);
        });
      }
    },
  };
}

/** The lengths of the runs of steps between two tag checks in a `stepped` log. */
function stepsBetweenChecks(log: readonly string[]): number[] {
  const runs: number[] = [];
  for (const entry of log) {
    if (entry === 'check') runs.push(0);
    else runs[runs.length - 1] = (runs.at(-1) ?? 0) + 1;
  }
  return runs;
}

// ─── Dependency order ────────────────────────────────────────────────────────────────────────────

describe('execute: dependency order', () => {
  it('deletes a user, and waits until it is gone, before what it uses is started', async () => {
    const ep = fakeHandler({ type: 'fake:endpoint', onDelete: () => macrotask(), onWaitUntilGone: () => macrotask() });
    const cfg = fakeHandler({ type: 'fake:config', onDelete: () => macrotask() });
    const model = fakeHandler({ type: 'fake:model' });
    const items = plan(planNode(MODEL, 'fake:model'), planNode(CFG, 'fake:config', [MODEL]), planNode(EP, 'fake:endpoint', [CFG]));

    const outcomes = await run(items, [ep, cfg, model]);

    expect(outcomes.map((o) => [o.name, o.status, o.rule])).toEqual([
      ['nova-ep', 'deleted', 'delete'],
      ['nova-config', 'deleted', 'delete'],
      ['nova-model', 'deleted', 'delete'],
    ]);
    expect(seqOf(ep, 'waitUntilGone', 'end', EP)).toBeLessThan(seqOf(cfg, 'currentTags', 'start', CFG));
    expect(seqOf(cfg, 'delete', 'end', CFG)).toBeLessThan(seqOf(model, 'currentTags', 'start', MODEL));
  });

  it('starts an item used by two users only once both are deleted or gone', async () => {
    const F1 = arnOf('fake:function', 'f1');
    const F2 = arnOf('fake:function', 'f2');
    const ROLE = arnOf('fake:role', 'r');
    const flight = new InFlight();
    const fns = fakeHandler({
      type: 'fake:function',
      currentTags: { [F1]: DEFAULT_TAGS, [F2]: GONE },
      onDelete: () => flight.hold(5),
    });
    const role = fakeHandler({ type: 'fake:role' });

    const outcomes = byName(await run(plan(planNode(ROLE, 'fake:role'), planNode(F1, 'fake:function', [ROLE]), planNode(F2, 'fake:function', [ROLE])), [fns, role]));

    expect(outcomes.f1?.status).toBe('deleted');
    expect(outcomes.f2?.status).toBe('gone');
    expect(outcomes.r?.status).toBe('deleted');
    expect(seqOf(fns, 'delete', 'end', F1)).toBeLessThan(seqOf(role, 'currentTags', 'start', ROLE));
    expect(seqOf(fns, 'currentTags', 'end', F2)).toBeLessThan(seqOf(role, 'currentTags', 'start', ROLE));
  });

  it('does not wait for users that are not in the set', async () => {
    const USER = arnOf('fake:function', 'outside');
    const ROLE = arnOf('fake:role', 'r');
    const [, roleItem] = plan(planNode(USER, 'fake:function', [ROLE]), planNode(ROLE, 'fake:role'));
    expect(roleItem?.usedBy).toEqual([USER]);
    const fns = fakeHandler({ type: 'fake:function' });
    const role = fakeHandler({ type: 'fake:role' });

    const outcomes = await run([roleItem as PlanItem], [fns, role]);

    expect(outcomes.map((o) => o.status)).toEqual(['deleted']);
    expect(fns.calls).toEqual([]);
  });

  it('does not hold an independent chain back while another chain waits', async () => {
    const E1 = arnOf('fake:endpoint', 'e1');
    const E2 = arnOf('fake:endpoint', 'e2');
    const C1 = arnOf('fake:config', 'c1');
    const C2 = arnOf('fake:config', 'c2');
    const gate = deferred();
    const ep = fakeHandler({ type: 'fake:endpoint', onDelete: (r) => (r.ref.arn === E1 ? gate.promise : undefined) });
    const cfg = fakeHandler({ type: 'fake:config' });
    const done = run(
      plan(planNode(E1, 'fake:endpoint', [C1]), planNode(C1, 'fake:config'), planNode(E2, 'fake:endpoint', [C2]), planNode(C2, 'fake:config')),
      [ep, cfg],
    );

    for (let i = 0; i < 10; i += 1) await macrotask();
    // e1 is still deleting: the other chain is done, c1 has not been touched.
    expect(ep.called('delete')).toContain(E1);
    expect(ep.calls.some((c) => c.method === 'delete' && c.phase === 'end' && c.arn === E1)).toBe(false);
    expect(cfg.calls.some((c) => c.method === 'delete' && c.phase === 'end' && c.arn === C2)).toBe(true);
    expect(cfg.called('currentTags')).not.toContain(C1);

    gate.resolve();
    const outcomes = byName(await done);
    expect(Object.values(outcomes).map((o) => o.status)).toEqual(['deleted', 'deleted', 'deleted', 'deleted']);
    expect(seqOf(ep, 'delete', 'end', E1)).toBeLessThan(seqOf(cfg, 'currentTags', 'start', C1));
  });

  it('returns one outcome per item in the order given, and still keeps the dependency order', async () => {
    const ep = fakeHandler({ type: 'fake:endpoint', onDelete: () => macrotask() });
    const cfg = fakeHandler({ type: 'fake:config', onDelete: () => macrotask() });
    const model = fakeHandler({ type: 'fake:model' });
    const items = plan(planNode(MODEL, 'fake:model'), planNode(CFG, 'fake:config', [MODEL]), planNode(EP, 'fake:endpoint', [CFG])).reverse();
    expect(items.map((i) => i.ref.arn)).toEqual([MODEL, CFG, EP]);

    const outcomes = await run(items, [ep, cfg, model]);

    expect(outcomes.map((o) => o.arn)).toEqual([MODEL, CFG, EP]);
    expect(outcomes.map((o) => o.status)).toEqual(['deleted', 'deleted', 'deleted']);
    expect(seqOf(ep, 'delete', 'end', EP)).toBeLessThan(seqOf(cfg, 'currentTags', 'start', CFG));
    expect(seqOf(cfg, 'delete', 'end', CFG)).toBeLessThan(seqOf(model, 'currentTags', 'start', MODEL));
  });

  it('starts what a gone user used; skips, as not attempted, what a skipped user used', async () => {
    const A = arnOf('fake:endpoint', 'a');
    const B = arnOf('fake:endpoint', 'b');
    const CA = arnOf('fake:config', 'ca');
    const CB = arnOf('fake:config', 'cb');
    const ep = fakeHandler({ type: 'fake:endpoint', currentTags: { [A]: GONE, [B]: { project: 'other' } } });
    const cfg = fakeHandler({ type: 'fake:config' });

    const outcomes = byName(
      await run(plan(planNode(A, 'fake:endpoint', [CA]), planNode(B, 'fake:endpoint', [CB]), planNode(CA, 'fake:config'), planNode(CB, 'fake:config')), [ep, cfg]),
    );

    expect(outcomes.a).toMatchObject({ status: 'gone', rule: 'gone' });
    expect(outcomes.ca).toMatchObject({ status: 'deleted', rule: 'delete' });
    expect(outcomes.b).toMatchObject({ status: 'skipped', rule: 'changed-since-plan' });
    expect(outcomes.cb).toMatchObject({ status: 'skipped', rule: 'not-attempted' });
    expect(outcomes.cb?.reason).toContain('fake:endpoint b');
    expect(cfg.called('currentTags')).toEqual([CA]);
  });

  it('fails a refused item (its backup incomplete) without touching it, and does not attempt what it uses', async () => {
    const A = arnOf('fake:endpoint', 'a');
    const B = arnOf('fake:endpoint', 'b');
    const CA = arnOf('fake:config', 'ca');
    const CB = arnOf('fake:config', 'cb');
    const ep = fakeHandler({ type: 'fake:endpoint' });
    const cfg = fakeHandler({ type: 'fake:config' });
    const refused = new Map([[B, 'not deleted: its configuration for the backup could not be read (AccessDenied)']]);

    const outcomes = byName(
      await run(plan(planNode(A, 'fake:endpoint', [CA]), planNode(B, 'fake:endpoint', [CB]), planNode(CA, 'fake:config'), planNode(CB, 'fake:config')), [ep, cfg], { refused }),
    );

    expect(outcomes.a).toMatchObject({ status: 'deleted' });
    expect(outcomes.ca).toMatchObject({ status: 'deleted' });
    expect(outcomes.b).toMatchObject({ status: 'failed', rule: 'unreadable', error: refused.get(B) });
    expect(outcomes.cb).toMatchObject({ status: 'skipped', rule: 'not-attempted' });
    // Neither its tags nor its delete were asked for.
    expect(ep.called('currentTags')).toEqual([A]);
    expect(ep.called('delete')).toEqual([A]);
    expect(cfg.called('delete')).toEqual([CA]);
  });
});

// ─── Concurrency ─────────────────────────────────────────────────────────────────────────────────

describe('execute: concurrency', () => {
  const things = (n: number, region = 'us-east-1', type = 'fake:thing'): Node[] =>
    Array.from({ length: n }, (_, i) => planNode(arnOf(type, `${region}-t${i}`, region), type, [], region));

  it.each([
    ['the write limit bounds a lane', { read: 1, write: 2 }, 2],
    ['a larger read limit does not widen the write lane', { read: 5, write: 1 }, 1],
    ['independent deletes run at once up to the write limit', { read: 1, write: 3 }, 3],
  ])('%s', async (_name, row, expected) => {
    const flight = new InFlight();
    const h = fakeHandler({ onDelete: () => flight.hold() });

    const outcomes = await run(plan(...things(6)), [h], { throughput: new Throughput({ fake: row }) });

    expect(outcomes.every((o) => o.status === 'deleted')).toBe(true);
    expect(flight.max).toBe(expected);
  });

  it('gives each region of a service its own lane', async () => {
    const all = new InFlight();
    const perRegion = { 'us-east-1': new InFlight(), 'us-west-2': new InFlight() };
    const h = fakeHandler({
      onDelete: (r) => Promise.all([all.hold(), perRegion[r.ref.region as keyof typeof perRegion].hold()]).then(() => undefined),
    });

    const outcomes = await run(plan(...things(3, 'us-east-1'), ...things(3, 'us-west-2')), [h], { throughput: new Throughput({ fake: { read: 4, write: 1 } }) });

    expect(outcomes.every((o) => o.status === 'deleted')).toBe(true);
    expect(perRegion['us-east-1'].max).toBe(1);
    expect(perRegion['us-west-2'].max).toBe(1);
    expect(all.max).toBe(2);
  });

  it('puts IAM in one global lane, whatever region an item names', async () => {
    const flight = new InFlight();
    const h = fakeHandler({ type: 'iam:role', onDelete: () => flight.hold() });
    const nodes = ['us-east-1', 'us-west-2', 'eu-west-1'].map((region, i) => planNode(arnOf('iam:role', `role${i}`), 'iam:role', [], region));
    expect(new Set(nodes.map((n) => n.ref.region)).size).toBe(3);

    const outcomes = await run(plan(...nodes), [h], { throughput: new Throughput({ iam: { read: 4, write: 1 } }) });

    expect(outcomes.every((o) => o.status === 'deleted')).toBe(true);
    expect(flight.max).toBe(1);
  });

  it('lanes are per service: two services in one region overlap', async () => {
    const flight = new InFlight();
    const a = fakeHandler({ type: 'fake:thing', onDelete: () => flight.hold() });
    const b = fakeHandler({ type: 'other:thing', onDelete: () => flight.hold() });

    await run(plan(...things(2), ...things(2, 'us-east-1', 'other:thing')), [a, b], {
      throughput: new Throughput({ fake: { read: 1, write: 1 }, other: { read: 1, write: 1 } }),
    });

    expect(flight.max).toBe(2);
  });

  it('does not take a lane slot while waiting for its users (a lane of one does not deadlock)', async () => {
    const A = arnOf('fake:thing', 'a');
    const B = arnOf('fake:thing', 'b');
    const C = arnOf('fake:thing', 'c');
    const h = fakeHandler({ onDelete: () => macrotask() });
    // c waits for b, b for a; given in the reverse order, all in one lane of one.
    const items = plan(planNode(A, 'fake:thing', [B]), planNode(B, 'fake:thing', [C]), planNode(C, 'fake:thing')).reverse();

    const outcomes = await run(items, [h], { throughput: new Throughput({ fake: { read: 1, write: 1 } }) });

    expect(outcomes.map((o) => o.status)).toEqual(['deleted', 'deleted', 'deleted']);
    expect(h.called('delete')).toEqual([A, B, C]);
  });
});

// ─── The tag re-check ────────────────────────────────────────────────────────────────────────────

describe('execute: tag re-check', () => {
  it('checks the tags before the first step and again before each later step', async () => {
    const h = fakeHandler({ type: 'fake:bucket', steps: ['detach', 'empty', 'delete'] });
    const B = arnOf('fake:bucket', 'b');

    const [outcome] = await run(plan(planNode(B, 'fake:bucket')), [h]);

    expect(outcome?.status).toBe('deleted');
    expect(h.called('currentTags')).toHaveLength(3);
    const order = allCalls(h)
      .filter((c) => (c.method === 'currentTags' && c.phase === 'end') || c.method === 'step')
      .map((c) => (c.method === 'step' ? c.arn.split('#')[1] : 'check'));
    expect(order).toEqual(['check', 'detach', 'check', 'empty', 'check', 'delete']);
  });

  it('skips the re-check for steps that ask it (recheck: false), but at most recheckEvery steps run between checks', async () => {
    const log: string[] = [];
    const steps = Array.from({ length: 7 }, (_, i): StepInfo => ({ name: `s${i + 1}`, recheck: false }));
    const h = stepped(steps, { log });

    const [outcome] = await run(plan(planNode(arnOf('fake:bucket', 'b'), 'fake:bucket')), [h], { recheckEvery: 3 });

    expect(outcome?.status).toBe('deleted');
    expect(log).toEqual(['check', 'step:s1', 'step:s2', 'step:s3', 'check', 'step:s4', 'step:s5', 'step:s6', 'check', 'step:s7']);
  });

  it.each([1, 2, 4, 5])('with recheckEvery %i, never more than that many steps run between two checks, and steps do skip it', async (every) => {
    const log: string[] = [];
    const h = stepped(
      Array.from({ length: 9 }, (_, i): StepInfo => ({ name: `s${i + 1}`, recheck: false })),
      { log },
    );

    await run(plan(planNode(arnOf('fake:bucket', 'b'), 'fake:bucket')), [h], { recheckEvery: every });

    const runs = stepsBetweenChecks(log);
    expect(runs.reduce((a, b) => a + b, 0)).toBe(9);
    expect(Math.max(...runs)).toBeLessThanOrEqual(every);
    expect(Math.max(...runs)).toBe(Math.min(every, 9));
  });

  it('checks at least every ten steps by default', async () => {
    const log: string[] = [];
    const h = stepped(
      Array.from({ length: 12 }, (_, i): StepInfo => ({ name: `s${i + 1}`, recheck: false })),
      { log },
    );

    await run(plan(planNode(arnOf('fake:bucket', 'b'), 'fake:bucket')), [h]);

    expect(stepsBetweenChecks(log)).toEqual([10, 2]);
  });

  it('re-checks before a step that asks for it, even right after a skipped one', async () => {
    const log: string[] = [];
    const h = stepped([{ name: 'a' }, { name: 'b', recheck: false }, { name: 'c' }, { name: 'd', recheck: true }], { log });

    await run(plan(planNode(arnOf('fake:bucket', 'b'), 'fake:bucket')), [h], { recheckEvery: 10 });

    expect(log).toEqual(['check', 'step:a', 'step:b', 'check', 'step:c', 'check', 'step:d']);
  });

  it.each([
    ['another value', { project: 'other' }],
    ['the tag removed', {}],
  ])('tags changed before the first step (%s): skipped as changed-since-plan, nothing deleted', async (_name, tags) => {
    const h = fakeHandler({ type: 'fake:bucket', currentTags: tags, steps: ['empty', 'delete'] });
    const B = arnOf('fake:bucket', 'b');
    const journal = new RecordingJournal();
    const events: ExecEvent[] = [];

    const outcomes = byName(await run(plan(planNode(B, 'fake:bucket')), [h], { journal, onEvent: (e) => events.push(e) }));

    expect(outcomes.b).toMatchObject({ status: 'skipped', rule: 'changed-since-plan' });
    expect(outcomes.b?.reason).toMatch(/tags changed/);
    expect(outcomes.b?.error).toBeUndefined();
    expect(h.called('delete')).toEqual([]);
    expect(h.called('step')).toEqual([]);
    expect(journal.events).toEqual([]);
    expect(events.filter((e) => e.kind === 'step')).toEqual([]);
  });

  it('tags changed between steps: stops before the next step, failed, says what was removed, and journals it as stopped', async () => {
    const B = arnOf('fake:bucket', 'b');
    const USED = arnOf('fake:key', 'k');
    const h = fakeHandler({
      type: 'fake:bucket',
      steps: ['detach', 'empty', 'delete'],
      currentTags: inTurn<Tags>(DEFAULT_TAGS, DEFAULT_TAGS, { project: 'other' }),
    });
    const key = fakeHandler({ type: 'fake:key' });
    const journal = new RecordingJournal();

    const outcomes = byName(await run(plan(planNode(B, 'fake:bucket', [USED]), planNode(USED, 'fake:key')), [h, key], { journal }));

    expect(outcomes.b).toMatchObject({ status: 'failed', rule: 'changed-since-plan', removed: ['detach done', 'empty done'] });
    expect(outcomes.b?.error).toMatch(/^TagsChanged/);
    expect(h.called('step')).toEqual([`${B}#detach`, `${B}#empty`]);
    expect(h.called('currentTags')).toHaveLength(3);
    const stopped = journal.events.filter((e) => e.event === 'stopped');
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toMatchObject({ event: 'stopped', arn: B, type: 'fake:bucket' });
    expect(stopped[0] && 'error' in stopped[0] ? stopped[0].error : '').toMatch(/^TagsChanged/);
    expect(journal.events.some((e) => e.event === 'deleted')).toBe(false);
    expect(journal.events.some((e) => e.event === 'step-started' && e.step === 'delete')).toBe(false);
    // What it uses is not touched.
    expect(outcomes.k).toMatchObject({ status: 'skipped', rule: 'not-attempted' });
    expect(key.calls).toEqual([]);
  });

  it('tags changed right before the second step: says that only the first step ran', async () => {
    const B = arnOf('fake:bucket', 'b');
    const h = fakeHandler({ type: 'fake:bucket', steps: ['detach', 'delete'], currentTags: inTurn<Tags>(DEFAULT_TAGS, {}) });

    const [outcome] = await run(plan(planNode(B, 'fake:bucket')), [h]);

    expect(outcome).toMatchObject({ status: 'failed', rule: 'changed-since-plan', removed: ['detach done'] });
    expect(h.called('step')).toEqual([`${B}#detach`]);
  });

  it('gone at the first check: gone, and nothing is sent', async () => {
    const B = arnOf('fake:bucket', 'b');
    const USED = arnOf('fake:key', 'k');
    const h = fakeHandler({ type: 'fake:bucket', currentTags: GONE });
    const key = fakeHandler({ type: 'fake:key' });
    const journal = new RecordingJournal();

    const outcomes = byName(await run(plan(planNode(B, 'fake:bucket', [USED]), planNode(USED, 'fake:key')), [h, key], { journal }));

    expect(outcomes.b).toMatchObject({ status: 'gone', rule: 'gone' });
    expect(outcomes.b?.error).toBeUndefined();
    expect(h.called('delete')).toEqual([]);
    expect(journal.events.filter((e) => 'arn' in e && e.arn === B)).toEqual([]);
    // A user that is gone does not hold back what it used.
    expect(outcomes.k).toMatchObject({ status: 'deleted' });
  });

  it('gone between steps: gone, with what its steps removed', async () => {
    const B = arnOf('fake:bucket', 'b');
    const h = fakeHandler({ type: 'fake:bucket', steps: ['empty', 'delete'], currentTags: inTurn<Tags | typeof GONE>(DEFAULT_TAGS, GONE) });
    const journal = new RecordingJournal();

    const [outcome] = await run(plan(planNode(B, 'fake:bucket')), [h], { journal });

    expect(outcome).toMatchObject({ status: 'gone', rule: 'gone', removed: ['empty done'] });
    expect(h.called('step')).toEqual([`${B}#empty`]);
    expect(journal.summary).toEqual(['step-started empty', 'step-done empty', 'gone delete']);
  });
});

// ─── Failures ────────────────────────────────────────────────────────────────────────────────────

describe('execute: failures', () => {
  const B = arnOf('fake:bucket', 'b');

  it('a delete failing with one of the handler\'s not-found codes, then GONE on re-read: gone', async () => {
    const h = fakeHandler({
      type: 'fake:bucket',
      notFound: ['NoSuchBucket'],
      currentTags: inTurn<Tags | typeof GONE>(DEFAULT_TAGS, GONE),
      onDelete: () => {
        throw awsError('NoSuchBucket', 'The specified bucket does not exist', 404);
      },
    });
    const journal = new RecordingJournal();

    const [outcome] = await run(plan(planNode(B, 'fake:bucket')), [h], { journal });

    expect(outcome).toMatchObject({ status: 'gone', rule: 'gone' });
    expect(outcome?.error).toBeUndefined();
    expect(h.called('currentTags')).toHaveLength(2);
    expect(journal.events.at(-1)).toMatchObject({ event: 'gone', arn: B, type: 'fake:bucket' });
  });

  it('a not-found error while the resource is still there: failed, never gone on the error name alone', async () => {
    const h = fakeHandler({
      type: 'fake:bucket',
      notFound: ['NoSuchBucket'],
      onDelete: () => {
        throw awsError('NoSuchBucket', 'The specified bucket does not exist', 404);
      },
    });

    const [outcome] = await run(plan(planNode(B, 'fake:bucket')), [h]);

    expect(outcome).toMatchObject({ status: 'failed', rule: 'delete-failed' });
    expect(outcome?.error).toBe('NoSuchBucket: The specified bucket does not exist');
    expect(h.called('currentTags')).toHaveLength(2);
  });

  it('a not-found error whose re-read fails: failed', async () => {
    const h = fakeHandler({
      type: 'fake:bucket',
      notFound: ['NoSuchBucket'],
      currentTags: inTurn<Tags | Error>(DEFAULT_TAGS, awsError('ThrottlingException', 'Rate exceeded')),
      onDelete: () => {
        throw awsError('NoSuchBucket', 'gone?', 404);
      },
    });

    const [outcome] = await run(plan(planNode(B, 'fake:bucket')), [h]);

    expect(outcome).toMatchObject({ status: 'failed', rule: 'delete-failed', error: 'NoSuchBucket: gone?' });
  });

  it('an error that only says "does not exist" in its message is not a not-found: failed, not even re-read', async () => {
    const h = fakeHandler({
      type: 'fake:bucket',
      notFound: ['NoSuchBucket'],
      currentTags: inTurn<Tags | typeof GONE>(DEFAULT_TAGS, GONE),
      onDelete: () => {
        throw awsError('ValidationException', 'Bucket b does not exist');
      },
    });

    const [outcome] = await run(plan(planNode(B, 'fake:bucket')), [h]);

    expect(outcome).toMatchObject({ status: 'failed', rule: 'delete-failed', error: 'ValidationException: Bucket b does not exist' });
    expect(h.called('currentTags')).toHaveLength(1);
  });

  it('a failure: failed with the AWS error, what it had removed; what it uses is not attempted (transitively); others go on', async () => {
    const CFG2 = arnOf('fake:config', 'c2');
    const OTHER = arnOf('fake:thing', 'other');
    const ep = fakeHandler({
      type: 'fake:endpoint',
      steps: ['detach', 'delete'],
      onDelete: () => {
        throw awsError('ResourceInUse', 'Cannot delete endpoint nova-ep: it is updating');
      },
    });
    const cfg = fakeHandler({ type: 'fake:config' });
    const model = fakeHandler({ type: 'fake:model' });
    const other = fakeHandler({ type: 'fake:thing' });
    const journal = new RecordingJournal();

    const outcomes = byName(
      await run(
        plan(
          planNode(EP, 'fake:endpoint', [CFG]),
          planNode(CFG, 'fake:config', [MODEL]),
          planNode(MODEL, 'fake:model'),
          planNode(CFG2, 'fake:config'),
          planNode(OTHER, 'fake:thing'),
        ),
        [ep, cfg, model, other],
        { journal },
      ),
    );

    expect(outcomes['nova-ep']).toMatchObject({
      status: 'failed',
      rule: 'delete-failed',
      error: 'ResourceInUse: Cannot delete endpoint nova-ep: it is updating',
      removed: ['detach done'],
    });
    expect(outcomes['nova-config']).toMatchObject({ status: 'skipped', rule: 'not-attempted' });
    expect(outcomes['nova-config']?.reason).toContain('fake:endpoint nova-ep');
    expect(outcomes['nova-model']).toMatchObject({ status: 'skipped', rule: 'not-attempted' });
    expect(outcomes['nova-model']?.reason).toContain('fake:config nova-config');
    expect(cfg.called('currentTags')).toEqual([CFG2]);
    expect(model.calls).toEqual([]);
    expect(outcomes.c2?.status).toBe('deleted');
    expect(outcomes.other?.status).toBe('deleted');
    expect(journal.events.find((e) => e.event === 'failed')).toMatchObject({
      event: 'failed',
      arn: EP,
      type: 'fake:endpoint',
      error: 'ResourceInUse: Cannot delete endpoint nova-ep: it is updating',
    });
  });

  it('a failing first check (not a tag change) is a failure with its error', async () => {
    const h = fakeHandler({ type: 'fake:bucket', currentTags: awsError('AccessDeniedException', 'not authorized to perform: ListTags', 403) });

    const [outcome] = await run(plan(planNode(B, 'fake:bucket')), [h]);

    expect(outcome).toMatchObject({ status: 'failed', rule: 'delete-failed', error: 'AccessDeniedException: not authorized to perform: ListTags' });
    expect(h.called('delete')).toEqual([]);
  });

  it('waits until it is gone after the delete, before it is journalled as deleted', async () => {
    let waited = false;
    const h = fakeHandler({
      type: 'fake:endpoint',
      onWaitUntilGone: async () => {
        await macrotask();
        waited = true;
      },
    });
    const journal = new RecordingJournal({ snapshot: () => waited });
    const events: ExecEvent[] = [];

    const [outcome] = await run(plan(planNode(EP, 'fake:endpoint')), [h], { journal, onEvent: (e) => events.push(e) });

    expect(outcome?.status).toBe('deleted');
    expect(h.called('waitUntilGone')).toEqual([EP]);
    expect(seqOf(h, 'delete', 'end', EP)).toBeLessThan(seqOf(h, 'waitUntilGone', 'start', EP));
    expect(journal.summary.at(-1)).toBe('deleted delete');
    expect(journal.snapshots.at(-1)).toBe(true);
    expect(journal.snapshots.slice(0, -1).every((s) => s === false)).toBe(true);
    expect(events.map((e) => e.kind)).toEqual(['start', 'step', 'waiting', 'done']);
  });

  const waiterError = (state: string, name: string): Error =>
    Object.assign(new Error(JSON.stringify({ state, reason: `waiter ${state.toLowerCase()}`, observedResponses: { '200: OK': 3 } })), { name });

  it.each([
    ['TIMEOUT', 'TimeoutError', /^TimeoutError: .*did not finish within --wait-timeout$/],
    ['ABORTED', 'AbortError', /^Interrupted: the delete was sent; it may still complete in AWS$/],
    ['FAILURE', 'Error', /^WaiterFailure: the resource reached a failed state/],
  ])('a waiter %s is explained in words', async (state, name, expected) => {
    const h = fakeHandler({
      type: 'fake:endpoint',
      onWaitUntilGone: () => {
        throw waiterError(state, name);
      },
    });
    const journal = new RecordingJournal();

    const [outcome] = await run(plan(planNode(EP, 'fake:endpoint')), [h], { journal });

    expect(outcome).toMatchObject({ status: 'failed', rule: 'delete-failed' });
    expect(outcome?.error).toMatch(expected);
    if (state !== 'FAILURE') expect(outcome?.error).not.toContain('{');
    expect(journal.summary.at(-1)).toBe('failed delete');
  });
});

// ─── Journal ─────────────────────────────────────────────────────────────────────────────────────

describe('execute: journal', () => {
  const B = arnOf('fake:bucket', 'b');

  it('journals each step as started before its body runs and done after, then the item as deleted; each event names arn, type and step', async () => {
    const h = fakeHandler({ type: 'fake:bucket', steps: ['empty', 'delete'] });
    const journal = new RecordingJournal({ snapshot: () => h.called('step').map((s) => s.split('#')[1]) });

    const [outcome] = await run(plan(planNode(B, 'fake:bucket')), [h], { journal });

    expect(outcome?.status).toBe('deleted');
    expect(journal.events).toEqual([
      { event: 'step-started', arn: B, type: 'fake:bucket', step: 'empty' },
      { event: 'step-done', arn: B, type: 'fake:bucket', step: 'empty' },
      { event: 'step-started', arn: B, type: 'fake:bucket', step: 'delete' },
      { event: 'step-done', arn: B, type: 'fake:bucket', step: 'delete' },
      { event: 'deleted', arn: B, type: 'fake:bucket', step: 'delete' },
    ]);
    // The bodies that had run when each event was appended.
    expect(journal.snapshots).toEqual([[], ['empty'], ['empty'], ['empty', 'delete'], ['empty', 'delete']]);
  });

  it('journals the child a step removes', async () => {
    const h = stepped([{ name: 'delete-inline-policy', child: { kind: 'inline-policy', id: 'p1' } }, { name: 'delete' }]);

    const journal = new RecordingJournal();
    await run(plan(planNode(B, 'fake:bucket')), [h], { journal });

    expect(journal.events[0]).toEqual({ event: 'step-started', arn: B, type: 'fake:bucket', step: 'delete-inline-policy', child: { kind: 'inline-policy', id: 'p1' } });
    expect(journal.events[1]).toMatchObject({ event: 'step-done', child: { kind: 'inline-policy', id: 'p1' } });
  });

  it('a journal that fails on the final "deleted" still gives deleted, with a reason saying so', async () => {
    const h = fakeHandler({ type: 'fake:bucket' });
    const journal = new RecordingJournal({ failOn: (e) => e.event === 'deleted' });

    const [outcome] = await run(plan(planNode(B, 'fake:bucket')), [h], { journal });

    expect(outcome).toMatchObject({ status: 'deleted', rule: 'delete' });
    expect(outcome?.reason).toMatch(/journal could not record/);
    expect(outcome?.error).toBeUndefined();
  });

  it('a journal that cannot record a step start: the step is not sent, and the item failed', async () => {
    const h = fakeHandler({ type: 'fake:bucket' });
    const journal = new RecordingJournal({ failOn: (e) => e.event === 'step-started' || e.event === 'failed' });

    const [outcome] = await run(plan(planNode(B, 'fake:bucket')), [h], { journal });

    expect(outcome).toMatchObject({ status: 'failed', rule: 'delete-failed' });
    expect(outcome?.error).toContain('ENOSPC');
    expect(h.called('step')).toEqual([]);
  });

  it('without a journal, deletes all the same', async () => {
    const h = fakeHandler({ type: 'fake:bucket', steps: ['empty', 'delete'] });

    const [outcome] = await run(plan(planNode(B, 'fake:bucket')), [h]);

    expect(outcome).toMatchObject({ status: 'deleted', rule: 'delete' });
    expect(outcome?.reason).toBeUndefined();
  });
});

// ─── Interruption and lost credentials ───────────────────────────────────────────────────────────

describe('execute: abort signal', () => {
  const T = (n: string): string => arnOf('fake:thing', n);

  it('nothing new starts after the abort; what is in flight finishes', async () => {
    const controller = new AbortController();
    const USED = arnOf('fake:other', 'used-by-a');
    const h = fakeHandler({
      onDelete: async (r) => {
        if (r.ref.arn === T('a')) controller.abort();
        await macrotask();
      },
    });
    const o = fakeHandler({ type: 'fake:other' });
    const journal = new RecordingJournal();

    const outcomes = byName(
      await run(plan(planNode(T('a'), 'fake:thing', [USED]), planNode(T('b'), 'fake:thing'), planNode(T('c'), 'fake:thing'), planNode(USED, 'fake:other')), [h, o], {
        throughput: new Throughput({ fake: { read: 1, write: 1 } }),
        signal: controller.signal,
        journal,
      }),
    );

    expect(outcomes.a).toMatchObject({ status: 'deleted', rule: 'delete' });
    for (const n of ['b', 'c', 'used-by-a']) {
      expect(outcomes[n]).toMatchObject({ status: 'skipped', rule: 'interrupted' });
      expect(outcomes[n]?.reason).toMatch(/interrupted/);
    }
    expect(h.called('currentTags')).toEqual([T('a')]);
    expect(o.calls).toEqual([]);
    expect(journal.events.filter((e) => 'arn' in e && e.arn !== T('a'))).toEqual([]);
  });

  it('a multi-step delete in flight runs all its steps after the abort', async () => {
    const controller = new AbortController();
    const abortOnSecondCheck = inTurn<() => Tags>(
      () => DEFAULT_TAGS,
      () => {
        controller.abort();
        return DEFAULT_TAGS;
      },
      () => DEFAULT_TAGS,
    );
    const h = fakeHandler({ type: 'fake:bucket', steps: ['empty', 'detach', 'delete'], currentTags: () => abortOnSecondCheck()() });
    const B = arnOf('fake:bucket', 'b');

    const [outcome] = await run(plan(planNode(B, 'fake:bucket')), [h], { signal: controller.signal });

    expect(controller.signal.aborted).toBe(true);
    expect(outcome).toMatchObject({ status: 'deleted', rule: 'delete' });
    expect(h.called('step')).toEqual([`${B}#empty`, `${B}#detach`, `${B}#delete`]);
  });

  it('an abort during the check before the delete: nothing is sent', async () => {
    const controller = new AbortController();
    const h = fakeHandler({
      currentTags: () => {
        controller.abort();
        return DEFAULT_TAGS;
      },
    });

    const [outcome] = await run(plan(planNode(T('a'), 'fake:thing')), [h], { signal: controller.signal });

    expect(outcome).toMatchObject({ status: 'skipped', rule: 'interrupted' });
    expect(h.called('delete')).toEqual([]);
  });

  it('an abort before the run: nothing is called at all', async () => {
    const controller = new AbortController();
    controller.abort();
    const h = fakeHandler();

    const outcomes = await run(plan(planNode(T('a'), 'fake:thing'), planNode(T('b'), 'fake:thing')), [h], { signal: controller.signal });

    expect(outcomes.map((o) => [o.status, o.rule])).toEqual([
      ['skipped', 'interrupted'],
      ['skipped', 'interrupted'],
    ]);
    expect(h.calls).toEqual([]);
  });
});

describe('execute: a delete whose answer was lost', () => {
  /** A not-found error from a call the SDK retried after an unanswered attempt (src/aws/retry.ts marks it). */
  const retriedNotFound = (): Error => Object.defineProperty(awsError('NotFound', 'no such thing', 404), UNANSWERED_ATTEMPT, { value: true });

  it('the retry found it gone and a re-read agrees: deleted (its own first attempt did it), journalled as deleted', async () => {
    const journal = new RecordingJournal();
    const h = fakeHandler({
      currentTags: inTurn<Tags | typeof GONE>(DEFAULT_TAGS, GONE),
      onDelete: () => {
        throw retriedNotFound();
      },
    });
    const [o] = await run(plan(planNode(EP, 'fake:thing')), [h], { journal });
    expect(o).toMatchObject({ status: 'deleted', rule: 'delete', reason: 'the answer to its delete call was lost; the retry and a re-read found it deleted' });
    expect(journal.summary).toContain('deleted delete');
  });

  it('without an unanswered attempt the same not-found is someone else: gone; and a re-read that still finds it: failed', async () => {
    const plain = fakeHandler({
      currentTags: inTurn<Tags | typeof GONE>(DEFAULT_TAGS, GONE),
      onDelete: () => {
        throw awsError('NotFound', 'no such thing', 404);
      },
    });
    expect((await run(plan(planNode(EP, 'fake:thing')), [plain]))[0]).toMatchObject({ status: 'gone', rule: 'gone' });
    const still = fakeHandler({
      onDelete: () => {
        throw retriedNotFound();
      },
    });
    expect((await run(plan(planNode(EP, 'fake:thing')), [still]))[0]).toMatchObject({ status: 'failed', error: 'NotFound: no such thing' });
  });
});

describe('execute: lost credentials', () => {
  const T = (n: string): string => arnOf('fake:thing', n);
  const expired = (): Error => awsError('ExpiredToken', 'The security token included in the request is expired');

  it('an ExpiredToken error stops new work: later items are skipped, telling to renew the credentials and resume', async () => {
    const h = fakeHandler({
      onDelete: (r) => {
        if (r.ref.arn === T('a')) throw expired();
      },
    });

    const outcomes = byName(
      await run(plan(planNode(T('a'), 'fake:thing'), planNode(T('b'), 'fake:thing'), planNode(T('c'), 'fake:thing')), [h], {
        throughput: new Throughput({ fake: { read: 1, write: 1 } }),
      }),
    );

    expect(outcomes.a).toMatchObject({ status: 'failed', rule: 'delete-failed', error: 'ExpiredToken: The security token included in the request is expired' });
    for (const n of ['b', 'c']) {
      expect(outcomes[n]).toMatchObject({ status: 'skipped', rule: 'interrupted' });
      expect(outcomes[n]?.reason).toMatch(/credentials/);
      expect(outcomes[n]?.reason).toMatch(/refresh them/);
      expect(outcomes[n]?.reason).toMatch(/resume/);
    }
    expect(h.called('currentTags')).toEqual([T('a')]);
  });

  it('an expired answer to any attempt (a waiter poll) ends the waits under way and names the journal to resume', async () => {
    const ctx = testContext();
    const waiting = deferred();
    const h = fakeHandler({
      onWaitUntilGone: (_ref, c) =>
        new Promise((_, reject) => {
          waiting.resolve();
          // As the SDK's waiters do when their abortSignal fires.
          c.signal?.addEventListener('abort', () => reject(new Error(JSON.stringify({ state: 'ABORTED', reason: 'Request was aborted' }))));
        }),
    });
    const journal = Object.assign(new RecordingJournal(), { path: '/backups/run.journal.ndjson' });
    const pending = run(plan(planNode(T('a'), 'fake:thing', [T('b')]), planNode(T('b'), 'fake:thing')), [h], { ctx, journal });
    await waiting.promise;
    // The waiter's poll is answered ExpiredTokenException: it would poll on until --wait-timeout.
    ctx.aws.calls.attempt({ service: 'sagemaker', operation: 'DescribeEndpoint', region: 'us-east-1', attempt: 1, ms: 1, status: 400, error: 'ExpiredTokenException', throttled: false });
    const outcomes = byName(await pending);
    expect(outcomes.a).toMatchObject({ status: 'failed', rule: 'delete-failed' });
    expect(outcomes.a?.error).toMatch(/^ExpiredTokenException: stopped while waiting for AWS \(what was sent may still complete there\): the credentials stopped working/);
    expect(outcomes.b).toMatchObject({ status: 'skipped', rule: 'interrupted' });
    expect(outcomes.b?.reason).toBe(
      'not started: the credentials stopped working (ExpiredTokenException: the answer to sagemaker:DescribeEndpoint); refresh them, then run `nova-cleanup resume /backups/run.journal.ndjson`',
    );
  });

  it('a delete running elsewhere does not start its next step once the credentials are lost', async () => {
    const A = T('a');
    const B = arnOf('fake:bucket', 'b');
    const aDone = deferred();
    const a = fakeHandler({
      onDelete: () => {
        throw expired();
      },
    });
    const log: string[] = [];
    const b = stepped([{ name: 'empty', done: 'emptied' }, { name: 'delete' }], {
      log,
      body: (step) => (step.name === 'empty' ? aDone.promise : undefined),
    });

    const outcomes = byName(
      await run(plan(planNode(A, 'fake:thing'), planNode(B, 'fake:bucket')), [a, b], {
        onEvent: (e) => {
          if (e.kind === 'done' && e.outcome.arn === A) aDone.resolve();
        },
      }),
    );

    expect(outcomes.a?.status).toBe('failed');
    expect(outcomes.b).toMatchObject({ status: 'failed', rule: 'delete-failed', removed: ['emptied'] });
    expect(outcomes.b?.error).toMatch(/^not continued: the credentials stopped working/);
    expect(log).toEqual(['check', 'step:empty']);
  });
});

// ─── Progress events ─────────────────────────────────────────────────────────────────────────────

describe('execute: progress events', () => {
  it('tells start, each step, waiting and done, in order', async () => {
    const h = fakeHandler({ type: 'fake:endpoint', steps: ['stop', 'delete'], onWaitUntilGone: () => undefined });
    const events: ExecEvent[] = [];

    await run(plan(planNode(EP, 'fake:endpoint')), [h], { onEvent: (e) => events.push(e) });

    expect(events.map((e) => (e.kind === 'step' ? `step ${e.step.name}` : e.kind))).toEqual(['start', 'step stop', 'step delete', 'waiting', 'done']);
    const done = events.at(-1);
    expect(done?.kind === 'done' ? done.outcome : undefined).toMatchObject({ arn: EP, status: 'deleted' });
  });

  it('an onEvent that throws does not break the run', async () => {
    const ok = arnOf('fake:thing', 'ok');
    const bad = arnOf('fake:thing', 'bad');
    const h = fakeHandler({
      steps: ['detach', 'delete'],
      onDelete: (r) => {
        if (r.ref.arn === bad) throw awsError('ResourceInUse', 'busy');
      },
    });
    const journal = new RecordingJournal();
    let calls = 0;

    const outcomes = byName(
      await run(plan(planNode(ok, 'fake:thing'), planNode(bad, 'fake:thing')), [h], {
        journal,
        onEvent: () => {
          calls += 1;
          throw new Error('EPIPE: broken pipe');
        },
      }),
    );

    expect(calls).toBeGreaterThan(0);
    expect(outcomes.ok).toMatchObject({ status: 'deleted', rule: 'delete' });
    expect(outcomes.bad).toMatchObject({ status: 'failed', error: 'ResourceInUse: busy', removed: ['detach done'] });
    expect(h.called('step')).toEqual(expect.arrayContaining([`${ok}#detach`, `${ok}#delete`, `${bad}#detach`, `${bad}#delete`]));
    expect(journal.events.filter((e) => e.event === 'deleted').map((e) => ('arn' in e ? e.arn : ''))).toEqual([ok]);
  });
});

describe('execute: a log group deleted with its owner (--delete-owned-log-groups)', () => {
  const GROUP = arnOf('fake:group', 'etl-logs');
  const owned = (): PlanItem[] => plan({ ...planNode(GROUP, 'fake:group'), tags: { team: 'x' }, rule: 'owned-log-group' as const });

  it('need not match the tags: its tags must be what the plan saw', async () => {
    const h = fakeHandler({ type: 'fake:group', currentTags: { team: 'x' } });
    const outcomes = byName(await run(owned(), [h]));
    expect(outcomes['etl-logs']).toMatchObject({ status: 'deleted' });
  });

  it('is left alone when its tags changed since the plan', async () => {
    const h = fakeHandler({ type: 'fake:group', currentTags: { team: 'x', keep: 'yes' } });
    const outcomes = byName(await run(owned(), [h]));
    expect(outcomes['etl-logs']).toMatchObject({ rule: 'changed-since-plan' });
    expect(outcomes['etl-logs']?.status).not.toBe('deleted');
    expect(h.called('delete')).toEqual([]);
  });
});
