import { describeError, errorName, hadUnansweredAttempt, isCredentialError, isErrorNamed } from '../aws/errors.js';
import type { Throughput } from '../aws/throughput.js';
import type { JournalSink } from '../backup/journal.js';
import type { Outcome, Rule, Status, TagFilter } from '../model.js';
import { chainLengths, type PlanItem } from '../plan/document.js';
import { clientOf, GONE, type HandlerContext, type ResourceHandler, type StepInfo, type Steps } from '../resources/handler.js';
import { matchesTags, sameTags } from '../tags.js';

export type ExecEvent =
  | { readonly kind: 'start'; readonly item: PlanItem }
  | { readonly kind: 'step'; readonly item: PlanItem; readonly step: StepInfo }
  /** Its asynchronous delete is awaited (waitUntilGone), for at most `timeoutSeconds`. */
  | { readonly kind: 'waiting'; readonly item: PlanItem; readonly timeoutSeconds: number }
  /** How far a long step is (the object versions of a bucket): `done` of `total`, final once the total cannot grow. */
  | { readonly kind: 'counter'; readonly item: PlanItem; readonly unit: string; readonly done: number; readonly total: number; readonly final: boolean }
  | { readonly kind: 'done'; readonly outcome: Outcome };

export interface ExecuteOptions {
  readonly handlerFor: (type: string) => ResourceHandler;
  readonly ctx: HandlerContext;
  readonly throughput: Throughput;
  readonly filters: readonly TagFilter[];
  readonly journal?: JournalSink | undefined;
  readonly onEvent?: ((e: ExecEvent) => void) | undefined;
  /** Ctrl-C / SIGTERM: nothing new starts; what runs finishes. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Items that must not be deleted after all, with why (their backup could not be completed): each is
   * reported failed, and what it uses is not attempted.
   */
  readonly refused?: ReadonlyMap<string, string> | undefined;
  /** Tags are re-checked at least every this many steps, even when steps ask to skip it (StepInfo.recheck false). */
  readonly recheckEvery?: number | undefined;
}

/** Thrown inside a delete when the resource's tags no longer match before one of its steps. */
export class TagsChangedError extends Error {
  constructor(readonly gone: boolean) {
    super(gone ? 'it disappeared during its delete' : 'its tags no longer match; stopped before the next step');
    this.name = gone ? 'GoneDuringDelete' : 'TagsChanged';
  }
}

/** Credentials expired or revoked mid-run: no new work starts. */
class CredentialsLost extends Error {}

/**
 * Deletes the items in dependency order: an item starts once everything in the set that uses it is gone,
 * so independent chains never wait for each other; within that, deletes run concurrently, bounded per
 * (service, region) by the throughput table. Each destructive step is preceded by a tag re-check and
 * journalled before it is sent. Returns one outcome per item, in the items' order.
 */
