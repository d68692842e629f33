import type { ProgressEvent, ProgressResource, ProgressStatus, Verbosity } from './ui.js';

/**
 * The progress of the deletes (or of a restore), kept from the events the run sends, and what it is
 * shown as: a status block redrawn in place on a terminal (`blockLines`, drawn by `LiveBlock`), one plain
 * line per event elsewhere (`plainLine`), and the line the first Ctrl-C prints (`interruptLine`).
 * Everything here but `LiveBlock` is pure: it is given the time, and returns lines.
 */

/** One resource as the progress knows it. */
export interface Tracked {
  readonly resource: ProgressResource;
  startedAt?: number;
  /** Its last step, as it started. */
  step?: string;
  /** An asynchronous delete awaited since `since`, up to `timeoutSeconds`. */
  waiting?: { readonly since: number; readonly timeoutSeconds: number };
  counter?: { readonly unit: string; readonly done: number; readonly total: number; readonly final: boolean };
  status?: ProgressStatus;
}

interface Counts {
  total: number;
  done: number;
  inFlight: number;
  failed: number;
  skipped: number;
}

/** Whether an ended resource counts as done, failed or skipped. */
const endedAs = (s: ProgressStatus): 'done' | 'failed' | 'skipped' => (s === 'failed' || s === 'unsupported' ? 'failed' : s === 'skipped' ? 'skipped' : 'done');

/** The state of one run's progress, from its events. */
export class ProgressState {
  verb: 'delete' | 'restore' = 'delete';
  began: number | undefined;
  ended = false;
  readonly tracked = new Map<string, Tracked>();

  /** True between `begin` and `end`. */
  get active(): boolean {
    return this.began !== undefined && !this.ended;
  }

  apply(e: ProgressEvent, now: number): void {
    if (e.kind === 'begin') {
      this.verb = e.verb;
      this.began = now;
      this.ended = false;
      this.tracked.clear();
      for (const r of e.resources) this.tracked.set(r.arn, { resource: r });
      return;
    }
    if (e.kind === 'end') {
      this.ended = true;
      return;
    }
    const t = this.tracked.get(e.resource.arn) ?? { resource: e.resource };
    this.tracked.set(e.resource.arn, t);
    if (e.kind === 'start') t.startedAt = now;
    else if (e.kind === 'step') {
      t.step = e.step;
      t.waiting = undefined;
    } else if (e.kind === 'waiting') t.waiting = { since: now, timeoutSeconds: e.timeoutSeconds };
    else if (e.kind === 'counter') t.counter = { unit: e.unit, done: e.done, total: e.total, final: e.final };
    else {
      t.status = e.status;
      t.waiting = undefined;
    }
  }

  /** What has started and not ended, in the order it started. */
  running(): Tracked[] {
    return [...this.tracked.values()].filter((t) => t.startedAt !== undefined && t.status === undefined).sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
  }

  counts(of: Iterable<Tracked> = this.tracked.values()): Counts {
    const c: Counts = { total: 0, done: 0, inFlight: 0, failed: 0, skipped: 0 };
    for (const t of of) {
      c.total += 1;
      if (t.status !== undefined) c[endedAs(t.status)] += 1;
      else if (t.startedAt !== undefined) c.inFlight += 1;
    }
    return c;
  }

  /** Per plan layer (0 first), its counts; one group without a layer when the resources have none. */
  layers(): { layer: number | undefined; counts: Counts }[] {
    const by = new Map<number | undefined, Tracked[]>();
    for (const t of this.tracked.values()) by.set(t.resource.layer, [...(by.get(t.resource.layer) ?? []), t]);
    return [...by].sort((a, b) => (a[0] ?? -1) - (b[0] ?? -1)).map(([layer, ts]) => ({ layer, counts: this.counts(ts) }));
  }
}

/** `12s`, `1m20s`, `30m`, `1h05m`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)}m${pad(s % 60)}s` : `${s / 60}m`;
  const m = Math.floor(s / 60) % 60;
  return m ? `${Math.floor(s / 3600)}h${pad(m)}m` : `${Math.floor(s / 3600)}h`;
}

const n = (x: number): string => x.toLocaleString('en-US');

/** `12,000/40,000 object versions`; while the total can still grow, `12,000 of at least 40,000 object versions`. */
export function counterText(c: NonNullable<Tracked['counter']>): string {
  return c.final ? `${n(c.done)}/${n(c.total)} ${c.unit}` : `${n(c.done)} of at least ${n(c.total)} ${c.unit}`;
}

/** `waiting 1m20s of 30m`. */
export function waitingText(w: NonNullable<Tracked['waiting']>, now: number): string {
  return `waiting ${duration(now - w.since)} of ${duration(w.timeoutSeconds * 1000)}`;
}

const who = (r: ProgressResource): string => `${r.type} ${r.name}`;

