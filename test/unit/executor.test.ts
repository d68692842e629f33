import { describe, expect, it } from 'vitest';
import { execute, type ExecEvent, type ExecuteOptions } from '../../src/execute/executor.js';
import type { Outcome } from '../../src/model.js';
import { buildPlan, type Candidate, type PlanItem } from '../../src/plan/plan.js';
import { GONE, type ResourceHandler } from '../../src/resources/handler.js';
import { awsError, testContext } from '../helpers/context.js';
import { DEFAULT_FILTERS, InFlight, candidate, fakeHandler, macrotask, seqOf, type FakeHandler } from '../helpers/fakes.js';

const arn = (type: string, name: string) => {
  const [service, kind] = type.split(':');
  return `arn:aws:${service}:us-east-1:123456789012:${kind}/${name}`;
};
const EP = arn('fake:endpoint', 'nova-ep');
const CFG = arn('fake:config', 'nova-config');
const MODEL = arn('fake:model', 'nova-model');

const plan = (...candidates: Candidate[]): readonly PlanItem[] => buildPlan(candidates).items;

/** A journal that records events (and can be told to fail). */
class RecordingJournal {
  readonly events: Record<string, unknown>[] = [];
  append(event: Record<string, unknown>): Promise<void> {
    this.events.push(event);
    return Promise.resolve();
  }
  get summary(): string[] {
    return this.events.map((e) => `${String(e.event)} ${String(e.arn).split(/[/:]/).at(-1)}`);
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
    filters: DEFAULT_FILTERS,
    ...extra,
  });
}

const byName = (outcomes: readonly Outcome[]) => Object.fromEntries(outcomes.map((o) => [o.name, o]));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('execute: order', () => {
  it('finishes a user (delete and wait) before what it uses starts', async () => {
    const ep = fakeHandler({ type: 'fake:endpoint', onWaitUntilGone: () => macrotask() });
    const cfg = fakeHandler({ type: 'fake:config', onDelete: () => macrotask() });
    const model = fakeHandler({ type: 'fake:model' });
    const outcomes = await run(plan(candidate(MODEL, 'fake:model'), candidate(CFG, 'fake:config', [MODEL]), candidate(EP, 'fake:endpoint', [CFG])), [ep, cfg, model]);

    expect(outcomes.map((o) => [o.name, o.status])).toEqual([['nova-ep', 'deleted'], ['nova-config', 'deleted'], ['nova-model', 'deleted']]);
    expect(seqOf(ep, 'waitUntilGone', 'end', EP)).toBeLessThan(seqOf(cfg, 'currentTags', 'start', CFG));
    expect(seqOf(cfg, 'delete', 'end', CFG)).toBeLessThan(seqOf(model, 'currentTags', 'start', MODEL));
  });

  it('returns one outcome per item, in the items\' order', async () => {
    const h = fakeHandler({ type: 'fake:thing' });
    const items = plan(...['c', 'a', 'b'].map((n) => candidate(arn('fake:thing', n), 'fake:thing')));
    const outcomes = await run(items, [h]);
    expect(outcomes.map((o) => o.arn)).toEqual(items.map((i) => i.ref.arn));
    expect(outcomes.map((o) => o.name)).toEqual(['a', 'b', 'c']);
  });

  it('does not hold an independent chain back while another waits', async () => {
    const gate = deferred();
    const slow = fakeHandler({ type: 'fake:endpoint', onDelete: () => gate.promise });
    const cfg = fakeHandler({ type: 'fake:config' });
    const other = fakeHandler({ type: 'fake:thing' });
    const OTHER = arn('fake:thing', 'other');
    const done = run(plan(candidate(EP, 'fake:endpoint', [CFG]), candidate(CFG, 'fake:config'), candidate(OTHER, 'fake:thing')), [slow, cfg, other]);

    for (let i = 0; i < 5; i += 1) await macrotask();
    expect(other.called('delete')).toEqual([OTHER]);
    expect(other.calls.some((c) => c.method === 'delete' && c.phase === 'end')).toBe(true);
    expect(cfg.calls).toEqual([]); // still waiting for the endpoint

    gate.resolve();
    expect((await done).map((o) => o.status)).toEqual(['deleted', 'deleted', 'deleted']);
    expect(seqOf(slow, 'delete', 'end', EP)).toBeLessThan(seqOf(cfg, 'currentTags', 'start', CFG));
  });
});