export async function execute(items: readonly PlanItem[], opts: ExecuteOptions): Promise<Outcome[]> {
  const inSet = new Map(items.map((i) => [i.ref.arn, i]));
  let credentialsLost: string | undefined;
  // Expired or revoked credentials stop the run: nothing new starts, and the waits under way end (a
  // waiter takes an ExpiredToken answer as "not yet" and would poll until --wait-timeout).
  const credentialsGone = new AbortController();
  const journalPath = opts.journal?.path;
  /** The error name that told (`ExpiredToken`...): the failures it causes carry it as their code. */
  let credentialsError = 'CredentialsLost';
  const loseCredentials = (name: string, what: string): void => {
    if (credentialsLost) return;
    credentialsError = name;
    const next = typeof journalPath === 'string' ? `nova-cleanup resume ${journalPath}` : 'nova-cleanup resume <journal>';
    credentialsLost = `the credentials stopped working (${what}); refresh them, then run \`${next}\``;
    credentialsGone.abort();
  };
  // Every attempt of every call: a waiter's polls too, which never throw their errors to us.
  opts.ctx.aws?.calls?.onAttempt?.((e) => {
    if (e.error && isCredentialError({ name: e.error })) loseCredentials(e.error, `${e.error}: the answer to ${e.service}:${e.operation}`);
  });
  const ctx: HandlerContext = { ...opts.ctx, signal: opts.ctx.signal ? AbortSignal.any([opts.ctx.signal, credentialsGone.signal]) : credentialsGone.signal };

  // Progress is best effort: a broken stderr must not stop the deletes or lose their outcomes.
  const notify = (e: ExecEvent): void => {
    try {
      opts.onEvent?.(e);
    } catch {
      // ignored on purpose: the report and the journal still carry every outcome
    }
  };
  const journal = async (e: Parameters<JournalSink['append']>[0]): Promise<void> => {
    await opts.journal?.append(e);
  };

  const running = new Map<string, Promise<Outcome>>();
  const run = (item: PlanItem): Promise<Outcome> => {
    let p = running.get(item.ref.arn);
    if (!p) {
      p = (async () => {
        const users = item.usedBy.map((a) => inSet.get(a)).filter((u): u is PlanItem => u !== undefined);
        const before = await Promise.all(users.map(run));
        const blocker = before.find((o) => o.status !== 'deleted' && o.status !== 'gone');
        const stop = stopReason();
        if (blocker && stop) return finish(item, 'skipped', 'interrupted', { reason: stop });
        if (blocker) {
          return finish(item, 'skipped', 'not-attempted', { reason: `not attempted: ${blocker.type} ${blocker.name}, which uses it, was not deleted` });
        }
        const refusal = opts.refused?.get(item.ref.arn);
        if (refusal !== undefined) return finish(item, 'failed', 'unreadable', { error: refusal });
        const handler = opts.handlerFor(item.ref.type);
        return opts.throughput.run(clientOf(handler), item.ref.region, 'write', () => deleteOne(item, handler));
      })();
      running.set(item.ref.arn, p);
    }
    return p;
  };

  const finish = (item: PlanItem, status: Status, rule: Rule, extra: { reason?: string; error?: string; removed?: string[] } = {}): Outcome => {
    const outcome: Outcome = {
      arn: item.ref.arn,
      type: item.ref.type,
      region: item.ref.region,
      name: item.ref.name,
      status,
      rule,
      ...(extra.reason ? { reason: extra.reason } : {}),
      ...(extra.error ? { error: extra.error } : {}),
      ...(extra.removed?.length ? { removed: extra.removed } : {}),
    };
    notify({ kind: 'done', outcome });
    return outcome;
  };

  const stopReason = (): string | undefined =>
    credentialsLost ? `not started: ${credentialsLost}` : opts.signal?.aborted ? 'interrupted before it was started' : undefined;

  const deleteOne = async (item: PlanItem, handler: ResourceHandler): Promise<Outcome> => {
    const stop = stopReason();
    if (stop) return finish(item, 'skipped', 'interrupted', { reason: stop });
    notify({ kind: 'start', item });
    // This delete's own context: what its handler says of a long step is told as this item's progress.
    const itemCtx: HandlerContext = { ...ctx, progress: (p) => notify({ ...p, item }) };
    const removed: string[] = [];
    let stepsRun = 0;
    let sinceCheck = 0;
    let lastStep = 'check';

    /** The re-check: the cheapest read that proves the tags. */
    const recheck = async (): Promise<void> => {
      const tags = await handler.currentTags(item.ref, ctx);
      if (tags === GONE) throw new TagsChangedError(true);
      // A deleted resource's own log group (--delete-owned-log-groups) need not match: its tags must not change.
      if (item.rule === 'owned-log-group' ? !sameTags(tags, item.tags) : !matchesTags(tags, opts.filters)) throw new TagsChangedError(false);
      sinceCheck = 0;
    };
    const steps: Steps = {
      run: async <T>(step: StepInfo, body: () => Promise<T>): Promise<T> => {
        if (credentialsLost) throw new CredentialsLost(credentialsLost);
        // The first step follows the check made just before delete() at once; later ones check again,
        // except a step that asks to skip it, and never more than `recheckEvery` in a row.
        if (stepsRun > 0 && (step.recheck !== false || sinceCheck >= (opts.recheckEvery ?? 10))) await recheck();
        stepsRun += 1;
        sinceCheck += 1;
        lastStep = step.name;
        notify({ kind: 'step', item, step });
        await journal({ event: 'step-started', arn: item.ref.arn, type: item.ref.type, step: step.name, child: step.child });
        const out = await body();
        // The step is done; a journal that cannot say so any more must not turn it into a failure.
        await journal({ event: 'step-done', arn: item.ref.arn, type: item.ref.type, step: step.name, child: step.child }).catch(() => undefined);
        if (step.done) removed.push(step.done);
        return out;
      },
    };

    try {
      // Re-check right before the delete: it may be gone, or re-tagged, since it was planned.
      try {
        await recheck();
      } catch (err) {
        if (err instanceof TagsChangedError) {
          return err.gone
            ? finish(item, 'gone', 'gone', { reason: 'it no longer existed when its turn came' })
            : finish(item, 'skipped', 'changed-since-plan', { reason: 'its tags changed since it was planned; left alone' });
        }
        throw err;
      }
      if (stopReason()) return finish(item, 'skipped', 'interrupted', { reason: stopReason() as string });
      await handler.delete({ ref: item.ref, described: { tags: item.tags, config: item.config, uses: item.uses } }, itemCtx, steps);
      if (handler.waitUntilGone) {
        notify({ kind: 'waiting', item, timeoutSeconds: ctx.waitTimeoutSeconds });
        // Told here: what its waiter's options say again (waiterOptions) is not told twice.
        await handler.waitUntilGone(item.ref, {
          ...itemCtx,
          progress: (p) => {
            if (p.kind !== 'waiting') notify({ ...p, item });
          },
        });
      }
      // It is deleted: a journal that cannot be written any more must not turn that into a failure.
      const noted = await journal({ event: 'deleted', arn: item.ref.arn, type: item.ref.type, step: 'delete' }).then(
        () => true,
        () => false,
      );
      return finish(item, 'deleted', 'delete', noted ? {} : { reason: 'deleted, but the journal could not record it' });
    } catch (err) {
      if (isCredentialError(err)) loseCredentials(errorName(err), describeError(err));
      // A delete that failed with "not found" is re-read: only the resource's absence makes it `gone`.
      if (isErrorNamed(err, ...handler.notFound) || (err instanceof TagsChangedError && err.gone)) {
        const now = await handler.currentTags(item.ref, ctx).catch(() => undefined);
        if (now === GONE) {
          // The SDK sent the call again after an attempt that got no answer (a dropped connection, a 5xx):
          // that attempt deleted it, and the retry found it gone. Not idempotent, but done.
          if (!(err instanceof TagsChangedError) && hadUnansweredAttempt(err)) {
            await journal({ event: 'deleted', arn: item.ref.arn, type: item.ref.type, step: 'delete' }).catch(() => undefined);
            return finish(item, 'deleted', 'delete', { reason: `the answer to its ${lastStep} call was lost; the retry and a re-read found it deleted` });
          }
          await journal({ event: 'gone', arn: item.ref.arn, type: item.ref.type, step: 'delete' }).catch(() => undefined);
          return finish(item, 'gone', 'gone', { reason: 'it disappeared during its delete (deleted elsewhere)', removed });
        }
      }
      if (err instanceof TagsChangedError) {
        const error = `TagsChanged: ${err.message}${removed.length ? '' : ' (nothing of it was removed)'}`;
        await journal({ event: 'stopped', arn: item.ref.arn, type: item.ref.type, step: lastStep, error }).catch(() => undefined);
        return finish(item, 'failed', 'changed-since-plan', { error, removed });
      }
      const error = explain(err, opts.signal, stepsRun > 0, credentialsLost ? { name: credentialsError, why: credentialsLost } : undefined);
      await journal({ event: 'failed', arn: item.ref.arn, type: item.ref.type, step: lastStep, error }).catch(() => undefined);
      return finish(item, 'failed', 'delete-failed', { error, removed });
    }
  };

  // Within a lane, what heads the longest chain starts first: an endpoint before a model nothing uses,
  // so that the endpoint → config → model chain is not left waiting behind it.
  const length = chainLengths(items, inSet);
  await Promise.all([...items].sort((a, b) => (length.get(b.ref.arn) ?? 1) - (length.get(a.ref.arn) ?? 1)).map(run));
  return Promise.all(items.map(run));
}

/** Waiter results arrive as JSON in the message; say them in words. */
function explain(err: unknown, signal: AbortSignal | undefined, sent: boolean, credentialsLost: { name: string; why: string } | undefined): string {
  if (err instanceof CredentialsLost) return `not continued: ${err.message}`;
  const text = err instanceof Error ? err.message : String(err);
  const state = /"state":\s*"(\w+)"/.exec(text)?.[1];
  if (credentialsLost && state === 'ABORTED' && !signal?.aborted) {
    return `${credentialsLost.name}: stopped while waiting for AWS (what was sent may still complete there): ${credentialsLost.why}`;
  }
  if (state === 'TIMEOUT') return 'TimeoutError: an asynchronous step (a stop, a delete or a dependent delete) did not finish within --wait-timeout';
  if (state === 'ABORTED' || (signal?.aborted && sent && state)) return 'Interrupted: the delete was sent; it may still complete in AWS';
  if (state === 'FAILURE') return `WaiterFailure: the resource reached a failed state (${text.slice(0, 300)})`;
  return describeError(err);
}