/** What a running resource is doing: its wait, its counter, else its last step; and for how long. */
function doing(t: Tracked, now: number): string {
  if (t.waiting) return waitingText(t.waiting, now);
  if (t.counter) return counterText(t.counter);
  return `${t.step ? `${t.step}, ` : ''}${duration(now - (t.startedAt ?? now))}`;
}

function countsText(c: Counts): string {
  const toGo = c.total - c.done - c.inFlight - c.failed - c.skipped;
  return [`${c.done} done`, `${c.inFlight} in flight`, `${c.failed} failed`, ...(c.skipped ? [`${c.skipped} skipped`] : []), ...(toGo > 0 ? [`${toGo} to go`] : [])].join(', ');
}

/** How many running resources the block names, one line each (the rest are counted). */
const RUNNING_SHOWN = 8;
/** Above this many layers, the block shows only those not finished. */
const LAYERS_SHOWN = 6;

/**
 * The status block: the totals and the elapsed time, one line per layer (`layer 2: 5 done, 3 in flight,
 * 1 failed`), then what is running: a counter (`s3:bucket x: 12,000/40,000 object versions`), a wait
 * (`sagemaker:endpoint y: waiting 1m20s of 30m`), else its last step and how long it has run. Each line
 * fits in `width` columns (a wrapped line would break the redraw).
 */
export function blockLines(state: ProgressState, now: number, width = 80): string[] {
  const total = state.counts();
  const lines = [`${state.verb === 'restore' ? 'Restoring' : 'Deleting'} ${n(total.total)} resource${total.total === 1 ? '' : 's'}: ${countsText(total)}; ${duration(now - (state.began ?? now))} elapsed`];
  const layers = state.layers();
  if (layers.some((l) => l.layer !== undefined)) {
    const many = layers.length > LAYERS_SHOWN;
    let hidden = 0;
    for (const { layer, counts } of layers) {
      if (many && counts.inFlight === 0 && counts.done + counts.failed + counts.skipped === counts.total) {
        hidden += 1;
        continue;
      }
      lines.push(`  layer ${(layer ?? 0) + 1}: ${countsText(counts)}`);
    }
    if (hidden) lines.push(`  ${hidden} more layer${hidden === 1 ? '' : 's'} finished`);
  }
  // Waits and counters first: they are what takes long.
  const running = state.running().sort((a, b) => Number(!a.waiting && !a.counter) - Number(!b.waiting && !b.counter));
  for (const t of running.slice(0, RUNNING_SHOWN)) lines.push(`  ${who(t.resource)}: ${doing(t, now)}`);
  if (running.length > RUNNING_SHOWN) lines.push(`  and ${running.length - RUNNING_SHOWN} more in flight`);
  const max = Math.max(20, width - 1);
  return lines.map((l) => (l.length > max ? `${l.slice(0, max - 1)}…` : l));
}

/** Control characters (an AWS message's newline) become spaces: a plain line is one line. */
// eslint-disable-next-line no-control-regex -- control characters are what it takes out
export const oneLine = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');

/** When the last counter line of each resource was printed (plain lines thin counters out). */
export type CounterMemo = Map<string, number>;

/** A counter's plain line at most this often per resource (with --verbose: each one). */
export const COUNTER_EVERY_MS = 10_000;

/**
 * One event as one plain line, without its timestamp, or undefined when the verbosity leaves it out:
 * nothing with `--quiet`, a step only with `--verbose`, a counter at most every 10 s per resource (its
 * first and its last always; each with `--verbose`).
 */
export function plainLine(e: ProgressEvent, state: ProgressState, verbosity: Verbosity, now: number, memo: CounterMemo): string | undefined {
  if (verbosity === 'quiet') return undefined;
  const restoring = state.verb === 'restore';
  const text = ((): string | undefined => {
    switch (e.kind) {
      case 'begin': {
        const layers = new Set(e.resources.map((r) => r.layer).filter((l) => l !== undefined)).size;
        return `${restoring ? 'restoring' : 'deleting'} ${n(e.resources.length)} resource${e.resources.length === 1 ? '' : 's'}${layers ? ` in ${layers} layer${layers === 1 ? '' : 's'}` : ''}`;
      }
      case 'start': {
        const layer = e.resource.layer === undefined ? '' : `layer ${e.resource.layer + 1}, `;
        return `${restoring ? 'restoring' : 'deleting'} ${who(e.resource)} (${layer}${e.resource.region})`;
      }
      case 'step':
        return verbosity === 'verbose' ? `step ${who(e.resource)}: ${e.step}${e.child ? ` ${e.child}` : ''}` : undefined;
      case 'waiting':
        return `waiting for AWS: ${who(e.resource)} (up to ${duration(e.timeoutSeconds * 1000)})`;
      case 'counter': {
        const last = memo.get(e.resource.arn);
        const complete = e.final && e.done === e.total;
        if (verbosity !== 'verbose' && last !== undefined && !complete && now - last < COUNTER_EVERY_MS) return undefined;
        memo.set(e.resource.arn, now);
        return `${who(e.resource)}: ${counterText(e)} ${restoring ? 'restored' : 'deleted'}`;
      }
      case 'done':
        return doneText(e);
      case 'end': {
        const c = state.counts();
        return `${restoring ? 'restore' : 'deletes'} finished in ${duration(now - (state.began ?? now))}: ${c.done} done, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''} of ${n(c.total)}`;
      }
    }
  })();
  return text === undefined ? undefined : oneLine(text);
}

