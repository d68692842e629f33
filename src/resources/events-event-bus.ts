import { sdkPackage } from '../aws/sdk.js';
import { parseArn } from '../aws/arn.js';
import type { ResourceRef } from '../model.js';
import { describeOrGone, onResource, parseDocument, withoutMetadata } from './common.js';
import { DEFAULT_BUS, EVENTS_NOT_FOUND, events, eventsTags, listEventBuses } from './events-common.js';
import { GONE, type Listed, type ResourceHandler } from './handler.js';

const sdk = () => sdkPackage('@aws-sdk/client-eventbridge');

/** The bus name in an `event-bus/<name>` ARN (partner buses have slashes: `aws.partner/…`). */
const busName = (arn: string): string => (parseArn(arn)?.resource ?? arn).replace(/^event-bus\//, '');

/** Every IAM action its delete needs, whatever its state: all on the resource itself. */
const ACTIONS = ['events:ListTagsForResource', 'events:DeleteEventBus'];

/**
 * An EventBridge event bus (custom or partner). The account's default bus is never deleted. DeleteEventBus
 * wants the bus's rules deleted first: they are resources of their own (events:rule), each of which uses
 * its bus, so the tagged ones go before it and an untagged one keeps it (in use).
 *
 * Tagging API: EventBridge tags rules and event buses, and AWS documents that GetResources supports all
 * resource types except IAM users and roles (Resource Groups Tagging API reference, "Services that
 * support the Resource Groups Tagging API"): buses are returned. moto's Tagging API returns them too.
 */
export const eventsEventBus: ResourceHandler = {
  type: 'events:event-bus',
  description: 'EventBridge event bus, custom or partner (after the rules on it; never the default bus), DeleteEventBus',
  arnPattern: /^arn:[\w-]+:events:[\w-]+:\d{12}:event-bus\/[/.\-\w]+$/,
  client: 'events',
  taggingApi: true,
  references: [],
  notFound: EVENTS_NOT_FOUND,
  reads: ['ListEventBuses', 'DescribeEventBus', 'ListTagsForResource'],
  nameOf: busName,

  async list(ctx, region) {
    const buses = await listEventBuses(await events(ctx, region));
    return buses.flatMap((b): Listed[] => (b.Arn ? [{ arn: b.Arn }] : []));
  },

  async describe(ref, ctx, hint) {
    const { DescribeEventBusCommand } = await sdk();
    const client = await events(ctx, ref.region);
    const bus = await describeOrGone(EVENTS_NOT_FOUND, () => client.send(new DescribeEventBusCommand({ Name: ref.name })));
    if (bus === GONE) return GONE;
    // A not-found here is a bus deleted since DescribeEventBus.
    const tags = hint?.tags ?? (await describeOrGone(EVENTS_NOT_FOUND, () => eventsTags(client, ref.arn)));
    if (tags === GONE) return GONE;
    return {
      tags,
      config: { ...withoutMetadata(bus), Policy: parseDocument(bus.Policy) },
      // Its KMS key and dead-letter queue are not types of this tool; its rules use it, not the reverse.
      uses: [],
    };
  },

  protect: (r) => (r.ref.name === DEFAULT_BUS ? "the account's default event bus" : undefined),

  deleteActions: { tagged: ACTIONS },
  actions: (r) => onResource(r.ref.arn, ACTIONS),

  async currentTags(ref: ResourceRef, ctx) {
    const client = await events(ctx, ref.region);
    return describeOrGone(EVENTS_NOT_FOUND, () => eventsTags(client, ref.arn));
  },

  async delete(r, ctx, steps) {
    const { DeleteEventBusCommand } = await sdk();
    const client = await events(ctx, r.ref.region);
    await steps.run({ name: 'delete', done: `deleted event bus ${r.ref.name}` }, () => client.send(new DeleteEventBusCommand({ Name: r.ref.name })));
  },
};
