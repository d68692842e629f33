import { lastSegment, parseArn } from '../../src/aws/arn.js';
import type { Report, ResourceRef, TagFilter, Tags } from '../../src/model.js';
import type { PlanDocument, PlanItem } from '../../src/plan/document.js';
import type { RestoreReport } from '../../src/restore/report.js';
import { renderPlan } from '../../src/ui/render-plan.js';
import type {
  ActionNeed,
  Child,
  Described,
  Gone,
  HandlerContext,
  Listed,
  LiveResource,
  ResourceHandler,
  Steps,
  TypeSettings,
} from '../../src/resources/handler.js';
import type { Answer, ConfirmSummary, ProgressEvent, ResourceQuestion, TagReport, Ui, Verbosity } from '../../src/ui/ui.js';

// ─── UI ──────────────────────────────────────────────────────────────────────────────────────────

export type UiCall =
  | { readonly kind: 'info' | 'detail' | 'debug' | 'warn' | 'error'; readonly line: string }
  | { readonly kind: 'progress'; readonly event: ProgressEvent }
  | { readonly kind: 'interrupted'; readonly signal: string; readonly again: boolean }
  | { readonly kind: 'plan'; readonly doc: PlanDocument; readonly lines: readonly string[] }
  | { readonly kind: 'confirmPlan'; readonly summary: ConfirmSummary }
  | { readonly kind: 'confirmResource'; readonly question: ResourceQuestion }
  | { readonly kind: 'report'; readonly report: Report }
  | { readonly kind: 'tagReport'; readonly report: TagReport }
  | { readonly kind: 'restoreReport'; readonly report: RestoreReport };

/**
 * A Ui that writes nothing: it records every call, and answers the questions from a queue given up
 * front (a boolean for confirmPlan, an Answer for confirmResource). An unexpected question throws.
 */
export class RecordingUi implements Ui {
  readonly calls: UiCall[] = [];
  private readonly answers: (boolean | Answer)[];

  /** Recorded whatever the level: a test reads what a level would print from the calls' kinds. */
  constructor(
    answers: readonly (boolean | Answer)[] = [],
    readonly verbosity: Verbosity = 'normal',
  ) {
    this.answers = [...answers];
  }

  info(line: string): void {
    this.calls.push({ kind: 'info', line });
  }
  detail(line: string): void {
    this.calls.push({ kind: 'detail', line });
  }
  debug(line: string): void {
    this.calls.push({ kind: 'debug', line });
  }
  warn(line: string): void {
    this.calls.push({ kind: 'warn', line });
  }
  error(line: string): void {
    this.calls.push({ kind: 'error', line });
  }
  progress(event: ProgressEvent): void {
    this.calls.push({ kind: 'progress', event });
  }
  interrupted(signal: string, again: boolean): void {
    this.calls.push({ kind: 'interrupted', signal, again });
  }
  plan(doc: PlanDocument): void {
    this.calls.push({ kind: 'plan', doc, lines: renderPlan(doc) });
  }
  report(report: Report): void {
    this.calls.push({ kind: 'report', report });
  }
  tagReport(report: TagReport): void {
    this.calls.push({ kind: 'tagReport', report });
  }
  restoreReport(report: RestoreReport): void {
    this.calls.push({ kind: 'restoreReport', report });
  }

  confirmPlan(summary: ConfirmSummary): Promise<boolean> {
    this.calls.push({ kind: 'confirmPlan', summary });
    const a = this.answers.shift();
    if (typeof a !== 'boolean') return Promise.reject(new Error(`RecordingUi: unexpected confirmPlan (next answer: ${String(a)})`));
    return Promise.resolve(a);
  }

  confirmResource(question: ResourceQuestion): Promise<Answer> {
    this.calls.push({ kind: 'confirmResource', question });
    const a = this.answers.shift();
    if (a === undefined || typeof a === 'boolean') {
      return Promise.reject(new Error(`RecordingUi: unexpected confirmResource for ${question.arn} (next answer: ${String(a)})`));
    }
    return Promise.resolve(a);
  }

