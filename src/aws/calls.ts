import type { CallTotals } from '../model.js';
import { isErrorNamed } from './errors.js';

/** The error names AWS services throttle with (aws-semantics.md §4.2), as the SDK reports them. */
const THROTTLES = [
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
  'TransactionInProgressException',
];

/** One attempt at one operation, as `--debug` logs it. */
export interface CallEvent {
  readonly service: string;
  readonly operation: string;
  readonly region: string;
  /** 1 for the first attempt; the SDK's retry strategy makes the others. */
  readonly attempt: number;
  readonly ms: number;
  /** The HTTP status, when there was an answer. */
  readonly status?: number | undefined;
  /** The error name, when the attempt failed. */
  readonly error?: string | undefined;
  readonly throttled: boolean;
}

/**
 * Counts every AWS call of a run, through two middlewares each client gets: one per call (initialize
 * step) and one per attempt (deserialize step, inside the SDK's retry loop). Listeners (`--debug`) see
 * each attempt.
 */
export class CallLog {
  private calls = 0;
  private attempts = 0;
  private throttled = 0;
  private readonly ops = new Map<string, number>();
  private readonly listeners: ((e: CallEvent) => void)[] = [];

  onAttempt(listener: (e: CallEvent) => void): void {
    this.listeners.push(listener);
  }

  call(service: string, operation: string): void {
    this.calls += 1;
    const key = `${service}:${operation}`;
    this.ops.set(key, (this.ops.get(key) ?? 0) + 1);
  }

  attempt(e: CallEvent): void {
    this.attempts += 1;
    if (e.throttled) this.throttled += 1;
    for (const l of this.listeners) l(e);
  }

  totals(): CallTotals {
    const byOperation: Record<string, number> = {};
    for (const k of [...this.ops.keys()].sort()) byOperation[k] = this.ops.get(k) as number;
    return { calls: this.calls, retries: Math.max(0, this.attempts - this.calls), throttled: this.throttled, byOperation };
  }
}

export const isThrottle = (err: unknown): boolean => isErrorNamed(err, ...THROTTLES) || (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 429;

interface StackLike {
  add(mw: unknown, opts: { step: 'initialize' | 'deserialize'; name: string; priority?: 'high' | 'low' }): void;
}

/** Adds the counting middlewares to one client's stack. */
export function countCalls(stack: StackLike, log: CallLog, service: string, region: string): void {
  stack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
      log.call(service, (context.commandName ?? 'Unknown').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'novaCleanupCountCalls', priority: 'low' },
  );
  stack.add(
    (next: (args: unknown) => Promise<{ response?: { statusCode?: number } }>, context: { commandName?: string }) => {
      let attempt = 0;
      return async (args: unknown) => {
        attempt += 1;
        const started = performance.now();
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        try {
          const out = await next(args);
          log.attempt({ service, operation, region, attempt, ms: performance.now() - started, status: out.response?.statusCode, throttled: false });
          return out;
        } catch (err) {
          const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
          log.attempt({ service, operation, region, attempt, ms: performance.now() - started, status: e.$metadata?.httpStatusCode, error: e.name ?? 'Error', throttled: isThrottle(err) });
          throw err;
        }
      };
    },
    // Outermost in its step: it sees the deserializer's verdict (an error answer is an error), per attempt.
    { step: 'deserialize', name: 'novaCleanupCountAttempts', priority: 'high' },
  );
}
