import { CreateEventBusCommand, EventBridgeClient, ListEventBusesCommand, ListRulesCommand, ListTagsForResourceCommand, ListTargetsByRuleCommand, PutRuleCommand, PutTargetsCommand, TagResourceCommand, type Target } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ACCOUNT, clientConfig } from '../../scripts/lib/world.js';
import type { Report } from '../../src/model.js';
import { describeWithMoto, runCli } from './harness.js';

const REGION = 'us-east-1';
const TAG = [{ Key: 'project', Value: 'evt-test' }];
const OTHER = [{ Key: 'project', Value: 'someone-else' }];
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const busArn = (name: string) => `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}`;

/**
 * EventBridge on moto: its Tagging API returns buses but not rules, so rules are found by list discovery
 * (`--discovery both`; `list` decides the same). A tagged rule with a target on a tagged custom bus: its
 * target removed, the rule deleted, then the bus and the target's role. An untagged rule keeps the tagged
 * bus it is on and the tagged role its target runs as. The default bus is never touched, tagged or not.
 */
describeWithMoto('EventBridge rules and buses on moto', (moto) => {
  let eb: EventBridgeClient;
  let iam: IAMClient;
  let backupDir: string;

  const run = async (extra: string[]) => {
    const r = await runCli(['--tag', 'project=evt-test', '--region', REGION, '--json', '--backup-dir', backupDir, ...extra], { moto: moto() });
    expect(r.stderr).not.toMatch(/unexpected error/);
    return { ...r, report: JSON.parse(r.stdout) as Report };
  };
  const decisions = (report: Report) => report.resources.map((o) => `${o.type} ${o.name} ${o.status} ${o.rule}${o.status === 'skipped' ? `: ${o.reason ?? ''}` : ''}`).sort();

  /** Every bus, and every rule with its target ids, as `bus/rule [ids]`; and every role. */
  const world = async () => {
    const buses = ((await eb.send(new ListEventBusesCommand({}))).EventBuses ?? []).map((b) => b.Name ?? '');
    const rules: string[] = [];
    for (const EventBusName of buses) {
      for (const rule of (await eb.send(new ListRulesCommand({ EventBusName }))).Rules ?? []) {
        const targets = (await eb.send(new ListTargetsByRuleCommand({ Rule: rule.Name, EventBusName }))).Targets ?? [];
        rules.push(`${EventBusName}/${rule.Name} [${targets.map((t) => t.Id).join(',')}]`);
      }
    }
    const roles = ((await iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName ?? '');
    return { buses: buses.sort(), rules: rules.sort(), roles: roles.sort() };
  };

  const role = async (RoleName: string) => (await iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: TRUST, Tags: TAG }))).Role?.Arn ?? '';
  const bus = (Name: string, Tags?: typeof TAG) => eb.send(new CreateEventBusCommand({ Name, Tags }));
  const rule = async (Name: string, EventBusName: string, Tags?: typeof TAG, Targets?: Target[]) => {
    await eb.send(new PutRuleCommand({ Name, EventBusName, EventPattern: '{"source":["aws.codecommit"]}', Tags }));
    if (Targets) await eb.send(new PutTargetsCommand({ Rule: Name, EventBusName, Targets }));
  };

  beforeEach(async () => {
    await moto().reset();
    eb = new EventBridgeClient(clientConfig(moto().url, REGION));
    iam = new IAMClient(clientConfig(moto().url, REGION));
    backupDir = await mkdtemp(join(tmpdir(), 'nova-events-'));

    const invoke = await role('evt-invoke');
    const shared = await role('evt-shared-role');
    await bus('evt-bus', TAG);
    await bus('evt-shared-bus', TAG);
    // Decoys: untagged, another tag value, the same name prefix.
    await bus('evt-bus-untagged');
    await bus('evt-bus-other', OTHER);
    await bus('evt-bus-copy');
    // The default bus, tagged: still never deleted.
    await eb.send(new TagResourceCommand({ ResourceARN: busArn('default'), Tags: TAG }));

    await rule('evt-build-trigger', 'evt-bus', TAG, [{ Id: 'build', Arn: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/evt-build`, RoleArn: invoke }]);
    await rule('evt-nightly', 'default', TAG, [{ Id: 'fn', Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:evt-fn` }]);
    // Untagged, on a tagged bus, its target running as a tagged role: both stay.
    await rule('evt-untagged-rule', 'evt-shared-bus', undefined, [{ Id: 'queue', Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:evt-queue`, RoleArn: shared }]);
    await rule('evt-build-trigger-copy', 'default');
    await rule('evt-other-rule', 'evt-bus-other', OTHER);
  });
  afterEach(() => {
    eb.destroy();
    iam.destroy();
  });

  const PLANNED = [
    'events:event-bus default skipped protected: the account\'s default event bus',
    'events:event-bus evt-shared-bus skipped in-use: used by events:rule evt-untagged-rule (us-east-1), which stays',
    'iam:role evt-shared-role skipped in-use: used by events:rule evt-untagged-rule (us-east-1), which stays',
  ];

  it('a dry run with list discovery plans the tagged rules, their bus and role, and changes nothing', async () => {
    const before = await world();
    for (const discovery of ['both', 'list']) {
      const { code, report } = await run(['--dry-run', '--discovery', discovery]);
      expect(code).toBe(0);
      expect(decisions(report)).toEqual(
        [
          'events:event-bus evt-bus planned delete',
          'events:rule evt-build-trigger planned delete',
          'events:rule evt-nightly planned delete',
          'iam:role evt-invoke planned delete',
          ...PLANNED,
        ].sort(),
      );
    }
    expect(await world()).toEqual(before);
  });

  it('removes the targets, deletes the rules, then the bus and the role; the decoys and what is in use stay', async () => {
    const { code, report } = await run(['--yes', '--discovery', 'both']);
    expect(report.resources.filter((o) => o.status === 'failed')).toEqual([]);
    expect(code).toBe(0);
    expect(decisions(report)).toEqual(
      [
        'events:event-bus evt-bus deleted delete',
        'events:rule evt-build-trigger deleted delete',
        'events:rule evt-nightly deleted delete',
        'iam:role evt-invoke deleted delete',
        ...PLANNED,
      ].sort(),
    );
    expect(await world()).toEqual({
      buses: ['default', 'evt-bus-copy', 'evt-bus-other', 'evt-bus-untagged', 'evt-shared-bus'],
      rules: ['default/evt-build-trigger-copy []', 'evt-bus-other/evt-other-rule []', 'evt-shared-bus/evt-untagged-rule [queue]'],
      roles: ['evt-shared-role'],
    });
    // The default bus keeps its tags: nothing was sent to it.
    expect((await eb.send(new ListTagsForResourceCommand({ ResourceARN: busArn('default') }))).Tags).toEqual(TAG);
    // The journal: the target removed before its rule, the rule deleted before its bus (moto itself checks neither).
    const journal = (await readdir(backupDir)).find((f) => f.endsWith('.journal.ndjson'));
    const events = (await readFile(join(backupDir, journal ?? 'missing'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { event: string; arn?: string; step?: string; child?: { kind: string; id: string } })
      .filter((e) => e.event === 'step-done' && /evt-build-trigger$|event-bus\/evt-bus$/.test(e.arn ?? ''))
      .map((e) => `${e.arn?.split(':').pop() ?? ''} ${e.step ?? ''}${e.child ? ` ${e.child.kind} ${e.child.id}` : ''}`);
    expect(events).toEqual(['rule/evt-bus/evt-build-trigger remove-targets target build', 'rule/evt-bus/evt-build-trigger delete', 'event-bus/evt-bus delete']);
  });

  it('with the Tagging API alone (which on moto misses rules), a rule it did not find still keeps its bus and role', async () => {
    const before = await world();
    const { code, report } = await run(['--yes']);
    expect(code).toBe(0);
    expect(decisions(report)).toEqual(
      [
        'events:event-bus evt-bus skipped in-use: used by events:rule evt-build-trigger (us-east-1), which stays',
        'iam:role evt-invoke skipped in-use: used by events:rule evt-build-trigger (us-east-1), which stays',
        ...PLANNED,
      ].sort(),
    );
    expect(await world()).toEqual(before);
  });
});
