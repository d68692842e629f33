import { afterEach, describe, expect, it, vi } from 'vitest';
import { bucketArn, pollUntilDone, runBounded, unique, type Poll } from '../../../src/resources/common.js';
import { awsError } from '../../helpers/context.js';

/** Waiter options as `waiterOptions` builds them (no client is needed: `read` ignores it). */
const OPTIONS = { client: {}, maxWaitTime: 60, minDelay: 1, maxDelay: 5 };
const NOT_FOUND = ['NoSuchThing'];

/** A `read` that answers `answers` in turn (an Error is thrown), the last one again and again. */
function reads(...answers: (string | Error)[]): Poll<object, object, string>['read'] & { calls: number } {
  const read = Object.assign(
    async () => {
      const a = answers[Math.min(read.calls, answers.length - 1)] as string | Error;
      read.calls += 1;
      if (a instanceof Error) throw a;
      return a;
    },
    { calls: 0 },
  );
  return read;
}

/** Runs the wait under fake timers, far enough for every poll the options allow. */
async function settle(wait: Promise<void>): Promise<unknown> {
  const outcome = wait.then(
    () => 'resolved',
    (err: unknown) => err,
  );
  await vi.advanceTimersByTimeAsync(61_000);
  return outcome;
}

describe('pollUntilDone', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('polls until the state is done, or until the read says not found', async () => {
    vi.useFakeTimers();
    const done = reads('Deleting', 'Deleting', 'Deleted');
    expect(await settle(pollUntilDone(OPTIONS, {}, { read: done, done: (s) => s === 'Deleted', notFound: NOT_FOUND }))).toBe('resolved');
    expect(done.calls).toBe(3);

    const gone = reads('Deleting', awsError('NoSuchThing', 'gone'));
    expect(await settle(pollUntilDone(OPTIONS, {}, { read: gone, notFound: NOT_FOUND }))).toBe('resolved');
    expect(gone.calls).toBe(2);
  });

  it('fails on a failed state: `true` as the waiter JSON naming the state, an Error as it is', async () => {
    vi.useFakeTimers();
    const asWaiter = await settle(pollUntilDone(OPTIONS, {}, { read: reads('Deleting', 'DeleteFailed'), notFound: NOT_FOUND, failed: (s) => s === 'DeleteFailed' }));
    expect(asWaiter).toBeInstanceOf(Error);
    expect((asWaiter as Error).message).toMatch(/"state":"FAILURE","reason":"DeleteFailed"/);

    const failure = new Error('it is DeleteFailed: no room');
    const asError = await settle(pollUntilDone(OPTIONS, {}, { read: reads('DeleteFailed'), notFound: NOT_FOUND, failed: (s) => s === 'DeleteFailed' && failure }));
    expect(asError).toBe(failure);
  });

  it('ends at once on another error: as a waiter failure by default, as it came with otherErrors thrown', async () => {
    const denied = awsError('AccessDeniedException', 'denied', 403);
    const asWaiter = reads(denied);
    await expect(pollUntilDone(OPTIONS, {}, { read: asWaiter, notFound: NOT_FOUND })).rejects.toThrow(/FAILURE/);
    expect(asWaiter.calls).toBe(1);

    const asThrown = reads(denied);
    await expect(pollUntilDone(OPTIONS, {}, { read: asThrown, notFound: NOT_FOUND, otherErrors: 'thrown' })).rejects.toBe(denied);
    expect(asThrown.calls).toBe(1);
    // With no not-found codes, not-found is just another error.
    await expect(pollUntilDone(OPTIONS, {}, { read: reads(awsError('NoSuchThing', 'gone')), notFound: [], otherErrors: 'thrown' })).rejects.toMatchObject({ name: 'NoSuchThing' });
  });

  it('times out on a state that never ends, and stops when the run is aborted', async () => {
    vi.useFakeTimers();
    expect(await settle(pollUntilDone(OPTIONS, {}, { read: reads('Deleting'), notFound: NOT_FOUND }))).toMatchObject({ name: 'TimeoutError' });
    vi.useRealTimers();

    const abort = new AbortController();
    abort.abort();
    await expect(pollUntilDone({ ...OPTIONS, abortSignal: abort.signal }, {}, { read: reads('Deleting'), notFound: NOT_FOUND })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('runBounded', () => {
  it('runs every task, at most `limit` at once', async () => {
    let running = 0;
    let most = 0;
    const ran: number[] = [];
    const task = (i: number) => async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 1));
      ran.push(i);
      running -= 1;
    };
    await runBounded([0, 1, 2, 3, 4].map(task), 2);
    expect(ran.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it('starts no task after a failure, lets the running ones end, and throws the first error', async () => {
    const ran: string[] = [];
    const tasks = [
      async () => {
        ran.push('a');
        throw new Error('a failed');
      },
      async () => {
        ran.push('b');
      },
      async () => {
        ran.push('c');
      },
    ];
    await expect(runBounded(tasks, 1)).rejects.toThrow('a failed');
    expect(ran).toEqual(['a']);
  });
});

describe('unique and bucketArn', () => {
  it('keeps the set strings once each, in their first order', () => {
    expect(unique(['b', undefined, 'a', 'b', ''])).toEqual(['b', 'a']);
  });

  it('names the bucket of an s3:// URI or a bucket ARN', () => {
    expect(bucketArn('aws', 's3://my-bucket/some/key')).toBe('arn:aws:s3:::my-bucket');
    expect(bucketArn('aws-cn', 'arn:aws-cn:s3:::other')).toBe('arn:aws-cn:s3:::other');
    expect(bucketArn('aws', 'https://example.com/x')).toBeUndefined();
    expect(bucketArn('aws', undefined)).toBeUndefined();
  });
});
