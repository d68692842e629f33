import { checkExceptions, createWaiter, WaiterState, type WaiterResult } from '@smithy/core/client';
import pLimit from 'p-limit';
import { sdkPackage } from '../aws/sdk.js';
import { formatArn, parseArn } from '../aws/arn.js';
import type { AwsClients } from '../aws/clients.js';
import { httpStatus, isErrorNamed } from '../aws/errors.js';
import { GONE, type ActionNeed, type Gone, type HandlerContext, type waiterOptions } from './handler.js';

/**
 * Small helpers the handlers of several services share (one file per type; this is not a type). What
 * several types of one service share is in that service's common file (sagemaker-common.ts,
 * bedrock-common.ts, iam-common.ts, events-common.ts).
 */

/** Drops the SDK's `$metadata` from a response before it goes into the plan and the backup. */
export function withoutMetadata(out: object): Record<string, unknown> {
  const { $metadata: _ignored, ...rest } = out as { $metadata?: unknown };
  return rest;
}

/** Runs a Describe/Get call; an error named in `notFound` (the type's own codes) becomes GONE. */
export async function describeOrGone<T>(notFound: readonly string[], call: () => Promise<T>): Promise<T | Gone> {
  try {
    return await call();
  } catch (err) {
    if (isErrorNamed(err, ...notFound)) return GONE;
    throw err;
  }
}

/** Runs a call whose target may already be removed (a detach, a child delete): not-found is nothing left to do. */
export async function unlessGone(notFound: readonly string[], call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (!isErrorNamed(err, ...notFound)) throw err;
  }
}

/**
 * Runs a Get call for an optional sub-configuration (a policy, a URL config...): when the error is one
 * of `absent` (it is simply not configured), null; any other error is thrown.
 */
export async function optional<T extends object>(absent: readonly string[], call: () => Promise<T>): Promise<Record<string, unknown> | null> {
  try {
    return withoutMetadata(await call());
  } catch (err) {
    if (isErrorNamed(err, ...absent)) return null;
    throw err;
  }
}

/** True for an HTTP 404 answer whose error has no modelled name (S3 HEAD requests). */
export const isBare404 = (err: unknown): boolean => httpStatus(err) === 404;

/** A JSON policy document as the service returns it (optionally URL-encoded): parsed, or the text as it came. */
export function parseDocument(text: string | undefined, { urlEncoded = false } = {}): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(urlEncoded ? decodeURIComponent(text) : text) as unknown;
  } catch {
    return text;
  }
}

/** The same resource for every action: the common case of `actions()`. */
export function onResource(resource: string, actions: readonly string[]): ActionNeed[] {
  return actions.map((action) => ({ action, resource }));
}

/**
 * Runs `tasks` (destructive steps), at most `limit` at once. After a failure no further task starts; the
 * ones under way finish (so that their `done` is known), then the first error is thrown.
 */
export async function runBounded(tasks: readonly (() => Promise<unknown>)[], limit: number): Promise<void> {
  const run = pLimit(limit);
  let failed = false;
  const results = await Promise.allSettled(
    tasks.map((task) =>
      run(async () => {
        if (failed) return;
        try {
          await task();
        } catch (err) {
          failed = true;
          throw err;
        }
      }),
    ),
  );
  const rejected = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/** Every item of every page of a paginated list call. */
export async function every<P, T>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
}

/** The strings of `list` that are set, once each, in their first order. */
export const unique = (list: readonly (string | undefined)[]): string[] => [...new Set(list.filter((x): x is string => Boolean(x)))];