describe('execute: concurrency', () => {
  it('runs independent items at the same time', async () => {
    const probe = new InFlight();
    const a = fakeHandler({ type: 'fake:a', onDelete: () => probe.hold() });
    const b = fakeHandler({ type: 'fake:b', onDelete: () => probe.hold() });
    await run(plan(candidate(arn('fake:a', 'one'), 'fake:a'), candidate(arn('fake:b', 'two'), 'fake:b')), [a, b]);
    expect(probe.max).toBe(2);
  });

  it('bounds the deletes in flight per service', async () => {
    const probe = new InFlight();
    const h = fakeHandler({ type: 'fake:thing', onDelete: () => probe.hold() });
    const items = plan(...[1, 2, 3, 4, 5].map((n) => candidate(arn('fake:thing', `t${n}`), 'fake:thing')));
    const outcomes = await run(items, [h], { concurrency: { fake: 2 } });
    expect(outcomes.every((o) => o.status === 'deleted')).toBe(true);
    expect(h.called('delete')).toHaveLength(5);
    expect(probe.max).toBe(2);
  });

  it('counts each service against its own limit, and uses the default for others', async () => {
    const perService = new Map<string, InFlight>([['a', new InFlight()], ['b', new InFlight()], ['c', new InFlight()]]);
    const total = new InFlight();
    const handlers = ['a', 'b', 'c'].map((s) =>
      fakeHandler({ type: `${s}:thing`, onDelete: () => Promise.all([perService.get(s)!.hold(), total.hold()]).then(() => undefined) }),
    );
    const items = plan(...['a', 'b', 'c'].flatMap((s) => [1, 2, 3].map((n) => candidate(`arn:aws:${s}:us-east-1:123456789012:thing/${s}${n}`, `${s}:thing`))));
    await run(items, handlers, { concurrency: { a: 1, b: 2, default: 3 } });
    expect([perService.get('a')!.max, perService.get('b')!.max, perService.get('c')!.max]).toEqual([1, 2, 3]);
    expect(total.max).toBe(6);
  });
});

describe('execute: the re-check before each delete', () => {
  it('reports an item that is gone by its turn as gone, without deleting', async () => {
    const h = fakeHandler({ currentTags: GONE });
    const [o] = await run(plan(candidate(arn('fake:thing', 'x'), 'fake:thing')), [h]);
    expect(o).toMatchObject({ status: 'gone', reason: expect.stringMatching(/no longer existed/) });
    expect(h.called('delete')).toEqual([]);
  });

  it('leaves an item whose tags no longer match, without deleting', async () => {
    const h = fakeHandler({ currentTags: { project: 'other' } });
    const journal = new RecordingJournal();
    const [o] = await run(plan(candidate(arn('fake:thing', 'x'), 'fake:thing')), [h], { journal });
    expect(o).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/tags changed/) });
    expect(h.called('delete')).toEqual([]);
    expect(journal.events).toEqual([]);
  });

  it('treats a not-found answer to the re-check as gone', async () => {
    const h = fakeHandler({ currentTags: awsError('ResourceNotFoundException', 'not found', 404) });
    const [o] = await run(plan(candidate(arn('fake:thing', 'x'), 'fake:thing')), [h]);
    expect(o?.status).toBe('gone');
    expect(h.called('delete')).toEqual([]);
  });
});

