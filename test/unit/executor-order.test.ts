import { describe, expect, it } from 'vitest';
import { Throughput } from '../../src/aws/throughput.js';
import { execute } from '../../src/execute/executor.js';
import { chainLengths, layer } from '../../src/plan/document.js';
import { testContext } from '../helpers/context.js';
import { DEFAULT_FILTERS, fakeHandler, planNode } from '../helpers/fakes.js';

const arn = (kind: string, name: string) => `arn:aws:fake:us-east-1:123456789012:${kind}/${name}`;
const EP = arn('endpoint', 'ep');
const CFG = arn('config', 'cfg');
const MODEL = arn('model', 'm');
const LONE = arn('alone', 'lone');

describe('the longest chain starts first', () => {
  it('chainLengths: each item heads itself and the longest chain of what it uses in the set', () => {
    const items = layer([planNode(LONE, 'fake:alone'), planNode(MODEL, 'fake:model'), planNode(CFG, 'fake:config', [MODEL]), planNode(EP, 'fake:endpoint', [CFG, 'arn:aws:iam::123456789012:role/not-in-set'])]);
    const length = chainLengths(items);
    expect(Object.fromEntries([...length].map(([k, v]) => [k.split(':').at(-1), v]))).toEqual({ 'alone/lone': 1, 'model/m': 1, 'config/cfg': 2, 'endpoint/ep': 3 });
  });

  it('with one delete at a time in a lane, the endpoint goes before something nothing uses, which sorts first', async () => {
    const order: string[] = [];
    const onDelete = (r: { ref: { arn: string } }) => void order.push(r.ref.arn);
    const handlers = [fakeHandler({ type: 'fake:alone', onDelete }), fakeHandler({ type: 'fake:endpoint', onDelete }), fakeHandler({ type: 'fake:config', onDelete }), fakeHandler({ type: 'fake:model', onDelete })];
    const items = layer([planNode(LONE, 'fake:alone'), planNode(MODEL, 'fake:model'), planNode(CFG, 'fake:config', [MODEL]), planNode(EP, 'fake:endpoint', [CFG])]);
    // every fake type shares the `fake` lane: one write at a time
    const out = await execute(items, {
      handlerFor: (t) => handlers.find((h) => h.type === t)!,
      ctx: testContext(),
      throughput: new Throughput({ default: { read: 1, write: 1 } }),
      filters: DEFAULT_FILTERS,
    });
    expect(out.map((o) => o.status)).toEqual(['deleted', 'deleted', 'deleted', 'deleted']);
    expect(out.map((o) => o.arn)).toEqual(items.map((i) => i.ref.arn));
    expect(order[0]).toBe(EP);
    expect(order.indexOf(EP)).toBeLessThan(order.indexOf(LONE));
  });
});
