import { PassThrough } from 'node:stream';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  S3Client,
  type DeleteObjectsCommandInput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Throughput } from '../../src/aws/throughput.js';
import { execute, type ExecEvent } from '../../src/execute/executor.js';
import { progressOf } from '../../src/run/apply.js';
import { layer, type PlanDocument, type PlanItem } from '../../src/plan/document.js';
import { waiterOptions, type DeleteProgress } from '../../src/resources/handler.js';
import { s3Bucket } from '../../src/resources/s3-bucket.js';
import { blockLines, counterText, duration, interruptLine, plainLine, ProgressState } from '../../src/ui/progress.js';
import { renderPlan } from '../../src/ui/render-plan.js';
import { AutoUi, type UiOptions } from '../../src/ui/terminal.js';
import type { ProgressEvent, ProgressResource } from '../../src/ui/ui.js';
import { liveFor, recordingSteps, testContext } from '../helpers/context.js';
import { DEFAULT_FILTERS, fakeHandler, planNode } from '../helpers/fakes.js';

const EP: ProgressResource = { arn: 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep-1', type: 'sagemaker:endpoint', name: 'ep-1', region: 'us-east-1', layer: 0 };
const BUCKET: ProgressResource = { arn: 'arn:aws:s3:::b', type: 's3:bucket', name: 'b', region: 'us-east-1', layer: 0 };
const ROLE: ProgressResource = { arn: 'arn:aws:iam::123456789012:role/r', type: 'iam:role', name: 'r', region: 'us-east-1', layer: 1 };
const CFG: ProgressResource = { arn: 'arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/c', type: 'sagemaker:endpoint-config', name: 'c', region: 'us-east-1', layer: 1 };

const T0 = Date.parse('2026-12-02T06:01:02.345Z');
const ESC = '\u001b';

/** A stream that records what is written; `tty` makes it look like a terminal of `columns` columns. */
function sink(tty: boolean, columns = 100): { stream: NodeJS.WritableStream; text: () => string; writes: string[] } {
  const stream = new PassThrough();
  const writes: string[] = [];
  stream.on('data', (d: Buffer) => writes.push(d.toString()));
  if (tty) Object.assign(stream, { isTTY: true, columns });
  return { stream, text: () => writes.join(''), writes };
}

function uiOn(tty: boolean, options: UiOptions = {}) {
  const err = sink(tty);
  const out = sink(false);
  const ui = new AutoUi(false, { out: out.stream, err: err.stream }, { env: {}, ...options });
  return { ui, err, out };
}

/** Fake clocks and timers; setImmediate stays real (the streams deliver with it). */
const fakeTimers = () => vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });

/** Lets the PassThrough deliver what was written. */
const flush = () => new Promise<void>((r) => setImmediate(r));

/** A run of four resources in two layers: the endpoint waits, the bucket counts, the config is done, the role has not started. */
function story(at: (ms: number) => void): ProgressEvent[] {
  const events: ProgressEvent[] = [];
  const push = (e: ProgressEvent) => events.push(e);
  at(0);
  push({ kind: 'begin', verb: 'delete', resources: [EP, BUCKET, CFG, ROLE] });
  push({ kind: 'start', resource: EP });
  push({ kind: 'start', resource: BUCKET });
  push({ kind: 'counter', resource: BUCKET, unit: 'object versions', done: 12_000, total: 40_000, final: false });
  push({ kind: 'waiting', resource: EP, timeoutSeconds: 1800 });
  return events;
}