describe('execute: failures', () => {
  it('fails an item whose delete fails, and skips what it uses, naming it', async () => {
    const ep = fakeHandler({ type: 'fake:endpoint', onDelete: () => Promise.reject(awsError('AccessDeniedException', 'not allowed to DeleteEndpoint', 403)) });
    const cfg = fakeHandler({ type: 'fake:config' });
    const model = fakeHandler({ type: 'fake:model' });
    const journal = new RecordingJournal();
    const outcomes = byName(await run(plan(candidate(EP, 'fake:endpoint', [CFG]), candidate(CFG, 'fake:config', [MODEL]), candidate(MODEL, 'fake:model')), [ep, cfg, model], { journal }));

    expect(outcomes['nova-ep']).toMatchObject({ status: 'failed', error: 'AccessDeniedException: not allowed to DeleteEndpoint' });
    expect(outcomes['nova-config']).toMatchObject({ status: 'skipped', reason: 'not attempted: nova-ep (fake:endpoint), which uses it, was not deleted' });
    expect(outcomes['nova-model']).toMatchObject({ status: 'skipped', reason: 'not attempted: nova-config (fake:config), which uses it, was not deleted' });
    expect(cfg.calls).toEqual([]);
    expect(model.calls).toEqual([]);
    expect(journal.summary).toEqual(['deleting nova-ep', 'failed nova-ep']);
    expect(journal.events[1]).toMatchObject({ error: 'AccessDeniedException: not allowed to DeleteEndpoint' });
  });

  it('skips what a re-tagged user uses', async () => {
    const ep = fakeHandler({ type: 'fake:endpoint', currentTags: {} });
    const cfg = fakeHandler({ type: 'fake:config' });
    const outcomes = byName(await run(plan(candidate(EP, 'fake:endpoint', [CFG]), candidate(CFG, 'fake:config')), [ep, cfg]));
    expect(outcomes['nova-ep']?.status).toBe('skipped');
    expect(outcomes['nova-config']).toMatchObject({ status: 'skipped', reason: expect.stringContaining('nova-ep') });
    expect(cfg.called('delete')).toEqual([]);
  });

  it('goes on with what a gone user uses', async () => {
    const ep = fakeHandler({ type: 'fake:endpoint', currentTags: GONE });
    const cfg = fakeHandler({ type: 'fake:config' });
    const outcomes = byName(await run(plan(candidate(EP, 'fake:endpoint', [CFG]), candidate(CFG, 'fake:config')), [ep, cfg]));
    expect(outcomes['nova-ep']?.status).toBe('gone');
    expect(outcomes['nova-config']?.status).toBe('deleted');
  });

  it('reports a resource that vanishes during its delete as gone', async () => {
    const h = fakeHandler({ onDelete: () => Promise.reject(awsError('ValidationException', 'Could not find model "x".')) });
    const journal = new RecordingJournal();
    const [o] = await run(plan(candidate(arn('fake:thing', 'x'), 'fake:thing')), [h], { journal });
    expect(o).toMatchObject({ status: 'gone', reason: expect.stringMatching(/disappeared/) });
    expect(o?.error).toBeUndefined();
    expect(journal.summary).toEqual(['deleting x', 'gone x']);
  });

  it.each([
    ['TIMEOUT', 'TimeoutError', /^TimeoutError: an asynchronous step .* did not finish within --wait-timeout$/],
    ['FAILURE', 'Error', /^WaiterFailure: the resource reached a failed state \(.*"state":"FAILURE"/],
  ])('explains a waiter %s in words', async (state, name, expected) => {
    const waiterError = Object.assign(new Error(JSON.stringify({ state, observedResponses: { '200: OK': 3 }, reason: 'Waiter has timed out' })), { name });
    const h = fakeHandler({ onWaitUntilGone: () => Promise.reject(waiterError) });
    const journal = new RecordingJournal();
    const [o] = await run(plan(candidate(arn('fake:thing', 'x'), 'fake:thing')), [h], { journal });
    expect(o?.status).toBe('failed');
    expect(o?.error).toMatch(expected);
    expect(journal.summary).toEqual(['deleting x', 'failed x']);
  });

  it('fails only the item whose handler cannot be found, and reports the rest', async () => {
    const h = fakeHandler({ type: 'fake:thing' });
    const outcomes = byName(await run(plan(candidate(arn('fake:thing', 'ok'), 'fake:thing'), candidate(arn('fake:orphan', 'lost'), 'fake:orphan')), [h]));
    expect(outcomes.ok?.status).toBe('deleted');
    expect(outcomes.lost).toMatchObject({ status: 'failed', error: expect.stringContaining('no handler for fake:orphan') });
  });

  it('explains a waiter stopped by Ctrl-C as interrupted after the delete was sent', async () => {
    const ac = new AbortController();
    const h = fakeHandler({
      onWaitUntilGone: () => {
        ac.abort();
        return Promise.reject(Object.assign(new Error('{"state":"ABORTED","reason":"Request was aborted"}'), { name: 'AbortError' }));
      },
    });
    const [o] = await run(plan(candidate(arn('fake:thing', 'x'), 'fake:thing')), [h], { signal: ac.signal });
    expect(o).toMatchObject({ status: 'failed', error: 'Interrupted: the delete was sent; it may still complete in AWS' });
  });

  it('does not claim a delete was sent when the re-check failed during Ctrl-C', async () => {
    const ac = new AbortController();
    const h = fakeHandler({
      currentTags: () => {
        ac.abort();
        return awsError('ThrottlingException', 'Rate exceeded');
      },
    });
    const [o] = await run(plan(candidate(arn('fake:thing', 'x'), 'fake:thing')), [h], { signal: ac.signal });
    expect(h.called('delete')).toEqual([]);
    expect(['failed', 'skipped']).toContain(o?.status);
    // Nothing was sent: the outcome must not say that the delete may still complete in AWS.
    expect(`${o?.error ?? ''} ${o?.reason ?? ''}`).not.toMatch(/the delete was sent; it may still complete/);
  });
});

describe('execute: waiting, journal and events', () => {
  it('waits until gone after the delete, and journals deleting then deleted', async () => {
    const h = fakeHandler({ onWaitUntilGone: () => macrotask() });
    const journal = new RecordingJournal();
    const events: ExecEvent[] = [];
    const X = arn('fake:thing', 'x');
    const [o] = await run(plan(candidate(X, 'fake:thing')), [h], { journal, onEvent: (e) => events.push(e) });

    expect(o?.status).toBe('deleted');
    expect(h.called('waitUntilGone')).toEqual([X]);
    expect(seqOf(h, 'delete', 'end', X)).toBeLessThan(seqOf(h, 'waitUntilGone', 'start', X));
    expect(journal.events).toEqual([
      { event: 'deleting', arn: X, type: 'fake:thing', region: 'us-east-1' },
      { event: 'deleted', arn: X },
    ]);
    expect(events.map((e) => e.kind)).toEqual(['start', 'waiting', 'done']);
  });

  it('writes "deleting" to the journal before the delete is sent', async () => {
    const journal = new RecordingJournal();
    let journalAtDelete: string[] = [];
    const h = fakeHandler({ onDelete: () => void (journalAtDelete = journal.summary) });
    await run(plan(candidate(arn('fake:thing', 'x'), 'fake:thing')), [h], { journal });
    expect(journalAtDelete).toEqual(['deleting x']);
  });

  it('does not delete when the journal cannot be written', async () => {
    const h = fakeHandler();
    const journal = { append: (e: Record<string, unknown>) => (e.event === 'deleting' ? Promise.reject(new Error('ENOSPC: no space left on device')) : Promise.resolve()) };
    const [o] = await run(plan(candidate(arn('fake:thing', 'x'), 'fake:thing')), [h], { journal });
    expect(o).toMatchObject({ status: 'failed', error: expect.stringContaining('ENOSPC') });
    expect(h.called('delete')).toEqual([]);
  });

  it('journals deleting/deleted and deleting/failed per item, in the order they happened', async () => {
    const ok = fakeHandler({ type: 'fake:ok' });
    const bad = fakeHandler({ type: 'fake:bad', onDelete: () => Promise.reject(awsError('InternalFailure', 'boom', 500)) });
    const journal = new RecordingJournal();
    await run(plan(candidate(arn('fake:ok', 'a'), 'fake:ok', [arn('fake:bad', 'b')]), candidate(arn('fake:bad', 'b'), 'fake:bad')), [ok, bad], { journal });
    expect(journal.summary).toEqual(['deleting a', 'deleted a', 'deleting b', 'failed b']);
  });
});

describe('execute: Ctrl-C', () => {
  it('starts nothing once the signal is aborted', async () => {
    const h = fakeHandler();
    const journal = new RecordingJournal();
    const ac = new AbortController();
    ac.abort();
    const outcomes = await run(plan(candidate(arn('fake:thing', 'a'), 'fake:thing'), candidate(arn('fake:thing', 'b'), 'fake:thing')), [h], { journal, signal: ac.signal });
    expect(outcomes.map((o) => [o.status, o.reason])).toEqual([
      ['skipped', 'interrupted before it was started'],
      ['skipped', 'interrupted before it was started'],
    ]);
    expect(h.calls).toEqual([]);
    expect(journal.events).toEqual([]);
  });

  it('lets a running delete finish and starts nothing after it', async () => {
    const ac = new AbortController();
    const ep: FakeHandler = fakeHandler({ type: 'fake:endpoint', onDelete: () => ac.abort() });
    const cfg = fakeHandler({ type: 'fake:config' });
    const outcomes = byName(await run(plan(candidate(EP, 'fake:endpoint', [CFG]), candidate(CFG, 'fake:config')), [ep, cfg], { signal: ac.signal }));
    expect(outcomes['nova-ep']?.status).toBe('deleted');
    expect(outcomes['nova-config']).toMatchObject({ status: 'skipped', reason: 'interrupted before it was started' });
    expect(cfg.calls).toEqual([]);
  });
});