/** Where the run's credentials act: for ARNs built from the ids a list call gives. */
export interface Where {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

const callers = new WeakMap<AwsClients, Promise<{ account: string; partition: string }>>();

/**
 * The account and partition the run's credentials act in (STS GetCallerIdentity, once per run, a read
 * the core already allows), in `region`: for list calls that give ids or names, not ARNs (ListAgents,
 * ListKnowledgeBases, Glue's GetJobs, ListPipelines), as the handler context does not carry the account.
 */
export async function callerWhere(ctx: HandlerContext, region: string): Promise<Where> {
  let hit = callers.get(ctx.aws);
  if (!hit) {
    hit = (async () => {
      const { GetCallerIdentityCommand } = await sdkPackage('@aws-sdk/client-sts');
      const sts = await ctx.aws.get('sts', region);
      const me = await sts.send(new GetCallerIdentityCommand({}));
      const partition = parseArn(me.Arn ?? '')?.partition;
      if (!me.Account || !partition) throw new Error('STS GetCallerIdentity named no account');
      return { account: me.Account, partition };
    })();
    callers.set(ctx.aws, hit);
    hit.catch(() => callers.delete(ctx.aws));
  }
  return { ...(await hit), region };
}

/** An S3 bucket's ARN from `s3://bucket/key` or a bucket ARN. */
export function bucketArn(partition: string, uriOrArn: string | undefined): string | undefined {
  const bucket = /^s3:\/\/([^/]+)/.exec(uriOrArn ?? '')?.[1] ?? /^arn:[\w-]+:s3:::([^/]+)$/.exec(uriOrArn ?? '')?.[1];
  return bucket ? `arn:${partition}:s3:::${bucket}` : undefined;
}

/** A waiter's options for a client of type `C`: see `waiterOptions` (handler.ts). */
export type WaiterOptions<C> = ReturnType<typeof waiterOptions<C>>;

/** What `pollUntilDone` reads, and what it takes for done and for failed. */
export interface Poll<C, I, S> {
  /** The state now: a status, a Describe's answer, or the listing of what has yet to go. */
  readonly read: (client: C, input: I) => Promise<S>;
  /** Whether the state read ends the wait (the resource is gone, the job finished). Default: never. */
  readonly done?: (state: S) => boolean;
  /** The errors of `read` that mean the resource is gone, which ends the wait too ([]: none does). */
  readonly notFound: readonly string[];
  /**
   * Whether the state read (not done) means the delete failed: `true` ends the wait as a waiter
   * failure whose reason is that state (thrown by `checkExceptions` as the waiter's JSON, which the core
   * reports as "reached a failed state"); an Error is thrown as it is (its message says what failed).
   * Default: never; every state that is not done is polled again.
   */
  readonly failed?: (state: S) => boolean | Error | undefined;
  /**
   * An error of `read` that is not a not-found ends the wait at once: as a waiter failure whose reason
   * is the error ('waiter', the default: `checkExceptions` throws the waiter's JSON), or thrown as it
   * came ('thrown').
   */
  readonly otherErrors?: 'waiter' | 'thrown';
}

/**
 * Waits for what the SDK has no waiter for (a delete, a stop, a child's removal), with `createWaiter`:
 * polls `poll.read` with the run's waiter options (its delays, --wait-timeout and abort signal) until the
 * state is done or `read` fails with one of `poll.notFound`. A failed state or another error ends the
 * wait at once (see `Poll`); throws on timeout or abort (`checkExceptions`: TimeoutError, AbortError).
 */
export async function pollUntilDone<C, I extends object, S>(options: WaiterOptions<C>, input: I, poll: Poll<C, I, S>): Promise<void> {
  let raise: Error | undefined;
  const check = async (client: C, i: I): Promise<WaiterResult> => {
    let state: S;
    try {
      state = await poll.read(client, i);
    } catch (err) {
      if (isErrorNamed(err, ...poll.notFound)) return { state: WaiterState.SUCCESS, reason: err };
      if (poll.otherErrors === 'thrown' && err instanceof Error) raise = err;
      return { state: WaiterState.FAILURE, reason: err };
    }
    if (poll.done?.(state)) return { state: WaiterState.SUCCESS, reason: state };
    const failed = poll.failed?.(state);
    if (failed instanceof Error) raise = failed;
    return { state: failed ? WaiterState.FAILURE : WaiterState.RETRY, reason: failed instanceof Error ? failed : state };
  };
  const result = await createWaiter(options, input, check);
  if (result.state === WaiterState.FAILURE && raise) throw raise;
  checkExceptions(result);
}

/** A Lambda function's unqualified ARN (an action group or transformation may name a version or alias). */
export function functionArn(arn: string | undefined): string | undefined {
  const p = arn ? parseArn(arn) : undefined;
  if (p?.service !== 'lambda' || !p.resource.startsWith('function:')) return undefined;
  return formatArn({ ...p, resource: p.resource.split(':').slice(0, 2).join(':') });
}

/**
 * Fewer resources of a type and region than this are described one by one: a listing that answers
 * for them together (a type's `prefetch`) would not be cheaper.
 */
export const PREFETCH_MIN = 3;