/** `deleted s3:bucket b`, `failed iam:role r: AccessDenied: ...; already removed: ...`, `skipped x y (why)`. */
export function doneText(e: Extract<ProgressEvent, { kind: 'done' }>): string {
  const why = e.error ? `: ${e.error}` : e.reason ? ` (${e.reason})` : '';
  const removed = e.status === 'failed' && e.removed?.length ? `; already removed: ${e.removed.join(', ')}` : '';
  return oneLine(`${e.status} ${who(e.resource)}${why}${removed}`);
}

/** How many running resources the Ctrl-C line names (the rest are counted). */
const RUNNING_NAMED = 10;

/**
 * The line the first Ctrl-C or SIGTERM prints: that it was taken, that nothing new starts, and what is
 * still running (with its wait or counter); the second: that the process exits now.
 */
export function interruptLine(state: ProgressState, signal: string, again: boolean, now: number): string {
  const label = signal === 'SIGINT' ? 'Ctrl-C (SIGINT)' : signal;
  const key = signal === 'SIGINT' ? 'Ctrl-C' : signal;
  if (again) {
    return `${label} again: exiting now (exit 130). The journal beside the backup shows what was sent; \`nova-cleanup resume <journal>\` finishes the job.`;
  }
  const verb = state.verb === 'restore' ? 'restore' : 'delete';
  if (state.began === undefined) return `${label} taken: no ${verb} will start; the run stops before its first ${verb} (${key} again to quit at once).`;
  if (state.ended) return `${label} taken: the ${verb}s are over; the report follows (${key} again to quit at once).`;
  const running = state.running();
  if (running.length === 0) return `${label} taken: no new ${verb}s will start; none is in flight; the report follows (${key} again to quit at once).`;
  const named = running.slice(0, RUNNING_NAMED).map((t) => `${who(t.resource)}${t.waiting ? ` (${waitingText(t.waiting, now)})` : t.counter ? ` (${counterText(t.counter)})` : ''}`);
  const more = running.length > RUNNING_NAMED ? ` and ${running.length - RUNNING_NAMED} more` : '';
  const waiting = running.filter((t) => t.waiting).length;
  return oneLine(
    `${label} taken: no new ${verb}s will start; still running (${running.length}${waiting ? `, ${waiting} waiting for AWS` : ''}): ${named.join(', ')}${more}; ` +
      `the report follows once they finish (${key} again to quit at once; \`nova-cleanup resume\` finishes the job).`,
  );
}

/** Moves the cursor up `lines` lines to their start and clears everything below. */
const erase = (lines: number): string => (lines > 0 ? `\u001b[${lines}A\r\u001b[J` : '');

/**
 * A block of lines redrawn in place at the bottom of a terminal: at most once per `intervalMs` however
 * many events arrive, and once a second for the clocks. Its timers never keep the process alive. A line
 * printed while it is shown goes above it (`above`): the block is cleared first and redrawn after.
 */
export class LiveBlock {
  private drawn = 0;
  private last = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private paused = false;
  private running = false;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly render: (now: number) => string[],
    private readonly intervalMs = 100,
  ) {}

  start(): void {
    this.running = true;
    this.ticker = setInterval(() => this.request(), 1000);
    this.ticker.unref();
    this.request();
  }

  /** Asks for a redraw: now, or once `intervalMs` has passed since the last one. */
  request(): void {
    if (!this.running || this.paused) return;
    const wait = this.last + this.intervalMs - Date.now();
    if (wait <= 0) return this.draw();
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, wait);
    this.timer.unref();
  }

  private draw(): void {
    if (!this.running || this.paused) return;
    this.last = Date.now();
    const lines = this.render(this.last);
    this.stream.write(erase(this.drawn) + lines.map((l) => `${l}\n`).join(''));
    this.drawn = lines.length;
  }

  /** Takes the block off the screen (the next request draws it again). */
  clear(): void {
    if (this.drawn > 0) this.stream.write(erase(this.drawn));
    this.drawn = 0;
  }

  /** Writes above the block: clears it, runs `write`, and asks for a redraw. */
  above(write: () => void): void {
    this.clear();
    write();
    this.request();
  }

  /** While a question is asked: off the screen, and not redrawn until `resume`. */
  pause(): void {
    this.clear();
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.request();
  }

  /** The end: no more redraws, and the block is cleared. */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
    this.timer = this.ticker = undefined;
    this.clear();
  }
}
