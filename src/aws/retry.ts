import { AdaptiveRetryStrategy, ConfiguredRetryStrategy, DefaultRateLimiter, type StandardRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryStrategyV2, StandardRetryToken } from '@smithy/types';
import { UNANSWERED_ATTEMPT } from './errors.js';

/**
 * How many attempts a throttled call gets (never fewer than the client's maxAttempts). With a share p of
 * attempts throttled, a call is lost with probability p^N: at 60%, 30 attempts lose one call in 4.6
 * million (a run of 500 calls, one in 9,000); 20 would lose one run in 55.
 */
export const THROTTLING_ATTEMPTS = 30;

/**
 * The backoff before a throttled call's next attempt: full jitter, `random() * min(base * 2^retry, cap)`
 * (the SDK's formula, with a shorter cap than its 20 s). The rate limiter already holds every attempt
 * of a throttled client to its rate; the backoff only spreads the retries of calls throttled together,
 * and a long one would leave a run idle behind its unluckiest call.
 */
export const THROTTLING_BACKOFF = { baseMs: 250, capMs: 2_000 } as const;

/**
 * The adaptive rate limiter's floor, in requests a second per client, once throttling has switched it
 * on (the SDK's default floor is 0.5 a second: a client throttled early, before it has measured its own
 * rate, is held to it for the rest of the run). The throughput table (src/aws/throughput.ts) bounds the
 * calls in flight besides.
 */
export const MIN_SEND_RATE = 5;

export interface RetryOptions {
  /** Attempts for every retryable error that is not throttling (5xx, timeouts, dropped connections, settling errors). */
  readonly maxAttempts: number;
  /** Attempts for throttling errors; default {@link THROTTLING_ATTEMPTS} (never fewer than maxAttempts). */
  readonly throttlingAttempts?: number;
  /** The client's rate limiter; default the SDK's {@link DefaultRateLimiter} with the floor {@link MIN_SEND_RATE}. */
  readonly rateLimiter?: Pick<DefaultRateLimiter, 'getSendToken' | 'updateClientSendingRate'>;
}

/**
 * One client's retry strategy, made of the SDK's own parts (no loop of ours: the SDK's retry middleware
 * asks this strategy before each retry and waits the delay it returns):
 *
 * - one {@link DefaultRateLimiter} per client: the adaptive mode's client-side rate limit, which every
 *   attempt waits for and every throttling answer lowers (and every success raises again);
 * - throttling errors: a {@link ConfiguredRetryStrategy} (the SDK's {@link StandardRetryStrategy} with
 *   the backoff {@link THROTTLING_BACKOFF}) of `throttlingAttempts` for each call. Its retry quota belongs to that call
 *   alone, so throttling never drains the client's quota: under sustained throttling (60% of calls) a
 *   shared quota empties and the SDK stops retrying altogether, turning a slow run into a failed one.
 *   The rate limiter is what slows a throttled client down;
 * - every other retryable error (5xx, timeouts, dropped connections, the errors `clients.ts` marks as
 *   settling): the SDK's {@link AdaptiveRetryStrategy} of `maxAttempts`, with the client's shared retry
 *   quota, the circuit breaker that stops retrying a service that keeps failing.
 *
 * Attempts are counted per call across both kinds: a call is retried while it has made fewer than
 * `maxAttempts` attempts (other errors) or `throttlingAttempts` attempts (throttling).
 *
 * A call's final error is marked (see `hadUnansweredAttempt` in errors.ts) when an earlier attempt of it
 * ended without a clear answer (a dropped connection, a timeout, a 5xx): that attempt may have taken
 * effect, so a delete whose retry says "not found" is re-read, and counted as deleted, not as failed.
 */