  /** The lines passed to info/detail/debug/warn/error, in order. */
  lines(kind: 'info' | 'detail' | 'debug' | 'warn' | 'error'): string[] {
    return this.calls.flatMap((c) => (c.kind === kind && 'line' in c ? [c.line] : []));
  }

  /** The progress events, in order. */
  get progressEvents(): ProgressEvent[] {
    return this.calls.flatMap((c) => (c.kind === 'progress' ? [c.event] : []));
  }

  /** The last report, or undefined when none was given. */
  get lastReport(): Report | undefined {
    return this.calls.flatMap((c) => (c.kind === 'report' ? [c.report] : [])).at(-1);
  }

  /** The last plan shown, or undefined. */
  get lastPlan(): PlanDocument | undefined {
    return this.calls.flatMap((c) => (c.kind === 'plan' ? [c.doc] : [])).at(-1);
  }

  /** Answers not used yet. */
  get remainingAnswers(): number {
    return this.answers.length;
  }
}

// ─── Handlers ────────────────────────────────────────────────────────────────────────────────────

export type FakeMethod = 'describe' | 'currentTags' | 'delete' | 'waitUntilGone' | 'list' | 'readUses' | 'step';

export interface FakeCall {
  readonly method: FakeMethod;
  /** `start` when the call begins, `end` when it settles (resolved or rejected). */
  readonly phase: 'start' | 'end';
  /** The resource's ARN (for `list`: the region; for `step`: `arn#step`). */
  readonly arn: string;
  readonly type: string;
  /** Global order across every fake handler of the test run. */
  readonly seq: number;
  /** performance.now() at the event. */
  readonly at: number;
}

let sequence = 0;

/** A per-arn answer, a function of the ref, or one answer for all. */
type PerArn<T> = T | Readonly<Record<string, T>> | ((ref: ResourceRef) => T | Promise<T>);

export interface FakeHandlerOptions {
  /** `service:kind`; the default ARN pattern owns `arn:<partition>:<service>:<region>:<account>:<kind>/<name>`. */
  readonly type?: string;
  readonly arnPattern?: RegExp;
  readonly references?: readonly string[];
  readonly notFound?: readonly string[];
  readonly global?: boolean;
  /** Whether the Tagging API returns it (default true). */
  readonly taggingApi?: boolean;
  readonly actions?: (r: LiveResource) => ActionNeed[];
  /** A built-in refusal; it is given the run's explicit settings (ctx.settings). */
  readonly protect?: (r: LiveResource, settings: TypeSettings) => string | undefined;
  /** A record AWS keeps and has no delete for: a reason, or undefined. */
  readonly retained?: (r: LiveResource) => string | undefined;
  readonly blocked?: (r: LiveResource) => string | undefined;
  readonly children?: (r: LiveResource) => Child[];
  readonly lastUsedRegion?: (r: LiveResource) => string | undefined;
  /** The usage check's listing per region: ARNs with (or without) what they use, or an Error to throw. */
  readonly list?: Readonly<Record<string, readonly Listed[] | Error>> | ((region: string) => Listed[] | Promise<Listed[]>);
  /** readUses answers per ARN (uses, GONE, or an Error); default: describe's uses. */
  readonly readUses?: PerArn<readonly string[] | Gone | Error>;
  /** Tags used by the default describe and currentTags answers. */
  readonly tags?: Tags;
  /** describe answers: a Described, GONE, or an Error to throw. Default: `{tags, config: {name}, uses: []}`. */
  readonly describe?: PerArn<Described | Gone | Error>;
  /** currentTags answers: tags, GONE, or an Error to throw. Default: `tags`. */
  readonly currentTags?: PerArn<Tags | Gone | Error>;
  /** Runs as the delete (after its steps); throw (or reject) to make it fail. Default: resolves at once. */
  readonly onDelete?: (r: LiveResource, ctx: HandlerContext, steps: Steps) => void | Promise<void>;
  /** Step names the default delete runs through `steps.run`, in order (default: ['delete']). */
  readonly steps?: readonly string[];
  /** When given, the handler has a waitUntilGone that runs this. */
  readonly onWaitUntilGone?: (ref: ResourceRef, ctx: HandlerContext) => void | Promise<void>;
}

