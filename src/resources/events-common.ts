import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { sdkPackage } from '../aws/sdk.js';
import type { Tags } from '../model.js';
import { tagListToRecord } from '../tags.js';
import type { HandlerContext } from './handler.js';

/** What the EventBridge types (event buses, rules) share; this file is not a type. */

const sdk = () => sdkPackage('@aws-sdk/client-eventbridge');

/** EventBridge's not-found, for buses and rules alike (its reads and deletes). */
export const EVENTS_NOT_FOUND = ['ResourceNotFoundException'];
/** The maximum `Limit` of ListEventBuses, ListRules and ListTargetsByRule. */
export const EVENTS_PAGE = 100;
/** The bus every account has in every region: never deleted. */
export const DEFAULT_BUS = 'default';

export const events = (ctx: HandlerContext, region: string): Promise<EventBridgeClient> => ctx.aws.get('events', region);

/**
 * Every page of an EventBridge list call (the SDK has no paginators for EventBridge): `call` gets the
 * NextToken of the previous page, undefined for the first.
 */
export async function allPages<T>(call: (NextToken: string | undefined) => Promise<{ NextToken?: string | undefined; items?: readonly T[] | undefined }>): Promise<T[]> {
  const out: T[] = [];
  let NextToken: string | undefined;
  do {
    const page = await call(NextToken);
    out.push(...(page.items ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

/** The event buses of a region, every page (the default bus, custom and partner buses). */
export async function listEventBuses(client: EventBridgeClient) {
  const { ListEventBusesCommand } = await sdk();
  return allPages(async (NextToken) => {
    const out = await client.send(new ListEventBusesCommand({ Limit: EVENTS_PAGE, NextToken }));
    return { NextToken: out.NextToken, items: out.EventBuses };
  });
}

/** Live tags of an EventBridge rule or bus (ListTagsForResource on its ARN). */
export async function eventsTags(client: EventBridgeClient, ResourceARN: string): Promise<Tags> {
  const { ListTagsForResourceCommand } = await sdk();
  return tagListToRecord((await client.send(new ListTagsForResourceCommand({ ResourceARN }))).Tags);
}
