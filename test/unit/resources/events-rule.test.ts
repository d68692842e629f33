import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventsRule as handler, ruleBus } from '../../../src/resources/events-rule.js';
import { GONE, type Described } from '../../../src/resources/handler.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const eb = mockClient(EventBridgeClient);
const ACCOUNT = 'arn:aws:events:us-east-1:123456789012';
const ARN = `${ACCOUNT}:rule/nova-bus/nova-rule`;
const ON_DEFAULT = `${ACCOUNT}:rule/nova-nightly`;
const ON_PARTNER = `${ACCOUNT}:rule/aws.partner/example.com/123/nova/partner-rule`;
const BUS = `${ACCOUNT}:event-bus/nova-bus`;
const OTHER_BUS = 'arn:aws:events:eu-west-1:123456789012:event-bus/central';
const ROLE = 'arn:aws:iam::123456789012:role/nova-events';
const TARGET_ROLE = 'arn:aws:iam::123456789012:role/nova-pipeline-start';
const FN = 'arn:aws:lambda:us-east-1:123456789012:function:nova-fn';
const ref = (arn = ARN) => refFor(handler, arn);
const ctx = () => testContext();
const live = (described: Partial<Described> = {}, arn = ARN) => liveFor(handler, arn, described);
const withTargets = (...ids: string[]) => live({ config: { Name: 'nova-rule', Targets: ids.map((Id) => ({ Id, Arn: FN })) } });
const notFound = (what = 'Rule nova-rule does not exist.') => awsError('ResourceNotFoundException', what);
const commandOrder = () => eb.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const ids = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `t${i + from}`);