export interface FakeHandler extends ResourceHandler {
  readonly calls: FakeCall[];
  /** The ARNs a method was called with (its start events), in order. */
  called(method: FakeMethod): string[];
}

export const DEFAULT_TAGS: Tags = { project: 'nova' };
export const DEFAULT_FILTERS: readonly TagFilter[] = [{ key: 'project', values: ['nova'] }];

/** A ResourceHandler whose answers are given by the test, and which records every call with its order. */
export function fakeHandler(o: FakeHandlerOptions = {}): FakeHandler {
  const type = o.type ?? 'fake:thing';
  const [service = 'fake', kind = 'thing'] = type.split(':');
  const tags = o.tags ?? DEFAULT_TAGS;
  const calls: FakeCall[] = [];
  const record = (method: FakeMethod, phase: 'start' | 'end', arn: string): void => {
    calls.push({ method, phase, arn, type, seq: ++sequence, at: performance.now() });
  };
  const traced = async <T>(method: FakeMethod, arn: string, body: () => T | Promise<T>): Promise<T> => {
    record(method, 'start', arn);
    try {
      return await body();
    } finally {
      record(method, 'end', arn);
    }
  };
  const answer = async <T>(spec: PerArn<T | Error> | undefined, ref: ResourceRef, fallback: () => T | Promise<T>): Promise<T> => {
    let v: T | Error;
    if (spec === undefined) v = await fallback();
    else if (typeof spec === 'function') v = await (spec as (r: ResourceRef) => T | Error | Promise<T | Error>)(ref);
    else if (isPerArnRecord(spec)) {
      const table = spec as Readonly<Record<string, T | Error>>;
      if (!Object.hasOwn(table, ref.arn)) throw new Error(`fake ${type}: no answer for ${ref.arn}`);
      v = table[ref.arn] as T | Error;
    } else v = spec as T | Error;
    if (v instanceof Error) throw v;
    return v;
  };
  const describe = (ref: ResourceRef): Promise<Described | Gone> =>
    answer<Described | Gone>(o.describe, ref, () => ({ tags, config: { name: ref.name }, uses: [] }));

  const h: FakeHandler = {
    type,
    description: `fake ${type}`,
    arnPattern: o.arnPattern ?? new RegExp(`^arn:[\\w-]+:${service}:[\\w-]*:\\d{12}:${kind}/[^/]+$`),
    references: o.references ?? [],
    notFound: o.notFound ?? ['NotFound'],
    reads: [`Describe${kind}`, 'ListTags'],
    actions: o.actions ?? ((r) => [{ action: `${service}:Delete${kind}`, resource: r.ref.arn }]),
    deleteActions: { tagged: [`${service}:Delete${kind}`] },
    ...(o.global ? { global: true } : {}),
    ...(o.protect ? { protect: o.protect } : {}),
    ...(o.retained ? { retained: o.retained } : {}),
    ...(o.blocked ? { blocked: o.blocked } : {}),
    ...(o.children ? { children: o.children } : {}),
    ...(o.lastUsedRegion ? { lastUsedRegion: o.lastUsedRegion } : {}),
    taggingApi: o.taggingApi ?? true,
    list: (_ctx: HandlerContext, region: string) =>
      traced('list', region, async () => {
        const l = o.list;
        if (!l) return [];
        const v = typeof l === 'function' ? await l(region) : (l[region] ?? []);
        if (v instanceof Error) throw v;
        return [...v];
      }),
    readUses: (ref: ResourceRef) =>
      traced('readUses', ref.arn, () =>
        answer<readonly string[] | Gone>(o.readUses, ref, async () => {
          const d = await describe(ref);
          return d === 'gone' ? d : d.uses;
        }),
      ),
    calls,
    called: (method) => calls.filter((c) => c.method === method && c.phase === 'start').map((c) => c.arn),
    nameOf: (arn) => lastSegment(parseArn(arn)?.resource ?? arn),
    describe: (ref) => traced('describe', ref.arn, () => describe(ref)),
    currentTags: (ref) => traced('currentTags', ref.arn, () => answer<Tags | Gone>(o.currentTags, ref, () => tags)),
    delete: (r, ctx, steps) =>
      traced('delete', r.ref.arn, async () => {
        for (const name of o.steps ?? ['delete']) {
          await steps.run({ name, done: `${name} done` }, async () => {
            record('step', 'start', `${r.ref.arn}#${name}`);
            if (name === (o.steps ?? ['delete']).at(-1)) await o.onDelete?.(r, ctx, steps);
          });
        }
      }),
    ...(o.onWaitUntilGone
      ? { waitUntilGone: (ref: ResourceRef, ctx: HandlerContext) => traced('waitUntilGone', ref.arn, () => o.onWaitUntilGone!(ref, ctx)) }
      : {}),
  };
  return h;
}

