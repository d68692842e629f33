import { Readable } from 'node:stream';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { HttpResponse } from '@smithy/core/protocols';
import type { RetryErrorInfo, RetryErrorType, StandardRetryToken } from '@smithy/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { hadUnansweredAttempt } from '../../src/aws/errors.js';
import { MIN_SEND_RATE, NovaRetryStrategy, THROTTLING_ATTEMPTS, THROTTLING_BACKOFF, throttlingDelay } from '../../src/aws/retry.js';

/** A rate limiter that never waits, and says what it was told. */
const limiter = () => {
  const told: string[] = [];
  return { told, getSendToken: async () => undefined, updateClientSendingRate: (i: unknown) => void told.push((i as Partial<RetryErrorInfo>).errorType ?? 'success') };
};
const info = (errorType: RetryErrorType, error: Error = Object.assign(new Error(errorType), { name: errorType, $metadata: {} })): RetryErrorInfo =>
  ({ errorType, error }) as RetryErrorInfo;

/** Retries one call with these errors, in order; returns how many retries were granted before the first refusal. */
async function granted(s: NovaRetryStrategy, errors: readonly RetryErrorType[]): Promise<{ retries: number; token: StandardRetryToken }> {
  let token = await s.acquireInitialRetryToken('');
  let retries = 0;
  for (const e of errors) {
    try {
      token = await s.refreshRetryTokenForRetry(token, info(e));
      retries += 1;
    } catch {
      break;
    }
  }
  return { retries, token };
}

