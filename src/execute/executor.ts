import pLimit, { type LimitFunction } from 'p-limit';
import { describeError, isNotFound } from '../aws/errors.js';
import type { Outcome, TagFilter } from '../model.js';
import type { PlanItem } from '../plan/plan.js';
import { GONE, type HandlerContext, type ResourceHandler } from '../resources/handler.js';
import { matchesTags } from '../tags.js';

/** What the executor writes down as it goes (the journal); awaited before the next step. */
export interface JournalSink {
  append(event: Record<string, unknown>): Promise<void>;
}

export type ExecEvent =
  | { readonly kind: 'start'; readonly item: PlanItem }
  | { readonly kind: 'waiting'; readonly item: PlanItem }
  | { readonly kind: 'done'; readonly outcome: Outcome };

export interface ExecuteOptions {
  readonly handlerFor: (type: string) => ResourceHandler;
  readonly ctx: HandlerContext;
  readonly filters: readonly TagFilter[];
  readonly journal?: JournalSink | undefined;
  readonly onEvent?: ((e: ExecEvent) => void) | undefined;
  /** Ctrl-C: nothing new starts; what runs finishes. */
  readonly signal?: AbortSignal | undefined;
  /** Deletes in flight per service (the part of the type before the colon). */
  readonly concurrency?: Readonly<Record<string, number>> | undefined;
}

export const DEFAULT_CONCURRENCY: Readonly<Record<string, number>> = {
  sagemaker: 4,
  lambda: 4,
  iam: 4,
  s3: 4,
  default: 4,
};

/**
 * Deletes the items in dependency order: an item starts once everything in the set that uses it is gone,
 * so independent chains never wait for each other; within that, calls run concurrently per service,
 * bounded. Returns one outcome per item, in the items' order.
 */
export async function execute(items: readonly PlanItem[], opts: ExecuteOptions): Promise<Outcome[]> {
  const inSet = new Map(items.map((i) => [i.ref.arn, i]));
  const limits = new Map<string, LimitFunction>();
  const limiterFor = (type: string): LimitFunction => {
    const service = type.split(':')[0] ?? 'default';
    let l = limits.get(service);
    if (!l) {
      const table = opts.concurrency ?? DEFAULT_CONCURRENCY;
      l = pLimit(table[service] ?? table.default ?? 4);
      limits.set(service, l);
    }
    return l;
  };

  // Progress is best effort: a broken stderr must not stop the deletes or lose their outcomes.
  const notify = (e: ExecEvent): void => {
    try {
      opts.onEvent?.(e);
    } catch {
      // ignored on purpose: the report and the journal still carry every outcome
    }
  };

  const running = new Map<string, Promise<Outcome>>();
  const run = (item: PlanItem): Promise<Outcome> => {
    let p = running.get(item.ref.arn);
    if (!p) {
      p = (async () => {
        const users = item.usedBy.map((a) => inSet.get(a)).filter((u): u is PlanItem => u !== undefined);
        const before = await Promise.all(users.map(run));
        const blocker = before.find((o) => o.status !== 'deleted' && o.status !== 'gone');
        if (blocker) {
          return finish(item, {
            status: 'skipped',
            reason: `not attempted: ${blocker.name} (${blocker.type}), which uses it, was not deleted`,
          });
        }
        return limiterFor(item.ref.type)(() => deleteOne(item));
      })();
      running.set(item.ref.arn, p);
    }
    return p;
  };

  const finish = (item: PlanItem, o: Pick<Outcome, 'status' | 'error' | 'reason'>): Outcome => {
    const outcome: Outcome = { arn: item.ref.arn, type: item.ref.type, region: item.ref.region, name: item.ref.name, ...o };
    notify({ kind: 'done', outcome });
    return outcome;
  };

  const deleteOne = async (item: PlanItem): Promise<Outcome> => {
    if (opts.signal?.aborted) return finish(item, { status: 'skipped', reason: 'interrupted before it was started' });
    notify({ kind: 'start', item });
    let deleteSent = false;
    try {
      const handler = opts.handlerFor(item.ref.type);
      // Re-check right before the delete: it may be gone, or re-tagged, since it was planned.
      const tags = await handler.currentTags(item.ref, opts.ctx);
      if (tags === GONE) return finish(item, { status: 'gone', reason: 'it no longer existed when its turn came' });
      if (!matchesTags(tags, opts.filters)) {
        return finish(item, { status: 'skipped', reason: 'its tags changed since it was planned; left alone' });
      }
      if (opts.signal?.aborted) return finish(item, { status: 'skipped', reason: 'interrupted before it was started' });
      await opts.journal?.append({ event: 'deleting', arn: item.ref.arn, type: item.ref.type, region: item.ref.region });
      deleteSent = true;
      await handler.delete(item.ref, opts.ctx);
      if (handler.waitUntilGone) {
        notify({ kind: 'waiting', item });
        await handler.waitUntilGone(item.ref, opts.ctx);
      }
      // It is deleted: a journal that cannot be written any more must not turn that into a failure.
      const noted = await opts.journal?.append({ event: 'deleted', arn: item.ref.arn }).then(
        () => true,
        () => false,
      );
      return finish(item, noted === false ? { status: 'deleted', reason: 'deleted, but the journal could not record it' } : { status: 'deleted' });
    } catch (err) {
      if (isNotFound(err)) {
        if (deleteSent) await opts.journal?.append({ event: 'gone', arn: item.ref.arn }).catch(() => undefined);
        return finish(item, { status: 'gone', reason: 'it disappeared while its turn came (deleted elsewhere)' });
      }
      const error = explain(err, opts.signal, deleteSent);
      await opts.journal?.append({ event: 'failed', arn: item.ref.arn, error }).catch(() => undefined);
      return finish(item, { status: 'failed', error });
    }
  };

  return Promise.all(items.map(run));
}

/** Waiter results arrive as JSON in the message; say them in words. */
function explain(err: unknown, signal: AbortSignal | undefined, deleteSent: boolean): string {
  const text = err instanceof Error ? err.message : String(err);
  const state = /"state":\s*"(\w+)"/.exec(text)?.[1];
  if (state === 'TIMEOUT') return 'TimeoutError: an asynchronous step (a stop, a delete or a dependent delete) did not finish within --wait-timeout';
  if (state === 'ABORTED' || (signal?.aborted && deleteSent)) return 'Interrupted: the delete was sent; it may still complete in AWS';
  if (state === 'FAILURE') return `WaiterFailure: the resource reached a failed state (${text.slice(0, 300)})`;
  return describeError(err);
}