describe('the terminal status block', () => {
  it('per layer: done, in flight, failed; total elapsed; a counter and a wait against its timeout', () => {
    const s = new ProgressState();
    for (const e of story(() => undefined)) s.apply(e, T0);
    s.apply({ kind: 'start', resource: CFG }, T0 + 1000);
    s.apply({ kind: 'done', resource: CFG, status: 'failed', error: 'AccessDenied: no' }, T0 + 2000);
    const lines = blockLines(s, T0 + 80_000, 120);
    expect(lines).toEqual([
      'Deleting 4 resources: 0 done, 2 in flight, 1 failed, 1 to go; 1m20s elapsed',
      '  layer 1: 0 done, 2 in flight, 0 failed',
      '  layer 2: 0 done, 0 in flight, 1 failed, 1 to go',
      '  sagemaker:endpoint ep-1: waiting 1m20s of 30m',
      '  s3:bucket b: 12,000 of at least 40,000 object versions',
    ]);
    s.apply({ kind: 'counter', resource: BUCKET, unit: 'object versions', done: 40_000, total: 40_000, final: true }, T0 + 90_000);
    expect(blockLines(s, T0 + 90_000, 120)).toContain('  s3:bucket b: 40,000/40,000 object versions');
  });

  it('a running resource without a counter or a wait shows its last step and how long it has run; long lines are cut to the width', () => {
    const s = new ProgressState();
    const long: ProgressResource = { ...ROLE, arn: `${ROLE.arn}-long`, name: 'x'.repeat(200) };
    s.apply({ kind: 'begin', verb: 'delete', resources: [ROLE, long] }, T0);
    s.apply({ kind: 'start', resource: ROLE }, T0);
    s.apply({ kind: 'step', resource: ROLE, step: 'detach-policy' }, T0 + 500);
    s.apply({ kind: 'start', resource: long }, T0);
    const lines = blockLines(s, T0 + 3_000, 60);
    expect(lines).toContain('  iam:role r: detach-policy, 3s');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(59);
    expect(lines.some((l) => l.endsWith('…'))).toBe(true);
  });

  it('is drawn on a terminal, redrawn in place at most ~10 times a second, and cleared at the end', async () => {
    fakeTimers();
    try {
      const { ui, err } = uiOn(true);
      ui.progress({ kind: 'begin', verb: 'delete', resources: [BUCKET] });
      ui.progress({ kind: 'start', resource: BUCKET });
      for (let i = 1; i <= 50; i++) ui.progress({ kind: 'counter', resource: BUCKET, unit: 'object versions', done: i * 1000, total: 50_000, final: true });
      await flush();
      const draws = () => err.text().split('Deleting 1 resource').length - 1;
      // The first draw at once; the 51 events after it are one redraw, 100 ms later.
      expect(draws()).toBe(1);
      vi.advanceTimersByTime(99);
      await flush();
      expect(draws()).toBe(1);
      vi.advanceTimersByTime(1);
      await flush();
      expect(draws()).toBe(2);
      expect(err.text()).toContain('s3:bucket b: 50,000/50,000 object versions');
      // Redrawn in place: the cursor goes up over the lines drawn and clears below.
      expect(err.text()).toContain(`${ESC}[2A\r${ESC}[J`);
      // The clock: once a second while nothing happens.
      vi.advanceTimersByTime(1000);
      await flush();
      expect(draws()).toBe(3);
      ui.progress({ kind: 'end' });
      await flush();
      // eslint-disable-next-line no-control-regex -- control characters are what it looks for
      expect(err.text()).toMatch(/\u001b\[3A\r\u001b\[J$/);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('its timers do not keep the process alive', () => {
    fakeTimers();
    const made: { hasRef(): boolean }[] = [];
    const setInterval = globalThis.setInterval;
    const setTimeout = globalThis.setTimeout;
    const spyI = vi.spyOn(globalThis, 'setInterval').mockImplementation(((...a: Parameters<typeof setInterval>) => {
      const t = setInterval(...a);
      made.push(t as unknown as { hasRef(): boolean });
      return t;
    }) as typeof setInterval);
    const spyT = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((...a: Parameters<typeof setTimeout>) => {
      const t = setTimeout(...a);
      made.push(t as unknown as { hasRef(): boolean });
      return t;
    }) as typeof setTimeout);
    try {
      const { ui } = uiOn(true);
      ui.progress({ kind: 'begin', verb: 'delete', resources: [BUCKET] });
      ui.progress({ kind: 'start', resource: BUCKET });
      ui.progress({ kind: 'counter', resource: BUCKET, unit: 'object versions', done: 1, total: 2, final: true });
      expect(made.length).toBeGreaterThanOrEqual(2); // the clock and a pending redraw
      for (const t of made) expect(t.hasRef()).toBe(false);
      ui.progress({ kind: 'end' });
    } finally {
      spyI.mockRestore();
      spyT.mockRestore();
      vi.useRealTimers();
    }
  });

  it('is cleared before any other line (a warning, a failure) and drawn again below it', async () => {
    fakeTimers();
    try {
      const { ui, err } = uiOn(true);
      ui.progress({ kind: 'begin', verb: 'delete', resources: [ROLE, EP] });
      ui.progress({ kind: 'start', resource: ROLE });
      await flush();
      const before = err.text().length;
      ui.warn('something to say');
      vi.advanceTimersByTime(100);
      await flush();
      const after = err.text().slice(before);
      expect(after.indexOf(`${ESC}[J`)).toBeLessThan(after.indexOf('warning: something to say'));
      expect(after.indexOf('warning: something to say\n')).toBeLessThan(after.lastIndexOf('Deleting 2 resources'));
      // A failure is printed above the block for good; a success only counts in it.
      ui.progress({ kind: 'done', resource: ROLE, status: 'failed', error: 'AccessDenied: no' });
      ui.progress({ kind: 'start', resource: EP });
      ui.progress({ kind: 'done', resource: EP, status: 'deleted' });
      ui.progress({ kind: 'end' });
      await flush();
      expect(err.text()).toContain('failed iam:role r: AccessDenied: no\n');
      expect(err.text()).not.toContain('deleted sagemaker:endpoint ep-1');
    } finally {
      vi.useRealTimers();
    }
  });

  it('--quiet: no block, no line', async () => {
    const { ui, err } = uiOn(true, { verbosity: 'quiet' });
    for (const e of story(() => undefined)) ui.progress(e);
    ui.progress({ kind: 'end' });
    await flush();
    expect(err.text()).toBe('');
  });
});

describe('outside a terminal: one plain line per event', () => {
  beforeEach(() => fakeTimers());
  afterEach(() => vi.useRealTimers());

  it('each with an ISO timestamp, no control characters even with --color; a step only with --verbose', async () => {
    const { ui, err } = uiOn(false, { color: true });
    ui.progress({ kind: 'begin', verb: 'delete', resources: [EP, ROLE] });
    ui.progress({ kind: 'start', resource: EP });
    ui.progress({ kind: 'step', resource: EP, step: 'delete' });
    ui.progress({ kind: 'waiting', resource: EP, timeoutSeconds: 1800 });
    vi.advanceTimersByTime(1500);
    ui.progress({ kind: 'done', resource: EP, status: 'deleted' });
    ui.progress({ kind: 'start', resource: ROLE });
    ui.progress({ kind: 'done', resource: ROLE, status: 'failed', error: 'AccessDenied: line one\nline two', removed: ['detached policy p'] });
    ui.progress({ kind: 'end' });
    await flush();
    const lines = err.text().trimEnd().split('\n');
    expect(lines).toEqual([
      '2026-12-02T06:01:02.345Z deleting 2 resources in 2 layers',
      '2026-12-02T06:01:02.345Z deleting sagemaker:endpoint ep-1 (layer 1, us-east-1)',
      '2026-12-02T06:01:02.345Z waiting for AWS: sagemaker:endpoint ep-1 (up to 30m)',
      '2026-12-02T06:01:03.845Z deleted sagemaker:endpoint ep-1',
      '2026-12-02T06:01:03.845Z deleting iam:role r (layer 2, us-east-1)',
      '2026-12-02T06:01:03.845Z failed iam:role r: AccessDenied: line one line two; already removed: detached policy p',
      '2026-12-02T06:01:03.845Z deletes finished in 1s: 1 done, 1 failed of 2',
    ]);
    // eslint-disable-next-line no-control-regex -- control characters are what it looks for
    expect(err.text()).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);

    const verbose = uiOn(false, { verbosity: 'verbose' });
    verbose.ui.progress({ kind: 'begin', verb: 'delete', resources: [ROLE] });
    verbose.ui.progress({ kind: 'step', resource: ROLE, step: 'detach-policy', child: 'managed-policy-attachment arn:aws:iam::aws:policy/P' });
    await flush();
    expect(verbose.err.text()).toContain('2026-12-02T06:01:03.845Z step iam:role r: detach-policy managed-policy-attachment arn:aws:iam::aws:policy/P\n');
  });

  it('counters: "of at least" while the listing goes on; at most one line per resource every 10 s, the first and the complete one always', () => {
    const s = new ProgressState();
    const memo = new Map<string, number>();
    s.apply({ kind: 'begin', verb: 'delete', resources: [BUCKET] }, T0);
    const counter = (done: number, total: number, final: boolean): ProgressEvent => ({ kind: 'counter', resource: BUCKET, unit: 'object versions', done, total, final });
    const line = (e: ProgressEvent, at: number) => plainLine(e, s, 'normal', at, memo);
    expect(line(counter(0, 1000, false), T0)).toBe('s3:bucket b: 0 of at least 1,000 object versions deleted');
    expect(line(counter(1000, 2000, false), T0 + 2000)).toBeUndefined();
    expect(line(counter(12_000, 40_000, true), T0 + 10_000)).toBe('s3:bucket b: 12,000/40,000 object versions deleted');
    expect(line(counter(13_000, 40_000, true), T0 + 11_000)).toBeUndefined();
    expect(line(counter(40_000, 40_000, true), T0 + 12_000)).toBe('s3:bucket b: 40,000/40,000 object versions deleted');
    // --verbose: each one.
    expect(plainLine(counter(1, 2, true), s, 'verbose', T0 + 12_001, memo)).toBe('s3:bucket b: 1/2 object versions deleted');
    expect(counterText({ unit: 'object versions', done: 12_000, total: 40_000, final: false })).toBe('12,000 of at least 40,000 object versions');
    expect(duration(1_800_000)).toBe('30m');
    expect(duration(80_000)).toBe('1m20s');
    expect(duration(3_900_000)).toBe('1h05m');
  });

  it('a restore says restoring and restored', async () => {
    const { ui, err } = uiOn(false);
    const role = { ...ROLE, layer: undefined };
    ui.progress({ kind: 'begin', verb: 'restore', resources: [role] });
    ui.progress({ kind: 'start', resource: role });
    ui.progress({ kind: 'done', resource: role, status: 'restored' });
    await flush();
    expect(err.text()).toContain('Z restoring 1 resource\n');
    expect(err.text()).toContain('Z restoring iam:role r (us-east-1)\n');
    expect(err.text()).toContain('Z restored iam:role r\n');
  });
});

describe('the first Ctrl-C', () => {
  it('says it was taken, that nothing new starts, and what is still running (and which wait)', () => {
    const s = new ProgressState();
    for (const e of story(() => undefined)) s.apply(e, T0);
    const line = interruptLine(s, 'SIGINT', false, T0 + 80_000);
    expect(line).toBe(
      'Ctrl-C (SIGINT) taken: no new deletes will start; still running (2, 1 waiting for AWS): sagemaker:endpoint ep-1 (waiting 1m20s of 30m), ' +
        's3:bucket b (12,000 of at least 40,000 object versions); the report follows once they finish (Ctrl-C again to quit at once; `nova-cleanup resume` finishes the job).',
    );
    expect(interruptLine(new ProgressState(), 'SIGTERM', false, T0)).toBe('SIGTERM taken: no delete will start; the run stops before its first delete (SIGTERM again to quit at once).');
    expect(interruptLine(s, 'SIGINT', true, T0)).toMatch(/^Ctrl-C \(SIGINT\) again: exiting now \(exit 130\)/);
  });

  it('is printed through the Ui: above the block on a terminal, timestamped elsewhere, even with --quiet', async () => {
    fakeTimers();
    try {
      const tty = uiOn(true);
      for (const e of story(() => undefined)) tty.ui.progress(e);
      await flush();
      const before = tty.err.text().length;
      tty.ui.interrupted('SIGINT', false);
      await flush();
      const after = tty.err.text().slice(before);
      expect(after.indexOf(`${ESC}[J`)).toBeLessThan(after.indexOf('Ctrl-C (SIGINT) taken'));
      expect(after).toContain('still running (2, 1 waiting for AWS)');
      tty.ui.progress({ kind: 'end' });

      const piped = uiOn(false, { verbosity: 'quiet' });
      for (const e of story(() => undefined)) piped.ui.progress(e);
      piped.ui.interrupted('SIGTERM', false);
      await flush();
      expect(piped.err.text()).toBe('2026-12-02T06:01:02.345Z SIGTERM taken: no new deletes will start; still running (2, 1 waiting for AWS): sagemaker:endpoint ep-1 (waiting 0s of 30m), s3:bucket b (12,000 of at least 40,000 object versions); the report follows once they finish (SIGTERM again to quit at once; `nova-cleanup resume` finishes the job).\n');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the executor tells counters and waits', () => {
  it('a handler\'s ctx.progress becomes a counter event of its item; the wait for it to be gone carries the timeout', async () => {
    const node = planNode('arn:aws:fake:us-east-1:123456789012:bucket/b', 'fake:bucket');
    const h = fakeHandler({
      type: 'fake:bucket',
      onDelete: (_r, ctx) => {
        ctx.progress?.({ kind: 'counter', unit: 'object versions', done: 1000, total: 3000, final: false });
      },
      onWaitUntilGone: () => undefined,
    });
    const events: ExecEvent[] = [];
    await execute(layer([node]), {
      handlerFor: () => h,
      ctx: testContext({ waitTimeoutSeconds: 1800 }),
      throughput: new Throughput({ default: { read: 8, write: 8 } }),
      filters: DEFAULT_FILTERS,
      onEvent: (e) => events.push(e),
    });
    const counter = events.find((e) => e.kind === 'counter');
    expect(counter).toMatchObject({ kind: 'counter', unit: 'object versions', done: 1000, total: 3000, final: false, item: { ref: { name: 'b' } } });
    expect(events.find((e) => e.kind === 'waiting')).toMatchObject({ timeoutSeconds: 1800 });
    expect(events.at(-1)?.kind).toBe('done');
  });
});

describe('a wait inside a delete (a notebook to stop, a domain\'s apps to go) is told as waiting', () => {
  it('building its waiter options says so, with the timeout; the wait for it to be gone is told once', async () => {
    const node = planNode('arn:aws:fake:us-east-1:123456789012:notebook/nb', 'fake:notebook');
    const h = fakeHandler({
      type: 'fake:notebook',
      onDelete: (_r, ctx) => {
        waiterOptions({}, ctx, { minDelay: 1, maxDelay: 5 });
      },
      onWaitUntilGone: (_ref, ctx) => {
        waiterOptions({}, ctx, { minDelay: 1, maxDelay: 5 });
      },
    });
    const events: ExecEvent[] = [];
    await execute(layer([node]), {
      handlerFor: () => h,
      ctx: testContext({ waitTimeoutSeconds: 600 }),
      throughput: new Throughput({ default: { read: 8, write: 8 } }),
      filters: DEFAULT_FILTERS,
      onEvent: (e) => events.push(e),
    });
    expect(events.map((e) => e.kind)).toEqual(['start', 'step', 'waiting', 'waiting', 'done']);
    expect(events.filter((e) => e.kind === 'waiting')).toEqual([
      expect.objectContaining({ timeoutSeconds: 600, item: expect.objectContaining({ ref: expect.objectContaining({ name: 'nb' }) }) }),
      expect.objectContaining({ timeoutSeconds: 600 }),
    ]);
  });
});

describe('the run turns executor events into the Ui\'s progress events', () => {
  it('each resource with its layer; a step with its child; a wait with its timeout; a failure with what it removed', () => {
    const [item] = layer([planNode('arn:aws:iam::123456789012:role/r', 'iam:role')]);
    const resource = (i: PlanItem) => ({ arn: i.ref.arn, type: i.ref.type, name: i.ref.name, region: i.ref.region, layer: i.layer });
    if (!item) throw new Error('no item');
    expect(progressOf({ kind: 'start', item }, resource)).toEqual({ kind: 'start', resource: { arn: item.ref.arn, type: 'iam:role', name: 'r', region: item.ref.region, layer: 0 } });
    expect(progressOf({ kind: 'step', item, step: { name: 'detach-policy', child: { kind: 'managed-policy-attachment', id: 'arn:p' } } }, resource)).toMatchObject({
      kind: 'step',
      step: 'detach-policy',
      child: 'managed-policy-attachment arn:p',
    });
    expect(progressOf({ kind: 'waiting', item, timeoutSeconds: 1800 }, resource)).toMatchObject({ kind: 'waiting', timeoutSeconds: 1800 });
    const outcome = { arn: item.ref.arn, type: 'iam:role', region: 'us-east-1', name: 'r', status: 'failed' as const, rule: 'delete-failed' as const, error: 'AccessDenied: no', removed: ['detached policy p'] };
    expect(progressOf({ kind: 'done', outcome }, resource)).toMatchObject({ kind: 'done', status: 'failed', error: 'AccessDenied: no', removed: ['detached policy p'] });
  });
});

describe('the S3 bucket sweep counts what it deleted of what it found', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  afterEach(() => s3.reset());

  it('of at least N while listing, then of N; never more than it found', async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `k${String(i).padStart(5, '0')}`);
    const live = new Set(keys);
    s3.on(ListMultipartUploadsCommand).resolves({ IsTruncated: false });
    s3.on(ListObjectVersionsCommand).callsFake((input: { KeyMarker?: string; MaxKeys?: number; Prefix?: string }) => {
      const after = [...live].sort().filter((k) => (input.KeyMarker === undefined || k > input.KeyMarker) && (input.Prefix === undefined || k.startsWith(input.Prefix)));
      const shown = after.slice(0, input.MaxKeys ?? 1000);
      const more = after.length > shown.length;
      return { Versions: shown.map((k) => ({ Key: k, VersionId: `v-${k}` })), IsTruncated: more, ...(more ? { NextKeyMarker: shown.at(-1), NextVersionIdMarker: `v-${shown.at(-1)}` } : {}) };
    });
    s3.on(DeleteObjectsCommand).callsFake((input: DeleteObjectsCommandInput) => {
      for (const o of input.Delete?.Objects ?? []) live.delete(o.Key as string);
      return {};
    });
    s3.on(DeleteBucketCommand).resolves({});
    const said: DeleteProgress[] = [];
    const ctx = testContext({ progress: (p) => said.push(p) });
    await s3Bucket.delete(liveFor(s3Bucket, 'arn:aws:s3:::nova-data', { config: {} }), ctx, recordingSteps());
    const counters = said.flatMap((p) => (p.kind === 'counter' ? [p] : []));
    expect(counters.length).toBeGreaterThan(2);
    expect(counters[0]).toMatchObject({ unit: 'object versions', done: 0, total: 1000, final: false });
    for (const p of counters) expect(p.done).toBeLessThanOrEqual(p.total);
    expect(counters.some((p) => !p.final && p.total > 1000)).toBe(true);
    expect(counters.at(-1)).toEqual({ kind: 'counter', unit: 'object versions', done: 2500, total: 2500, final: true });
    // Nothing said twice in a row.
    for (let i = 1; i < counters.length; i++) expect(counters[i]).not.toEqual(counters[i - 1]);
  });
});

describe('the plan table', () => {
  const doc = (): PlanDocument => {
    const items = layer([
      { ...planNode('arn:aws:fake:us-east-1:123456789012:endpoint/ep', 'fake:endpoint'), uses: ['arn:aws:fake:us-east-1:123456789012:model/m'] },
      planNode('arn:aws:fake:us-east-1:123456789012:model/m', 'fake:model'),
    ]);
    return {
      items,
      // A resource of the plan given again among what it leaves, and one given twice: each is listed once.
      notPlanned: [
        { arn: items[0]!.ref.arn, type: 'fake:endpoint', region: 'us-east-1', name: 'ep', status: 'skipped', rule: 'in-use', reason: 'x' },
        { arn: 'arn:aws:fake:us-east-1:123456789012:model/keep', type: 'fake:model', region: 'us-east-1', name: 'keep', status: 'skipped', rule: 'tags-not-matching', reason: 'y' },
        { arn: 'arn:aws:fake:us-east-1:123456789012:model/keep', type: 'fake:model', region: 'us-east-1', name: 'keep', status: 'skipped', rule: 'tags-not-matching', reason: 'y' },
      ],
      regions: ['us-east-1'],
      examinedRegions: ['us-east-1'],
      usageCheck: { listings: 0, reads: 0, regions: 1 },
    } as unknown as PlanDocument;
  };

  it('has a header row, explains the layer column (layer 1 first), and lists each resource once', () => {
    const lines = renderPlan(doc());
    const text = lines.join('\n');
    expect(lines).toContain('  LAYER  NAME  REGION          ARN');
    expect(text).toContain('LAYER: the order of deletion. Layer 1 goes first: nothing in the plan uses it.');
    expect(text).toMatch(/once everything in the plan that uses it \(in layers 1 to n-1\) is gone/);
    // The endpoint uses the model: the endpoint is layer 1, the model layer 2.
    expect(lines.find((l) => l.includes('endpoint/ep'))).toMatch(/^ {6}1 {2}ep /);
    expect(lines.find((l) => l.includes('model/m'))).toMatch(/^ {6}2 {2}m /);
    expect(lines.filter((l) => l.includes(' ep ') || l.includes('endpoint/ep'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('keep'))).toHaveLength(1);
    expect(text).toContain('Not in the plan (1):');
  });
});