export class NovaRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'adaptive';
  readonly maxAttempts: number;
  readonly throttlingAttempts: number;
  private readonly rateLimiter: NonNullable<RetryOptions['rateLimiter']>;
  private readonly others: AdaptiveRetryStrategy;
  /** The per-call throttling strategy, by the tokens of that call. */
  private readonly throttled = new WeakMap<StandardRetryToken, StandardRetryStrategy>();
  /** For a token issued on a throttling retry: the last token the shared strategy issued for that call. */
  private readonly shared = new WeakMap<StandardRetryToken, StandardRetryToken>();
  /** The tokens of calls an earlier attempt of which went unanswered (transient or server error). */
  private readonly unanswered = new WeakSet<StandardRetryToken>();

  constructor(options: RetryOptions) {
    this.maxAttempts = options.maxAttempts;
    this.throttlingAttempts = Math.max(options.throttlingAttempts ?? THROTTLING_ATTEMPTS, options.maxAttempts);
    this.rateLimiter = options.rateLimiter ?? new DefaultRateLimiter({ minFillRate: MIN_SEND_RATE, minCapacity: MIN_SEND_RATE });
    this.others = new AdaptiveRetryStrategy(this.maxAttempts, { maxAttempts: this.maxAttempts, rateLimiter: this.rateLimiter });
  }

  /** Waits for the rate limiter (once throttling has switched it on). */
  acquireInitialRetryToken(scope: string): Promise<StandardRetryToken> {
    return this.others.acquireInitialRetryToken(scope) as Promise<StandardRetryToken>;
  }

  /** Called by the SDK's retry middleware after every failed attempt; a refusal (a throw) ends the call with `info.error`. */
  async refreshRetryTokenForRetry(token: StandardRetryToken, info: RetryErrorInfo): Promise<StandardRetryToken> {
    let next: StandardRetryToken;
    try {
      next = await this.refresh(token, info);
    } catch (refusal) {
      if (this.unanswered.has(token) && info.error && !(UNANSWERED_ATTEMPT in info.error)) Object.defineProperty(info.error, UNANSWERED_ATTEMPT, { value: true, enumerable: false });
      throw refusal;
    }
    if (this.unanswered.has(token) || info.errorType === 'TRANSIENT' || info.errorType === 'SERVER_ERROR') this.unanswered.add(next);
    return next;
  }

  private async refresh(token: StandardRetryToken, info: RetryErrorInfo): Promise<StandardRetryToken> {
    if (info.errorType !== 'THROTTLING' && !slowDown(info)) {
      const next = (await this.others.refreshRetryTokenForRetry(token, info)) as StandardRetryToken;
      const own = this.throttled.get(token);
      if (own) this.throttled.set(next, own);
      return next;
    }
    this.rateLimiter.updateClientSendingRate(info);
    const own = this.throttled.get(token) ?? new ConfiguredRetryStrategy(this.throttlingAttempts, throttlingDelay);
    const next = await own.refreshRetryTokenForRetry(token, info);
    this.throttled.set(next, own);
    this.shared.set(next, this.shared.get(token) ?? token);
    await this.rateLimiter.getSendToken();
    return next;
  }

  /**
   * Raises the rate limit again and refills the shared quota as the SDK does, with the token the shared
   * strategy issued last: a throttling retry's cost was never taken from it, so it is not given back.
   */
  recordSuccess(token: StandardRetryToken): void {
    this.others.recordSuccess(this.shared.get(token) ?? token);
  }
}

/**
 * A 503 is how S3 says SlowDown, and an answer to a HEAD request has no body to name it: the SDK then sees
 * only the status (UnknownError, a server error). Any 503 is asked to come back later, so it gets the
 * throttling budget too.
 */
function slowDown(info: RetryErrorInfo): boolean {
  return (info.error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode === 503;
}

/** The delay before the `retry`-th retry of a throttled call. */
export function throttlingDelay(retry: number): number {
  return Math.floor(Math.random() * Math.min(THROTTLING_BACKOFF.baseMs * 2 ** retry, THROTTLING_BACKOFF.capMs));
}

/** The strategy one client is built with (`retryStrategy` in its config). */
export function retryStrategy(maxAttempts: number): NovaRetryStrategy {
  return new NovaRetryStrategy({ maxAttempts });
}