describe('events:rule', () => {
  beforeEach(() => eb.reset());

  it('owns rule ARNs on the default, a custom and a partner bus; not buses', () => {
    for (const arn of [ARN, ON_DEFAULT, ON_PARTNER]) expect(handler.arnPattern.test(arn)).toBe(true);
    expect(handler.arnPattern.test(BUS)).toBe(false);
    expect(handler.arnPattern.test(`${ACCOUNT}:archive/nova`)).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-rule');
    expect(handler.nameOf(ON_DEFAULT)).toBe('nova-nightly');
    expect(handler.nameOf(ON_PARTNER)).toBe('partner-rule');
    expect(ruleBus(ARN)).toBe('nova-bus');
    expect(ruleBus(ON_DEFAULT)).toBe('default');
    expect(ruleBus(ON_PARTNER)).toBe('aws.partner/example.com/123/nova');
    expect(handler.client).toBe('events');
    expect(handler.references).toEqual(['events:event-bus', 'iam:role', 'lambda:function']);
    expect(handler.notFound).toEqual(['ResourceNotFoundException']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  describe('list and readUses', () => {
    it('lists the rules of every bus of the region, 100 a page, all pages', async () => {
      eb.on(ListEventBusesCommand)
        .resolvesOnce({ EventBuses: [{ Name: 'default' }], NextToken: 'b2' })
        .resolvesOnce({ EventBuses: [{ Name: 'nova-bus' }] });
      eb.on(ListRulesCommand, { EventBusName: 'default' }).resolves({ Rules: [{ Name: 'nova-nightly', Arn: ON_DEFAULT }] });
      eb.on(ListRulesCommand, { EventBusName: 'nova-bus' })
        .resolvesOnce({ Rules: [{ Name: 'nova-rule', Arn: ARN, RoleArn: ROLE }], NextToken: 'r2' })
        .resolvesOnce({ Rules: [{ Name: 'no-arn' }, { Name: 'second', Arn: `${ACCOUNT}:rule/nova-bus/second` }] });
      expect(await handler.list(ctx(), 'eu-west-1')).toEqual([{ arn: ON_DEFAULT }, { arn: ARN }, { arn: `${ACCOUNT}:rule/nova-bus/second` }]);
      expect(eb).toHaveReceivedNthSpecificCommandWith(2, ListEventBusesCommand, { Limit: 100, NextToken: 'b2' });
      expect(eb).toHaveReceivedCommandWith(ListRulesCommand, { EventBusName: 'default', Limit: 100 });
      expect(eb).toHaveReceivedCommandWith(ListRulesCommand, { EventBusName: 'nova-bus', Limit: 100, NextToken: 'r2' });
      expect(eb).toHaveReceivedCommandTimes(ListRulesCommand, 3);
      expect(await eb.call(0).thisValue.config.region()).toBe('eu-west-1');
    });

    it('reads what a rule uses: its custom bus, its role, its targets’ roles and the buses it forwards to', async () => {
      eb.on(DescribeRuleCommand, { Name: 'nova-rule', EventBusName: 'nova-bus' }).resolves({ Name: 'nova-rule', RoleArn: ROLE });
      eb.on(ListTargetsByRuleCommand, { Rule: 'nova-rule', EventBusName: 'nova-bus' })
        .resolvesOnce({ Targets: [{ Id: 't1', Arn: FN, RoleArn: TARGET_ROLE }], NextToken: 'n2' })
        .resolvesOnce({ Targets: [{ Id: 't2', Arn: OTHER_BUS, RoleArn: ROLE }] });
      expect(await handler.readUses?.(ref(), ctx())).toEqual([BUS, ROLE, TARGET_ROLE, FN, OTHER_BUS]);
      expect(eb).toHaveReceivedNthSpecificCommandWith(2, ListTargetsByRuleCommand, { Rule: 'nova-rule', EventBusName: 'nova-bus', Limit: 100, NextToken: 'n2' });
    });

    it('leaves the default bus out of what a rule on it uses; gone when the rule is', async () => {
      eb.on(DescribeRuleCommand, { Name: 'nova-nightly', EventBusName: 'default' }).resolves({ Name: 'nova-nightly' });
      eb.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: 't1', Arn: FN }] });
      expect(await handler.readUses?.(ref(ON_DEFAULT), ctx())).toEqual([FN]);
      eb.on(DescribeRuleCommand).rejects(notFound());
      expect(await handler.readUses?.(ref(), ctx())).toBe(GONE);
    });

    it('takes a function target that names a version or alias as the function itself', async () => {
      eb.on(DescribeRuleCommand).resolves({ Name: 'nova-nightly' });
      eb.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: 't1', Arn: `${FN}:live` }] });
      expect(await handler.readUses?.(ref(ON_DEFAULT), ctx())).toEqual([FN]);
    });
  });

  describe('describe', () => {
    it('reads the rule, its tags and every target, on the bus its ARN names', async () => {
      eb.on(DescribeRuleCommand, { Name: 'nova-rule', EventBusName: 'nova-bus' }).resolves({
        Name: 'nova-rule',
        Arn: ARN,
        EventPattern: '{"source":["aws.sagemaker"]}',
        State: 'ENABLED',
        RoleArn: ROLE,
        EventBusName: 'nova-bus',
        $metadata: {},
      });
      eb.on(ListTagsForResourceCommand, { ResourceARN: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      eb.on(ListTargetsByRuleCommand)
        .resolvesOnce({ Targets: [{ Id: 't1', Arn: FN }], NextToken: 'n2' })
        .resolvesOnce({ Targets: [{ Id: 't2', Arn: 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/nova', RoleArn: TARGET_ROLE }] });
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([BUS, ROLE, FN, TARGET_ROLE]);
      expect(d.config).toEqual({
        Name: 'nova-rule',
        Arn: ARN,
        EventPattern: '{"source":["aws.sagemaker"]}',
        State: 'ENABLED',
        RoleArn: ROLE,
        EventBusName: 'nova-bus',
        Targets: [{ Id: 't1', Arn: FN }, { Id: 't2', Arn: 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/nova', RoleArn: TARGET_ROLE }],
      });
      expect(eb).toHaveReceivedNthSpecificCommandWith(1, ListTargetsByRuleCommand, { Rule: 'nova-rule', EventBusName: 'nova-bus', Limit: 100 });
    });

    it('takes the tags discovery read; a rule on the default bus without targets uses nothing', async () => {
      eb.on(DescribeRuleCommand).resolves({ Name: 'nova-nightly', ScheduleExpression: 'rate(1 day)' });
      eb.on(ListTargetsByRuleCommand).resolves({});
      const d = await handler.describe(ref(ON_DEFAULT), ctx(), { tags: { project: 'nova' } });
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([]);
      expect(d.config.Targets).toEqual([]);
      expect(commandOrder().sort()).toEqual(['DescribeRule', 'ListTargetsByRule']);
      expect(eb).toHaveReceivedCommandWith(DescribeRuleCommand, { Name: 'nova-nightly', EventBusName: 'default' });
    });

    it('reports a rule that no longer exists as gone, also when it vanishes between the reads', async () => {
      eb.on(DescribeRuleCommand).rejects(notFound());
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
      expect(commandOrder()).toEqual(['DescribeRule']);
      eb.reset();
      eb.on(DescribeRuleCommand).resolves({ Name: 'nova-rule' });
      eb.on(ListTagsForResourceCommand).resolves({});
      eb.on(ListTargetsByRuleCommand).rejects(notFound());
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
    });

    it('does not take a throttle or a denial for gone', async () => {
      eb.on(DescribeRuleCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('Rate exceeded');
      eb.on(DescribeRuleCommand).resolves({ Name: 'nova-rule' });
      eb.on(ListTargetsByRuleCommand).resolves({});
      eb.on(ListTagsForResourceCommand).rejects(awsError('AccessDeniedException', 'not allowed: events:ListTagsForResource', 403));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('events:ListTagsForResource');
    });
  });

  it('refuses a rule managed by an AWS service', () => {
    expect(handler.protect?.(live({ config: { Name: 'x', ManagedBy: 'sagemaker.amazonaws.com' } }), {})).toBe(
      'a managed rule of sagemaker.amazonaws.com: that service created it and deletes it',
    );
    expect(handler.protect?.(live({ config: { Name: 'x' } }), {})).toBeUndefined();
  });

  describe('children and actions', () => {
    it('shows one child per target', () => {
      expect(handler.children?.(withTargets('t1', 't2'))).toEqual([
        { kind: 'target', id: 't1' },
        { kind: 'target', id: 't2' },
      ]);
      expect(handler.children?.(live())).toEqual([]);
    });

    it('needs RemoveTargets only when there are targets, all on the rule ARN', () => {
      expect(handler.actions(withTargets('t1'))).toEqual([
        { action: 'events:ListTagsForResource', resource: ARN },
        { action: 'events:ListTargetsByRule', resource: ARN },
        { action: 'events:RemoveTargets', resource: ARN },
        { action: 'events:DeleteRule', resource: ARN },
      ]);
      expect(handler.actions(live()).map((a) => a.action)).toEqual(['events:ListTagsForResource', 'events:ListTargetsByRule', 'events:DeleteRule']);
    });
  });

  it('reads current tags with ListTagsForResource on the rule ARN; gone when the rule is', async () => {
    eb.on(ListTagsForResourceCommand, { ResourceARN: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
    expect(await handler.currentTags(ref(), ctx())).toEqual({ project: 'nova' });
    eb.on(ListTagsForResourceCommand).rejects(notFound());
    expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
  });

  describe('delete', () => {
    it('removes the planned and the newly listed targets, 10 a step, then deletes the rule', async () => {
      eb.on(ListTargetsByRuleCommand).resolves({ Targets: ids(12).map((Id) => ({ Id, Arn: FN })) });
      eb.on(RemoveTargetsCommand).resolves({ FailedEntryCount: 0, FailedEntries: [] });
      eb.on(DeleteRuleCommand).resolves({});
      const steps = recordingSteps();
      // The plan saw t1..t11; t12 was added since.
      await handler.delete(withTargets(...ids(11)), ctx(), steps);
      expect(commandOrder()).toEqual(['ListTargetsByRule', 'RemoveTargets', 'RemoveTargets', 'DeleteRule']);
      expect(eb).toHaveReceivedNthSpecificCommandWith(1, RemoveTargetsCommand, { Rule: 'nova-rule', EventBusName: 'nova-bus', Ids: ids(10) });
      expect(eb).toHaveReceivedNthSpecificCommandWith(2, RemoveTargetsCommand, { Rule: 'nova-rule', EventBusName: 'nova-bus', Ids: ['t11', 't12'] });
      expect(eb).toHaveReceivedCommandWith(DeleteRuleCommand, { Name: 'nova-rule', EventBusName: 'nova-bus' });
      expect(steps.log).toEqual([
        { name: 'remove-targets', child: undefined, done: `removed targets ${ids(10).join(', ')}` },
        { name: 'remove-targets', child: undefined, done: 'removed targets t11, t12' },
        { name: 'delete', done: 'deleted rule nova-rule' },
      ]);
    });

    it('names the one target a step removes; a rule without targets is one step', async () => {
      eb.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: 't1', Arn: FN }] });
      eb.on(RemoveTargetsCommand).resolves({ FailedEntryCount: 0 });
      eb.on(DeleteRuleCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(withTargets('t1'), ctx(), steps);
      expect(steps.log[0]).toEqual({ name: 'remove-targets', child: { kind: 'target', id: 't1' }, done: 'removed target t1' });

      eb.reset();
      eb.on(ListTargetsByRuleCommand).resolves({ Targets: [] });
      eb.on(DeleteRuleCommand).resolves({});
      const bare = recordingSteps();
      await handler.delete(live({}, ON_DEFAULT), ctx(), bare);
      expect(bare.log).toEqual([{ name: 'delete', done: 'deleted rule nova-nightly' }]);
      expect(eb).toHaveReceivedCommandWith(DeleteRuleCommand, { Name: 'nova-nightly', EventBusName: 'default' });
      expect(eb).not.toHaveReceivedCommand(RemoveTargetsCommand);
    });

    it('fails, without deleting the rule, when RemoveTargets reports failed entries', async () => {
      eb.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: 't1', Arn: FN }, { Id: 't2', Arn: FN }] });
      eb.on(RemoveTargetsCommand).resolves({
        FailedEntryCount: 1,
        FailedEntries: [{ TargetId: 't2', ErrorCode: 'ConcurrentModificationException', ErrorMessage: 'too many requests' }],
      });
      const steps = recordingSteps();
      await expect(handler.delete(withTargets('t1', 't2'), ctx(), steps)).rejects.toThrow(
        '1 of 2 targets could not be removed (t2); first: ConcurrentModificationException: too many requests',
      );
      expect(eb).not.toHaveReceivedCommand(DeleteRuleCommand);
    });

    it('goes on to DeleteRule when the rule vanished before its targets were removed', async () => {
      eb.on(ListTargetsByRuleCommand).rejects(notFound());
      eb.on(RemoveTargetsCommand).rejects(notFound());
      eb.on(DeleteRuleCommand).resolves({});
      await handler.delete(withTargets('t1'), ctx(), recordingSteps());
      expect(commandOrder()).toEqual(['ListTargetsByRule', 'RemoveTargets', 'DeleteRule']);
    });

    it('sends no RemoveTargets when stopped at the first step, and no DeleteRule when stopped at the delete', async () => {
      eb.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: 't1', Arn: FN }] });
      eb.on(RemoveTargetsCommand).resolves({ FailedEntryCount: 0 });
      await expect(handler.delete(withTargets('t1'), ctx(), recordingSteps({ stopAt: 'remove-targets' }))).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(commandOrder()).toEqual(['ListTargetsByRule']);

      eb.resetHistory();
      const steps = recordingSteps({ stopAt: 'delete' });
      await expect(handler.delete(withTargets('t1'), ctx(), steps)).rejects.toMatchObject({ name: 'TagsChanged' });
      expect(steps.log.map((s) => s.name)).toEqual(['remove-targets']);
      expect(eb).not.toHaveReceivedCommand(DeleteRuleCommand);
    });

    it('leaves not-found on the final delete to the core', async () => {
      eb.on(ListTargetsByRuleCommand).resolves({});
      eb.on(DeleteRuleCommand).rejects(notFound('Event bus nova-bus does not exist.'));
      await expect(handler.delete(live(), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    });
  });

  it('declares every operation its reads send, and nothing mutating', async () => {
    eb.on(ListEventBusesCommand).resolves({ EventBuses: [{ Name: 'default' }, { Name: 'nova-bus' }] });
    eb.on(ListRulesCommand).resolves({ Rules: [{ Name: 'nova-rule', Arn: ARN }] });
    eb.on(DescribeRuleCommand).resolves({ Name: 'nova-rule', RoleArn: ROLE });
    eb.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: 't1', Arn: FN }] });
    eb.on(ListTagsForResourceCommand).resolves({});
    await handler.list(ctx(), 'us-east-1');
    await handler.readUses?.(ref(), ctx());
    await handler.describe(ref(), ctx());
    await handler.currentTags(ref(), ctx());
    const sent = new Set(commandOrder());
    expect(sent).toEqual(new Set(['ListEventBuses', 'ListRules', 'DescribeRule', 'ListTargetsByRule', 'ListTagsForResource']));
    for (const op of sent) expect(handler.reads).toContain(op);
    expect(handler.reads.filter((op) => /^(Delete|Remove|Put|Create|Tag|Untag|Update)/.test(op))).toEqual([]);
  });
});
