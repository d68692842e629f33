import { DeleteEventBusCommand, DescribeEventBusCommand, EventBridgeClient, ListEventBusesCommand, ListTagsForResourceCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventsEventBus as handler } from '../../../src/resources/events-event-bus.js';
import { GONE, type Described } from '../../../src/resources/handler.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const eb = mockClient(EventBridgeClient);
const ARN = 'arn:aws:events:us-east-1:123456789012:event-bus/nova-bus';
const DEFAULT = 'arn:aws:events:us-east-1:123456789012:event-bus/default';
const PARTNER = 'arn:aws:events:us-east-1:123456789012:event-bus/aws.partner/example.com/123/nova';
const ref = (arn = ARN) => refFor(handler, arn);
const ctx = () => testContext();
const live = (arn = ARN, described: Partial<Described> = {}) => liveFor(handler, arn, described);
const notFound = () => awsError('ResourceNotFoundException', 'Event bus nova-bus does not exist.');
const commandOrder = () => eb.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

describe('events:event-bus', () => {
  beforeEach(() => eb.reset());

  it('owns custom and partner bus ARNs, not rules, and declares itself', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(DEFAULT)).toBe(true);
    expect(handler.arnPattern.test(PARTNER)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:events:us-east-1:123456789012:rule/nova-bus/r1')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:events:us-east-1:123456789012:archive/nova')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-bus');
    expect(handler.nameOf(PARTNER)).toBe('aws.partner/example.com/123/nova');
    expect(handler.client).toBe('events');
    expect(handler.references).toEqual([]);
    expect(handler.notFound).toEqual(['ResourceNotFoundException']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  it('lists every bus of the region, 100 a page, all pages', async () => {
    eb.on(ListEventBusesCommand)
      .resolvesOnce({ EventBuses: [{ Name: 'default', Arn: DEFAULT }, { Name: 'nova-bus', Arn: ARN }], NextToken: 'p2' })
      .resolvesOnce({ EventBuses: [{ Name: 'no-arn' }, { Name: 'aws.partner/example.com/123/nova', Arn: PARTNER }] });
    expect(await handler.list(ctx(), 'eu-west-1')).toEqual([{ arn: DEFAULT }, { arn: ARN }, { arn: PARTNER }]);
    expect(eb).toHaveReceivedNthSpecificCommandWith(1, ListEventBusesCommand, { Limit: 100 });
    expect(eb).toHaveReceivedNthSpecificCommandWith(2, ListEventBusesCommand, { Limit: 100, NextToken: 'p2' });
    expect(await eb.call(0).thisValue.config.region()).toBe('eu-west-1');
  });

  describe('describe', () => {
    it('reads the bus, its policy as a document, and its tags', async () => {
      eb.on(DescribeEventBusCommand, { Name: 'nova-bus' }).resolves({
        Name: 'nova-bus',
        Arn: ARN,
        Description: 'pipeline events',
        Policy: '{"Version":"2012-10-17","Statement":[{"Sid":"allow-account"}]}',
        $metadata: {},
      });
      eb.on(ListTagsForResourceCommand, { ResourceARN: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([]);
      expect(d.config).toEqual({ Name: 'nova-bus', Arn: ARN, Description: 'pipeline events', Policy: { Version: '2012-10-17', Statement: [{ Sid: 'allow-account' }] } });
    });

    it('uses the tags discovery read, and records no policy as null', async () => {
      eb.on(DescribeEventBusCommand).resolves({ Name: 'nova-bus', Arn: ARN });
      const d = await handler.describe(ref(), ctx(), { tags: { project: 'nova' } });
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.config.Policy).toBeNull();
      expect(commandOrder()).toEqual(['DescribeEventBus']);
    });

    it('reports a bus that no longer exists as gone, also when it vanishes between the reads', async () => {
      eb.on(DescribeEventBusCommand).rejects(notFound());
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
      expect(commandOrder()).toEqual(['DescribeEventBus']);
      eb.reset();
      eb.on(DescribeEventBusCommand).resolves({ Name: 'nova-bus' });
      eb.on(ListTagsForResourceCommand).rejects(notFound());
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
    });

    it('does not take a throttle or a denial for gone', async () => {
      eb.on(DescribeEventBusCommand).rejects(awsError('ThrottlingException', 'Rate exceeded', 400));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('Rate exceeded');
      eb.on(DescribeEventBusCommand).resolves({ Name: 'nova-bus' });
      eb.on(ListTagsForResourceCommand).rejects(awsError('AccessDeniedException', 'not allowed: events:ListTagsForResource', 403));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('events:ListTagsForResource');
    });
  });

  it('never deletes the default bus; custom and partner buses are not protected', () => {
    expect(handler.protect?.(live(DEFAULT), {})).toBe("the account's default event bus");
    expect(handler.protect?.(live(ARN), {})).toBeUndefined();
    expect(handler.protect?.(live(PARTNER), {})).toBeUndefined();
  });

  it('needs ListTagsForResource and DeleteEventBus on the bus', () => {
    expect(handler.actions(live())).toEqual([
      { action: 'events:ListTagsForResource', resource: ARN },
      { action: 'events:DeleteEventBus', resource: ARN },
    ]);
    expect(handler.children).toBeUndefined();
  });

  it('reads current tags with ListTagsForResource; gone when the bus is', async () => {
    eb.on(ListTagsForResourceCommand, { ResourceARN: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }, { Key: 'team', Value: 'ml' }] });
    expect(await handler.currentTags(ref(), ctx())).toEqual({ project: 'nova', team: 'ml' });
    eb.on(ListTagsForResourceCommand).resolves({});
    expect(await handler.currentTags(ref(), ctx())).toEqual({});
    eb.on(ListTagsForResourceCommand).rejects(notFound());
    expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
  });

  describe('delete', () => {
    it('deletes the bus by name in one step', async () => {
      eb.on(DeleteEventBusCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(live(PARTNER), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete', done: 'deleted event bus aws.partner/example.com/123/nova' }]);
      expect(eb).toHaveReceivedCommandWith(DeleteEventBusCommand, { Name: 'aws.partner/example.com/123/nova' });
      expect(commandOrder()).toEqual(['DeleteEventBus']);
    });

    it('sends nothing when the step is stopped', async () => {
      const steps = recordingSteps({ stopAt: 'delete' });
      await expect(handler.delete(live(), ctx(), steps)).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(eb.calls()).toHaveLength(0);
    });

    it('leaves not-found on the delete to the core', async () => {
      eb.on(DeleteEventBusCommand).rejects(notFound());
      await expect(handler.delete(live(), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    });
  });

  it('declares every operation its reads send, and nothing mutating', async () => {
    eb.on(ListEventBusesCommand).resolves({ EventBuses: [{ Name: 'nova-bus', Arn: ARN }] });
    eb.on(DescribeEventBusCommand).resolves({ Name: 'nova-bus' });
    eb.on(ListTagsForResourceCommand).resolves({});
    await handler.list(ctx(), 'us-east-1');
    await handler.describe(ref(), ctx());
    await handler.currentTags(ref(), ctx());
    const sent = new Set(commandOrder());
    expect(sent).toEqual(new Set(['ListEventBuses', 'DescribeEventBus', 'ListTagsForResource']));
    for (const op of sent) expect(handler.reads).toContain(op);
    expect(handler.reads.filter((op) => /^(Delete|Remove|Put|Create|Tag|Untag|Update)/.test(op))).toEqual([]);
  });
});