/** A plain object keyed by ARN (as opposed to one answer such as a Described or a Tags record). */
function isPerArnRecord(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !(v instanceof Error) && Object.keys(v).length > 0 && Object.keys(v).every((k) => k.startsWith('arn:'));
}

/** Every call of the given handlers, in global order. */
export function allCalls(...handlers: readonly FakeHandler[]): FakeCall[] {
  return handlers.flatMap((h) => h.calls).sort((a, b) => a.seq - b.seq);
}

/** The seq of a handler's call event, for ordering assertions. Throws when there is none. */
export function seqOf(h: FakeHandler, method: FakeMethod, phase: 'start' | 'end', arn: string): number {
  const c = h.calls.find((x) => x.method === method && x.phase === phase && x.arn === arn);
  if (!c) throw new Error(`no ${method} ${phase} for ${arn} on ${h.type}`);
  return c.seq;
}

// ─── Plans and concurrency ───────────────────────────────────────────────────────────────────────

/** A ResourceRef for an ARN of `type`, named by the last `/` or `:` segment of its resource. */
export function refOf(arn: string, type: string, region?: string): ResourceRef {
  const p = parseArn(arn);
  if (!p) throw new Error(`bad ARN in test: ${arn}`);
  const name = p.resource.split(/[/:]/).at(-1) ?? p.resource; // role/path/x → x, function:x → x
  return { arn, type, region: region ?? (p.region || 'us-east-1'), account: p.account || '123456789012', partition: p.partition, name };
}

/** A plan item (before layering): a live resource with the default tags, using `uses`. */
export function planNode(arn: string, type: string, uses: readonly string[] = [], region?: string): Omit<PlanItem, 'layer' | 'usedBy' | 'usesInPlan'> {
  return { ref: refOf(arn, type, region), tags: { ...DEFAULT_TAGS }, config: { arn }, uses, children: [], rule: 'delete', reason: 'test' };
}

/** Resolves after the current macrotask: lets every pending microtask chain settle, without a timer. */
export function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Counts how many calls run at once (highest seen in `max`). */
export class InFlight {
  now = 0;
  max = 0;

  /** Enters, yields a few macrotasks so that other ready work can start too, then leaves. */
  async hold(ticks = 3): Promise<void> {
    this.now += 1;
    this.max = Math.max(this.max, this.now);
    try {
      for (let i = 0; i < ticks; i += 1) await macrotask();
    } finally {
      this.now -= 1;
    }
  }
}
