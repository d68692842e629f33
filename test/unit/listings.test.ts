import { describe, expect, it } from 'vitest';
import { Throughput } from '../../src/aws/throughput.js';
import { Listings } from '../../src/discovery/listings.js';
import { testContext } from '../helpers/context.js';
import { fakeHandler } from '../helpers/fakes.js';

describe('Listings', () => {
  it('reads each listing once; peek gives one already started and never starts one', async () => {
    const fn = fakeHandler({ type: 'lambda:function', list: { 'us-east-1': [{ arn: 'arn:aws:lambda:us-east-1:123456789012:function/a' }] } });
    const listings = new Listings(testContext(), new Throughput());
    expect(listings.peek('lambda:function', 'us-east-1')).toBeUndefined();
    expect(fn.calls.filter((c) => c.method === 'list')).toEqual([]);

    const first = listings.list(fn, 'us-east-1');
    expect(listings.peek('lambda:function', 'us-east-1')).toBe(first);
    expect(listings.peek('lambda:function', 'us-west-2')).toBeUndefined();
    expect(await listings.list(fn, 'us-east-1')).toEqual([{ arn: 'arn:aws:lambda:us-east-1:123456789012:function/a' }]);
    expect(fn.calls.filter((c) => c.method === 'list' && c.phase === 'start')).toHaveLength(1);
    expect(listings.started).toBe(1);
  });
});
