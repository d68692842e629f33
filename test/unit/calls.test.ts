import { describe, expect, it } from 'vitest';
import { CallLog, countCalls, isThrottle, type CallEvent } from '../../src/aws/calls.js';
import { awsError } from '../helpers/context.js';

type Mw = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>;

/** A middleware stack as the SDK runs it: initialize once per call, deserialize once per attempt (inside the retry loop). */
function fakeClient(log: CallLog, answers: (() => Promise<unknown>)[]) {
  const mws: Record<string, Mw> = {};
  countCalls({ add: (mw, o) => void (mws[o.step] = mw as Mw) }, log, 'sagemaker', 'us-east-1');
  return (commandName: string, attempts: number) => {
    const context = { commandName };
    const perAttempt = mws.deserialize!(() => (answers.shift() ?? (() => Promise.resolve({ response: { statusCode: 200 } })))(), context);
    const retrying = async (args: unknown) => {
      let last: unknown;
      for (let i = 0; i < attempts; i++) {
        try {
          return await perAttempt(args);
        } catch (err) {
          last = err;
        }
      }
      throw last;
    };
    return mws.initialize!(retrying, context)({});
  };
}

describe('CallLog', () => {
  it('counts each call once, its retries and its throttled attempts, per operation', async () => {
    const log = new CallLog();
    const seen: CallEvent[] = [];
    log.onAttempt((e) => seen.push(e));
    const throttled = () => Promise.reject(Object.assign(awsError('ThrottlingException', 'Rate exceeded'), { $metadata: { httpStatusCode: 400 } }));
    const send = fakeClient(log, [throttled, throttled]);
    await send('ListEndpointsCommand', 3);
    await send('ListEndpointsCommand', 1);
    await send('DescribeEndpointCommand', 1);
    expect(log.totals()).toEqual({ calls: 3, retries: 2, throttled: 2, byOperation: { 'sagemaker:DescribeEndpoint': 1, 'sagemaker:ListEndpoints': 2 } });
    expect(seen.map((e) => [e.operation, e.attempt, e.error ?? 'ok'])).toEqual([
      ['ListEndpoints', 1, 'ThrottlingException'],
      ['ListEndpoints', 2, 'ThrottlingException'],
      ['ListEndpoints', 3, 'ok'],
      ['ListEndpoints', 1, 'ok'],
      ['DescribeEndpoint', 1, 'ok'],
    ]);
    expect(seen[2]).toMatchObject({ service: 'sagemaker', region: 'us-east-1', status: 200, throttled: false });
  });

  it('a failed call is counted, and its error passes through unchanged', async () => {
    const log = new CallLog();
    const denied = awsError('AccessDeniedException', 'no');
    const send = fakeClient(log, [() => Promise.reject(denied)]);
    await expect(send('DeleteModelCommand', 1)).rejects.toBe(denied);
    expect(log.totals()).toMatchObject({ calls: 1, retries: 0, throttled: 0 });
  });

  it('knows throttling by name and by HTTP 429', () => {
    expect(isThrottle(awsError('SlowDown'))).toBe(true);
    expect(isThrottle(Object.assign(new Error('x'), { name: 'Unknown', $metadata: { httpStatusCode: 429 } }))).toBe(true);
    expect(isThrottle(awsError('ValidationException'))).toBe(false);
  });
});
