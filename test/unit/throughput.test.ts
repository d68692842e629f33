import { setImmediate as realSetImmediate } from 'node:timers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StartGate, STARTS_PER_TURN, Throughput } from '../../src/aws/throughput.js';

/** Resolves after the event loop has gone round once (a macrotask), whatever fake timers are installed. */
const nextTurn = () => new Promise<void>((r) => realSetImmediate(r));
/** Lets every pending microtask run. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('StartGate', () => {
  afterEach(() => vi.useRealTimers());

  it('lets the first `perTurn` callers through at once and the rest one group per turn of the loop, in the order they came', async () => {
    const gate = new StartGate(3);
    const order: number[] = [];
    const passes = Array.from({ length: 8 }, (_, i) => gate.pass().then(() => order.push(i)));
    await settle();
    expect(order).toEqual([0, 1, 2]);
    await nextTurn();
    await settle();
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    await nextTurn();
    await settle();
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await Promise.all(passes);
  });

  it('a new turn starts a new group: callers that come after the loop went round pass at once', async () => {
    const gate = new StartGate(2);
    await gate.pass();
    await gate.pass();
    await nextTurn();
    let passed = false;
    void gate.pass().then(() => (passed = true));
    await settle();
    expect(passed).toBe(true);
  });

  it('refuses a group of fewer than one (it would never let anyone through)', () => {
    expect(() => new StartGate(0)).toThrow(RangeError);
    expect(() => new StartGate(1.5)).toThrow(RangeError);
  });

  it("goes on under a test's fake timers (it takes node:timers' own setImmediate)", async () => {
    vi.useFakeTimers({ toFake: ['setImmediate', 'setTimeout'] });
    const gate = new StartGate(1);
    const all = Promise.all([gate.pass(), gate.pass(), gate.pass()]);
    let done = false;
    void all.then(() => (done = true));
    for (let i = 0; i < 5 && !done; i++) {
      await nextTurn();
      await settle();
    }
    expect(done).toBe(true);
  });
});

describe('Throughput', () => {
  it(`starts at most ${STARTS_PER_TURN} operations in one turn of the event loop, over every lane, and all of them in the end`, async () => {
    const t = new Throughput({ a: { read: 64, write: 64 }, b: { read: 64, write: 64 } });
    let started = 0;
    const runs = Array.from({ length: 50 }, (_, i) =>
      t.run(i % 2 ? 'a' : 'b', i % 4 < 2 ? 'us-east-1' : 'us-west-2', 'read', async () => {
        started++;
        await nextTurn();
      }),
    );
    await settle();
    expect(started).toBe(STARTS_PER_TURN);
    await Promise.all(runs);
    expect(started).toBe(50);
  });

  it("still holds each lane to the table's bound", async () => {
    const t = new Throughput({ a: { read: 2, write: 1 } });
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        t.run('a', 'us-east-1', 'read', async () => {
          peak = Math.max(peak, ++inFlight);
          await nextTurn();
          inFlight--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });
});
