import type { EventBridgeClient, Target } from '@aws-sdk/client-eventbridge';
import { sdkPackage } from '../aws/sdk.js';
import { lastSegment, parseArn } from '../aws/arn.js';
import type { ResourceRef } from '../model.js';
import { describeOrGone, onResource, unlessGone, withoutMetadata } from './common.js';
import { allPages, DEFAULT_BUS, EVENTS_NOT_FOUND, EVENTS_PAGE, events, eventsTags, listEventBuses } from './events-common.js';
import { eventsEventBus } from './events-event-bus.js';
import { GONE, type LiveResource, type Listed, type ResourceHandler, type Steps } from './handler.js';

const sdk = () => sdkPackage('@aws-sdk/client-eventbridge');

/** RemoveTargets takes at most 10 ids per request (its API reference). */
const REMOVE_BATCH = 10;

/**
 * The bus a rule is on, from its ARN: `rule/<name>` is on the default bus, `rule/<bus>/<name>` on a
 * custom or partner bus (whose name may itself hold slashes; a rule name never does).
 */
export function ruleBus(arn: string): string {
  const resource = (parseArn(arn)?.resource ?? '').replace(/^rule\//, '');
  const i = resource.lastIndexOf('/');
  return i === -1 ? DEFAULT_BUS : resource.slice(0, i);
}

/** Where the rule's API calls go: its name and its bus. */
const onRule = (ref: Pick<ResourceRef, 'arn' | 'name'>) => ({ EventBusName: ruleBus(ref.arn), Rule: ref.name });

async function targetsOf(client: EventBridgeClient, ref: Pick<ResourceRef, 'arn' | 'name'>): Promise<Target[]> {
  const { ListTargetsByRuleCommand } = await sdk();
  return allPages(async (NextToken) => {
    const out = await client.send(new ListTargetsByRuleCommand({ ...onRule(ref), Limit: EVENTS_PAGE, NextToken }));
    return { NextToken: out.NextToken, items: out.Targets };
  });
}

async function describeRule(client: EventBridgeClient, ref: Pick<ResourceRef, 'arn' | 'name'>) {
  const { DescribeRuleCommand } = await sdk();
  const { EventBusName, Rule } = onRule(ref);
  return client.send(new DescribeRuleCommand({ Name: Rule, EventBusName }));
}

/**
 * What a rule uses: the custom bus it is on, its own role, each target's role, each target that is
 * an event bus (a rule that forwards to another bus), and each target that is a Lambda function (an
 * untagged rule still invoking a tagged function keeps it). The default bus is left out: it is never deleted.
 */
function usesOf(ref: Pick<ResourceRef, 'arn' | 'partition' | 'region' | 'account'>, roleArn: string | undefined, targets: readonly Target[]): string[] {
  const bus = ruleBus(ref.arn);
  const out = new Set<string>();
  if (bus !== DEFAULT_BUS) out.add(`arn:${ref.partition}:events:${ref.region}:${ref.account}:event-bus/${bus}`);
  if (roleArn) out.add(roleArn);
  for (const t of targets) {
    if (t.RoleArn) out.add(t.RoleArn);
    if (t.Arn && eventsEventBus.arnPattern.test(t.Arn)) out.add(t.Arn);
    // A function target may name a version or alias: the function itself is what is used.
    const fn = t.Arn ? /^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:[^:/]+/.exec(t.Arn)?.[0] : undefined;
    if (fn) out.add(fn);
  }
  return [...out];
}

/** The target ids describe read. */
function plannedTargets(r: LiveResource): string[] {
  return ((r.described.config.Targets ?? []) as readonly { Id?: string }[]).flatMap((t) => (t.Id ? [t.Id] : []));
}

/** Removes targets in batches of 10, each batch a step; a batch that fails for any id fails the delete. */
async function removeTargets(client: EventBridgeClient, r: LiveResource, ids: readonly string[], steps: Steps): Promise<void> {
  const { RemoveTargetsCommand } = await sdk();
  for (let i = 0; i < ids.length; i += REMOVE_BATCH) {
    const Ids = ids.slice(i, i + REMOVE_BATCH);
    const [only] = Ids;
    const step = {
      name: 'remove-targets',
      child: Ids.length === 1 && only ? { kind: 'target', id: only } : undefined,
      done: `removed ${Ids.length === 1 ? 'target' : 'targets'} ${Ids.join(', ')}`,
    };
    await steps.run(step, () =>
      // A rule deleted meanwhile has no targets left to remove.
      unlessGone(EVENTS_NOT_FOUND, async () => {
        const out = await client.send(new RemoveTargetsCommand({ ...onRule(r.ref), Ids }));
        const failed = out.FailedEntries ?? [];
        if ((out.FailedEntryCount ?? failed.length) > 0) {
          const first = failed[0];
          const what = failed.map((f) => f.TargetId ?? '?').join(', ');
          throw Object.assign(
            new Error(`${out.FailedEntryCount ?? failed.length} of ${Ids.length} targets could not be removed (${what}); first: ${first?.ErrorCode ?? 'Error'}: ${first?.ErrorMessage ?? ''}`),
            { name: 'RemoveTargetsFailed' },
          );
        }
      }),
    );
  }
}

/**
 * An EventBridge rule, on any bus. Its targets are removed first (DeleteRule refuses a rule that still
 * has targets), then DeleteRule. Rules managed by an AWS service (ManagedBy) are refused: that service
 * deletes them. A rule uses the custom bus it is on, so the bus is deleted after it, and kept when an
 * untagged rule stays on it.
 *
 * Tagging API: EventBridge tags rules and event buses, and AWS documents that GetResources supports all
 * resource types except IAM users and roles (Resource Groups Tagging API reference, "Services that
 * support the Resource Groups Tagging API"): rules are returned. moto's Tagging API does not return
 * them (moto-coverage.md): its end-to-end test runs with `--discovery both`.
 */
export const eventsRule: ResourceHandler = {
  type: 'events:rule',
  description: 'EventBridge rule on any bus (removes its targets, 10 at a time, then DeleteRule; refuses rules managed by an AWS service)',
  arnPattern: /^arn:[\w-]+:events:[\w-]+:\d{12}:rule\/(?:[/.\-\w]+\/)?[.\-\w]+$/,
  client: 'events',
  taggingApi: true,
  references: ['events:event-bus', 'iam:role', 'lambda:function'],
  notFound: EVENTS_NOT_FOUND,
  reads: ['ListEventBuses', 'ListRules', 'DescribeRule', 'ListTargetsByRule', 'ListTagsForResource'],
  nameOf: (arn) => lastSegment(parseArn(arn)?.resource ?? arn),

  /** Every rule of every bus of the region. ListRules gives no targets: what a rule uses is read with readUses. */
  async list(ctx, region) {
    const { ListRulesCommand } = await sdk();
    const client = await events(ctx, region);
    const buses = (await listEventBuses(client)).flatMap((b) => (b.Name ? [b.Name] : []));
    const perBus = await Promise.all(
      buses.map((EventBusName) =>
        allPages(async (NextToken) => {
          const out = await client.send(new ListRulesCommand({ EventBusName, Limit: EVENTS_PAGE, NextToken }));
          return { NextToken: out.NextToken, items: out.Rules };
        }),
      ),
    );
    return perBus.flat().flatMap((rule): Listed[] => (rule.Arn ? [{ arn: rule.Arn }] : []));
  },

  /** DescribeRule (its role) and ListTargetsByRule (its targets' roles and buses), at once. */
  async readUses(ref, ctx) {
    const client = await events(ctx, ref.region);
    const read = await describeOrGone(EVENTS_NOT_FOUND, () => Promise.all([describeRule(client, ref), targetsOf(client, ref)]));
    if (read === GONE) return GONE;
    const [rule, targets] = read;
    return usesOf(ref, rule.RoleArn, targets);
  },

  async describe(ref, ctx, hint) {
    const client = await events(ctx, ref.region);
    const rule = await describeOrGone(EVENTS_NOT_FOUND, () => describeRule(client, ref));
    if (rule === GONE) return GONE;
    // A not-found here is a rule deleted since DescribeRule.
    const more = await describeOrGone(EVENTS_NOT_FOUND, () => Promise.all([hint?.tags ?? eventsTags(client, ref.arn), targetsOf(client, ref)]));
    if (more === GONE) return GONE;
    const [tags, targets] = more;
    return {
      tags,
      // EventPattern stays the text EventBridge returned: PutRule takes it back as it is.
      config: { ...withoutMetadata(rule), Targets: targets },
      uses: usesOf(ref, rule.RoleArn, targets),
    };
  },

  protect(r) {
    const managedBy = (r.described.config as { ManagedBy?: string }).ManagedBy;
    return managedBy ? `a managed rule of ${managedBy}: that service created it and deletes it` : undefined;
  },

  children: (r) => plannedTargets(r).map((id) => ({ kind: 'target', id })),

  deleteActions: { tagged: ['events:ListTagsForResource', 'events:ListTargetsByRule', 'events:RemoveTargets', 'events:DeleteRule'] },
  actions(r) {
    const arn = r.ref.arn;
    return [
      // The re-check, and the re-list of targets before the delete.
      ...onResource(arn, ['events:ListTagsForResource', 'events:ListTargetsByRule']),
      ...(plannedTargets(r).length > 0 ? onResource(arn, ['events:RemoveTargets']) : []),
      ...onResource(arn, ['events:DeleteRule']),
    ];
  },

  async currentTags(ref, ctx) {
    const client = await events(ctx, ref.region);
    return describeOrGone(EVENTS_NOT_FOUND, () => eventsTags(client, ref.arn));
  },

  /**
   * Removes the planned targets and any added since (DeleteRule refuses a rule that has targets), then
   * DeleteRule.
   */
  async delete(r, ctx, steps) {
    const { DeleteRuleCommand } = await sdk();
    const client = await events(ctx, r.ref.region);
    const now = await describeOrGone(EVENTS_NOT_FOUND, () => targetsOf(client, r.ref));
    const listed = now === GONE ? [] : now.flatMap((t) => (t.Id ? [t.Id] : []));
    await removeTargets(client, r, [...new Set([...plannedTargets(r), ...listed])], steps);
    const { EventBusName, Rule } = onRule(r.ref);
    await steps.run({ name: 'delete', done: `deleted rule ${Rule}` }, () => client.send(new DeleteRuleCommand({ Name: Rule, EventBusName })));
  },
};