describe('NovaRetryStrategy: the per-client retry strategy (SDK parts)', () => {
  beforeEach(() => {
    // Backoff without waiting: full jitter with random() = 0 is a zero delay (ours and the SDK's).
    vi.spyOn(Math, 'random').mockReturnValue(0);
  });

  it('gives throttling more attempts than other errors', async () => {
    const s = new NovaRetryStrategy({ maxAttempts: 6, rateLimiter: limiter() });
    expect(s.throttlingAttempts).toBe(THROTTLING_ATTEMPTS);
    expect(THROTTLING_ATTEMPTS).toBeGreaterThan(6);
    expect((await granted(s, Array(50).fill('THROTTLING'))).retries).toBe(THROTTLING_ATTEMPTS - 1);
    expect((await granted(s, Array(50).fill('TRANSIENT'))).retries).toBe(5);
    expect((await granted(s, Array(50).fill('SERVER_ERROR'))).retries).toBe(0);
    expect((await granted(s, ['CLIENT_ERROR'])).retries).toBe(0);
    // Attempts are counted per call across both kinds.
    expect((await granted(s, ['THROTTLING', 'THROTTLING', 'THROTTLING', 'TRANSIENT', 'TRANSIENT', 'TRANSIENT'])).retries).toBe(5);
    // A client built for fewer attempts (the permission check's 2) still rides out throttling; one built for more keeps them.
    expect(new NovaRetryStrategy({ maxAttempts: 2 }).throttlingAttempts).toBe(THROTTLING_ATTEMPTS);
    expect(new NovaRetryStrategy({ maxAttempts: 40 }).throttlingAttempts).toBe(40);
  });

  it('sustained throttling never drains the retry quota; other errors still trip the SDK circuit breaker', async () => {
    const s = new NovaRetryStrategy({ maxAttempts: 6, rateLimiter: limiter() });
    // 100 calls throttled 10 times each (1,000 throttling retries: 5,000 tokens at the SDK's cost of 5, ten quotas), then answered.
    for (let i = 0; i < 100; i++) {
      const { retries, token } = await granted(s, Array(10).fill('THROTTLING'));
      expect(retries).toBe(10);
      s.recordSuccess(token);
    }
    // The shared quota is whole: a transient error is still retried.
    expect((await granted(s, ['TRANSIENT'])).retries).toBe(1);
    // Transient errors with no success in between empty it (500 tokens, 14 a retry): then none is retried.
    let total = 0;
    for (let i = 0; i < 20; i++) total += (await granted(s, Array(5).fill('TRANSIENT'))).retries;
    expect(total).toBeLessThan(100);
    expect((await granted(s, ['TRANSIENT'])).retries).toBe(0);
    // Throttling is still retried: it has a budget of its own.
    expect((await granted(s, Array(5).fill('THROTTLING'))).retries).toBe(5);
  });

  it('tells the rate limiter about throttling and successes (adaptive mode)', async () => {
    const l = limiter();
    const s = new NovaRetryStrategy({ maxAttempts: 6, rateLimiter: l });
    const { token } = await granted(s, ['THROTTLING', 'TRANSIENT']);
    s.recordSuccess(token);
    expect(l.told).toEqual(['THROTTLING', 'TRANSIENT', 'success']);
    expect(s.mode).toBe('adaptive');
    expect(MIN_SEND_RATE).toBeGreaterThan(0.5);
  });

  it('marks the final error of a call an earlier attempt of which went unanswered', async () => {
    const s = new NovaRetryStrategy({ maxAttempts: 6, rateLimiter: limiter() });
    const finalError = async (before: RetryErrorType[]) => {
      let token = await s.acquireInitialRetryToken('');
      for (const e of before) token = await s.refreshRetryTokenForRetry(token, info(e));
      const notFound = Object.assign(new Error('gone'), { name: 'NoSuchEntityException', $metadata: {} });
      await expect(s.refreshRetryTokenForRetry(token, info('CLIENT_ERROR', notFound))).rejects.toThrow();
      return notFound;
    };
    expect(hadUnansweredAttempt(await finalError(['TRANSIENT']))).toBe(true);
    expect(hadUnansweredAttempt(await finalError(['TRANSIENT', 'THROTTLING']))).toBe(true);
    // A throttled attempt was refused by the service: nothing happened.
    expect(hadUnansweredAttempt(await finalError(['THROTTLING', 'THROTTLING']))).toBe(false);
    expect(hadUnansweredAttempt(await finalError([]))).toBe(false);
    // Not enumerable: it stays out of JSON reports.
    expect(Object.keys(await finalError(['TRANSIENT']))).not.toContain('$unansweredAttempt');
  });

  it('a 503 without a name (S3 SlowDown to a HEAD request) gets the throttling budget, a 500 does not', async () => {
    const s = new NovaRetryStrategy({ maxAttempts: 3, rateLimiter: limiter() });
    const slow = Object.assign(new Error('UnknownError'), { name: 'UnknownError', $metadata: { httpStatusCode: 503 } });
    let token = await s.acquireInitialRetryToken('');
    let retries = 0;
    for (let i = 0; i < THROTTLING_ATTEMPTS + 2; i++) {
      try {
        token = await s.refreshRetryTokenForRetry(token, info('TRANSIENT', slow));
        retries += 1;
      } catch {
        break;
      }
    }
    expect(retries).toBe(THROTTLING_ATTEMPTS - 1);
    const failing = Object.assign(new Error('InternalError'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    let t2 = await s.acquireInitialRetryToken('');
    let r2 = 0;
    for (let i = 0; i < 10; i++) {
      try {
        t2 = await s.refreshRetryTokenForRetry(t2, info('TRANSIENT', failing));
        r2 += 1;
      } catch {
        break;
      }
    }
    expect(r2).toBe(2);
  });

  it('backs off throttled calls with full jitter up to a cap', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    expect(throttlingDelay(1)).toBe(Math.floor(0.999999 * THROTTLING_BACKOFF.baseMs * 2));
    expect(throttlingDelay(3)).toBe(Math.floor(0.999999 * THROTTLING_BACKOFF.baseMs * 8));
    expect(throttlingDelay(20)).toBe(Math.floor(0.999999 * THROTTLING_BACKOFF.capMs));
  });
});

describe('the strategy inside a real client (the SDK retry middleware)', () => {
  afterEach(() => vi.restoreAllMocks());

  /** An IAM client whose transport answers with `answers` in turn (then the last one again). */
  const iamAnswering = (strategy: NovaRetryStrategy, answers: readonly { status: number; code?: string }[]) => {
    let i = 0;
    const sent = { count: 0 };
    const requestHandler = {
      handle: async () => {
        sent.count += 1;
        const a = answers[Math.min(i++, answers.length - 1)] as { status: number; code?: string };
        const body = a.code
          ? `<ErrorResponse><Error><Type>Sender</Type><Code>${a.code}</Code><Message>${a.code}</Message></Error><RequestId>r</RequestId></ErrorResponse>`
          : '<GetRoleResponse><GetRoleResult><Role><RoleName>r</RoleName><Arn>arn:aws:iam::123456789012:role/r</Arn><Path>/</Path><RoleId>AROA</RoleId><CreateDate>2026-01-01T00:00:00Z</CreateDate></Role></GetRoleResult></GetRoleResponse>';
        return { response: new HttpResponse({ statusCode: a.status, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(body)]) }) };
      },
    };
    const client = new IAMClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, retryStrategy: strategy, requestHandler });
    return { client, sent };
  };

  beforeEach(() => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
  });

  it('rides out a call throttled 12 times in a row (IAM Throttling), with 3 attempts for other errors', async () => {
    const { client, sent } = iamAnswering(new NovaRetryStrategy({ maxAttempts: 3, rateLimiter: limiter() }), [...Array(12).fill({ status: 400, code: 'Throttling' }), { status: 200 }]);
    const out = await client.send(new GetRoleCommand({ RoleName: 'r' }));
    expect(out.Role?.RoleName).toBe('r');
    expect(out.$metadata.attempts).toBe(13);
    expect(sent.count).toBe(13);
  });

  it('gives up on a 500 after maxAttempts, and marks a retry that then finds nothing', async () => {
    const five = iamAnswering(new NovaRetryStrategy({ maxAttempts: 3, rateLimiter: limiter() }), [{ status: 500, code: 'ServiceFailure' }]);
    await expect(five.client.send(new GetRoleCommand({ RoleName: 'r' }))).rejects.toMatchObject({ name: 'ServiceFailureException', $metadata: { attempts: 3 } });
    expect(five.sent.count).toBe(3);
    const lost = iamAnswering(new NovaRetryStrategy({ maxAttempts: 3, rateLimiter: limiter() }), [{ status: 503, code: 'ServiceUnavailable' }, { status: 404, code: 'NoSuchEntity' }]);
    const err = await lost.client.send(new GetRoleCommand({ RoleName: 'r' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'NoSuchEntityException', $metadata: { attempts: 2 } });
    expect(hadUnansweredAttempt(err)).toBe(true);
  });

  it('every client the factory builds has its own strategy, for its attempts', async () => {
    const aws = new AwsClients({ endpoint: 'http://127.0.0.1:1', maxAttempts: 4 });
    const strategyOf = async (c: unknown) => (c as { config: { retryStrategy: () => Promise<unknown> } }).config.retryStrategy();
    const [iam, s3, iam2] = [await aws.get('iam', 'us-east-1'), await aws.get('s3', 'us-east-1'), await aws.get('iam', 'us-east-1', { maxAttempts: 2 })];
    const [a, b, c] = await Promise.all([strategyOf(iam), strategyOf(s3), strategyOf(iam2)]);
    expect(a).toBeInstanceOf(NovaRetryStrategy);
    expect(a).not.toBe(b);
    expect((a as NovaRetryStrategy).maxAttempts).toBe(4);
    expect((c as NovaRetryStrategy).maxAttempts).toBe(2);
    expect((c as NovaRetryStrategy).throttlingAttempts).toBe(THROTTLING_ATTEMPTS);
    await aws.destroy();
  });
});
