import {
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  ListEntitiesForPolicyCommand,
  ListPoliciesCommand,
  ListPolicyTagsCommand,
  ListPolicyVersionsCommand,
  TagPolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildRegistry } from '../../../src/resources/registry.js';
import { GONE, type Described } from '../../../src/resources/handler.js';
import { iamInstanceProfile } from '../../../src/resources/iam-instance-profile.js';
import { iamPolicy as handler } from '../../../src/resources/iam-policy.js';
import { iamRole } from '../../../src/resources/iam-role.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const iam = mockClient(IAMClient);
const ARN = 'arn:aws:iam::123456789012:policy/team/nova-read';
const ROLE_A = 'arn:aws:iam::123456789012:role/service/nova-a';
const ROLE_B = 'arn:aws:iam::123456789012:role/nova-b';
const ref = (arn = ARN) => refFor(handler, arn, 'eu-west-1');
const live = (described: Partial<Described> = {}, arn = ARN) => liveFor(handler, arn, described, 'eu-west-1');
const ctx = () => testContext();
const noSuchEntity = (what = `Policy ${ARN} was not found.`) => awsError('NoSuchEntity', what, 404);
const encoded = (doc: unknown) => encodeURIComponent(JSON.stringify(doc));
const DOC_V1 = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };
const DOC_V2 = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' }] };
/** The operation names the mock received, in order (`DeletePolicy`, not `DeletePolicyCommand`). */
const sent = () => iam.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
interface EntityLists {
  PolicyRoles: { RoleName?: string; RoleId?: string }[];
  PolicyUsers: { UserName?: string }[];
  PolicyGroups: { GroupName?: string }[];
}
const none: EntityLists = { PolicyRoles: [], PolicyUsers: [], PolicyGroups: [] };

/** What describe's config says of a policy attached to two roles, with one old version. */
const plannedConfig = (over: Record<string, unknown> = {}) => ({
  Policy: { PolicyName: 'nova-read', Arn: ARN, DefaultVersionId: 'v2' },
  Versions: [
    { VersionId: 'v1', IsDefaultVersion: false, Document: DOC_V1 },
    { VersionId: 'v2', IsDefaultVersion: true, Document: DOC_V2 },
  ],
  Entities: {
    PolicyRoles: [
      { RoleName: 'nova-a', RoleId: 'RA', Arn: ROLE_A },
      { RoleName: 'nova-b', RoleId: 'RB', Arn: ROLE_B },
    ],
    PolicyUsers: [],
    PolicyGroups: [],
  },
  ...over,
});

describe('iam:policy', () => {
  beforeEach(() => iam.reset());

  it('owns customer-managed policy ARNs, with or without a path; never AWS-managed ones, nor other IAM ARNs', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:iam::123456789012:policy/nova-read')).toBe(true);
    expect(handler.arnPattern.test('arn:aws-cn:iam::123456789012:policy/a/b/c/nova')).toBe(true);
    expect(handler.arnPattern.test('arn:aws:iam::aws:policy/ReadOnlyAccess')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:iam::123456789012:role/nova-read')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:iam::123456789012:instance-profile/nova-read')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:iam::123456789012:policy/')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-read');
    expect(handler.global).toBe(true);
    expect(handler.client).toBe('iam');
    expect(handler.references).toEqual([]);
    expect(handler.taggingApi).toBe(false);
    expect(handler.notFound).toEqual(['NoSuchEntity', 'NoSuchEntityException']);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  it('declares only reads, and fits the registry with roles and instance profiles (no cycle)', () => {
    expect(handler.reads.filter((op) => !/^(Get|List)/.test(op))).toEqual([]);
    const registry = buildRegistry([iamRole, handler, iamInstanceProfile]);
    expect(registry.forArn(ARN)).toBe(handler);
    expect(registry.forArn('arn:aws:iam::aws:policy/ReadOnlyAccess')).toBeUndefined();
    expect(registry.usersOf('iam:policy').map((h) => h.type)).toEqual(['iam:role']);
  });

  describe('list', () => {
    it("lists the account's own policies, attached or not, 1,000 a page, all pages, without their tags", async () => {
      iam.on(ListPoliciesCommand)
        .resolvesOnce({ Policies: [{ PolicyName: 'a', Arn: 'arn:aws:iam::123456789012:policy/a' }], IsTruncated: true, Marker: 'm1' })
        .resolvesOnce({ Policies: [{ PolicyName: 'b', Arn: ARN }, { PolicyName: 'no-arn' }, { PolicyName: 'ro', Arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }], IsTruncated: false });
      expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: 'arn:aws:iam::123456789012:policy/a' }, { arn: ARN }]);
      expect(iam).toHaveReceivedNthSpecificCommandWith(1, ListPoliciesCommand, { Scope: 'Local', OnlyAttached: false, MaxItems: 1000 });
      expect(iam).toHaveReceivedNthSpecificCommandWith(2, ListPoliciesCommand, { Scope: 'Local', OnlyAttached: false, Marker: 'm1', MaxItems: 1000 });
      expect(sent().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('lets a failing ListPolicies through', async () => {
      iam.on(ListPoliciesCommand).rejects(awsError('AccessDenied', 'not authorized to ListPolicies', 403));
      await expect(handler.list(ctx(), 'us-east-1')).rejects.toThrow('ListPolicies');
    });
  });

  describe('describe', () => {
    function fullPolicy() {
      iam.on(GetPolicyCommand, { PolicyArn: ARN }).resolves({ Policy: { PolicyName: 'nova-read', Arn: ARN, Path: '/team/', DefaultVersionId: 'v2', AttachmentCount: 3 }, $metadata: {} });
      iam.on(ListPolicyTagsCommand).resolvesOnce({ Tags: [{ Key: 'project', Value: 'nova' }], IsTruncated: true, Marker: 't2' }).resolvesOnce({ Tags: [{ Key: 'team', Value: 'ml' }] });
      iam.on(ListPolicyVersionsCommand).resolves({ Versions: [{ VersionId: 'v1', IsDefaultVersion: false }, { VersionId: 'v2', IsDefaultVersion: true }] });
      iam.on(GetPolicyVersionCommand, { PolicyArn: ARN, VersionId: 'v1' }).resolves({ PolicyVersion: { VersionId: 'v1', IsDefaultVersion: false, Document: encoded(DOC_V1) } });
      iam.on(GetPolicyVersionCommand, { PolicyArn: ARN, VersionId: 'v2' }).resolves({ PolicyVersion: { VersionId: 'v2', IsDefaultVersion: true, Document: encoded(DOC_V2) } });
      iam.on(ListEntitiesForPolicyCommand)
        .resolvesOnce({ PolicyRoles: [{ RoleName: 'nova-a', RoleId: 'RA' }], PolicyUsers: [], PolicyGroups: [], IsTruncated: true, Marker: 'e2' })
        .resolvesOnce({ PolicyRoles: [{ RoleName: 'nova-b', RoleId: 'RB' }, { RoleName: 'raced', RoleId: 'RR' }], PolicyUsers: [{ UserName: 'alice', UserId: 'U' }], PolicyGroups: [{ GroupName: 'admins', GroupId: 'G' }] });
      iam.on(GetRoleCommand, { RoleName: 'nova-a' }).resolves({ Role: { RoleName: 'nova-a', Arn: ROLE_A, Path: '/service/', RoleId: 'RA', CreateDate: new Date(0) } });
      iam.on(GetRoleCommand, { RoleName: 'nova-b' }).resolves({ Role: { RoleName: 'nova-b', Arn: ROLE_B, Path: '/', RoleId: 'RB', CreateDate: new Date(0) } });
      iam.on(GetRoleCommand, { RoleName: 'raced' }).rejects(awsError('NoSuchEntity', 'The role with name raced cannot be found.', 404));
    }

    it('reads the policy, its versions, every page of tags and of who uses it; the roles by their ARNs; the documents only for the backup', async () => {
      fullPolicy();
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova', team: 'ml' });
      expect(d.uses).toEqual([]);
      // IAM's complete answer: the roles it is attached to, with their paths (a role deleted since is left out).
      expect(d.usedBy).toEqual({ types: ['iam:role'], arns: [ROLE_A, ROLE_B] });
      expect(d.config).toEqual({
        Policy: { PolicyName: 'nova-read', Arn: ARN, Path: '/team/', DefaultVersionId: 'v2', AttachmentCount: 3 },
        Versions: [
          { VersionId: 'v1', IsDefaultVersion: false },
          { VersionId: 'v2', IsDefaultVersion: true },
        ],
        Entities: {
          PolicyRoles: [
            { RoleName: 'nova-a', RoleId: 'RA', Arn: ROLE_A },
            { RoleName: 'nova-b', RoleId: 'RB', Arn: ROLE_B },
          ],
          PolicyUsers: [{ UserName: 'alice', UserId: 'U' }],
          PolicyGroups: [{ GroupName: 'admins', GroupId: 'G' }],
        },
        Tags: { project: 'nova', team: 'ml' },
      });
      expect(iam).toHaveReceivedCommandWith(ListEntitiesForPolicyCommand, { PolicyArn: ARN, Marker: 'e2', MaxItems: 1000 });
      expect(iam).toHaveReceivedCommandWith(ListPolicyTagsCommand, { PolicyArn: ARN, Marker: 't2', MaxItems: 1000 });
      expect(iam).toHaveReceivedCommandWith(ListPolicyVersionsCommand, { PolicyArn: ARN, MaxItems: 1000 });
      // IAM is called through the client of the region the ref carries (the run's first region).
      expect(await (iam.call(0).thisValue as IAMClient).config.region()).toBe('eu-west-1');
      expect(new Set(sent())).toEqual(new Set(['GetPolicy', 'ListPolicyTags', 'ListPolicyVersions', 'ListEntitiesForPolicy', 'GetRole']));
      expect(sent().filter((op) => !handler.reads.includes(op))).toEqual([]);

      // What the plan shows and checks, from that description.
      const r = { ref: ref(), described: d };
      expect(handler.protect?.(r, {})).toBe('attached to IAM user alice, IAM group admins, which this tool does not delete');
      expect(handler.children?.(r)).toEqual([
        { kind: 'role-attachment', id: 'nova-a' },
        { kind: 'role-attachment', id: 'nova-b' },
        { kind: 'policy-version', id: 'v1' },
      ]);

      // The backup: every version with its document.
      iam.resetHistory();
      expect(await handler.backupDetails?.(r, ctx())).toEqual({
        Versions: [
          { VersionId: 'v1', IsDefaultVersion: false, Document: DOC_V1 },
          { VersionId: 'v2', IsDefaultVersion: true, Document: DOC_V2 },
        ],
      });
      expect(new Set(sent())).toEqual(new Set(['GetPolicyVersion']));
    });

    it("takes the roles' ARNs from the run's listing of roles (same name and RoleId); GetRole for the others", async () => {
      fullPolicy();
      // nova-a is listed under its RoleId; nova-b's listed RoleId is another (re-created since): read.
      const listed = [{ arn: ROLE_A, id: 'RA' }, { arn: ROLE_B, id: 'OLD' }];
      const asked: string[] = [];
      const c = { ...ctx(), listed: (type: string, region: string) => (asked.push(`${type} ${region}`), Promise.resolve(listed)) };
      const d = await handler.describe(ref(), c);
      expect(d !== GONE && d.usedBy).toEqual({ types: ['iam:role'], arns: [ROLE_A, ROLE_B] });
      expect(asked).toEqual(['iam:role eu-west-1']);
      expect(iam).not.toHaveReceivedCommandWith(GetRoleCommand, { RoleName: 'nova-a' });
      expect(iam).toHaveReceivedCommandWith(GetRoleCommand, { RoleName: 'nova-b' });
      expect(iam).toHaveReceivedCommandWith(GetRoleCommand, { RoleName: 'raced' });

      // A listing that failed: every role is read.
      iam.resetHistory();
      const failed = { ...ctx(), listed: () => Promise.reject(new Error('ListRoles: denied')) };
      const again = await handler.describe(ref(), failed);
      expect(again !== GONE && again.usedBy).toEqual({ types: ['iam:role'], arns: [ROLE_A, ROLE_B] });
      expect(iam).toHaveReceivedCommandTimes(GetRoleCommand, 3);
    });

    it('uses the tags discovery read instead of reading them again', async () => {
      fullPolicy();
      const d = await handler.describe(ref(), ctx(), { tags: { project: 'nova', from: 'hint' } });
      expect(d !== GONE && d.tags).toEqual({ project: 'nova', from: 'hint' });
      expect(iam).not.toHaveReceivedCommand(ListPolicyTagsCommand);
    });

    it('a policy nothing uses: usedBy says no role, nothing protected, no children', async () => {
      iam.on(GetPolicyCommand).resolves({ Policy: { PolicyName: 'nova-read', Arn: ARN, DefaultVersionId: 'v1' } });
      iam.on(ListPolicyTagsCommand).resolves({ Tags: [] });
      iam.on(ListPolicyVersionsCommand).resolves({ Versions: [{ VersionId: 'v1', IsDefaultVersion: true }] });
      iam.on(GetPolicyVersionCommand).resolves({ PolicyVersion: { VersionId: 'v1', IsDefaultVersion: true, Document: '%E0%A4%A' } });
      iam.on(ListEntitiesForPolicyCommand).resolves(none);
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.usedBy).toEqual({ types: ['iam:role'], arns: [] });
      const r = { ref: ref(), described: d };
      // A document that is not URL-encoded JSON is kept as it came.
      expect(await handler.backupDetails?.(r, ctx())).toEqual({ Versions: [{ VersionId: 'v1', IsDefaultVersion: true, Document: '%E0%A4%A' }] });
      expect(handler.protect?.(r, {})).toBeUndefined();
      expect(handler.children?.(r)).toEqual([]);
      expect(iam).not.toHaveReceivedCommand(GetRoleCommand);
    });

    it('leaves out a version deleted between its listing and its read', async () => {
      iam.on(GetPolicyCommand).resolves({ Policy: { Arn: ARN, DefaultVersionId: 'v2' } });
      iam.on(ListPolicyTagsCommand).resolves({});
      iam.on(ListPolicyVersionsCommand).resolves({ Versions: [{ VersionId: 'v1', IsDefaultVersion: false }, { VersionId: 'v2', IsDefaultVersion: true }] });
      iam.on(GetPolicyVersionCommand, { VersionId: 'v1' }).rejects(noSuchEntity('Policy version v1 not found'));
      iam.on(GetPolicyVersionCommand, { VersionId: 'v2' }).resolves({ PolicyVersion: { VersionId: 'v2', IsDefaultVersion: true, Document: encoded(DOC_V2) } });
      iam.on(ListEntitiesForPolicyCommand).resolves(none);
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(await handler.backupDetails?.({ ref: ref(), described: d }, ctx())).toEqual({ Versions: [{ VersionId: 'v2', IsDefaultVersion: true, Document: DOC_V2 }] });
    });

    it('reports a policy that no longer exists as gone, also when it goes between GetPolicy and its listings', async () => {
      iam.on(GetPolicyCommand).rejectsOnce(awsError('NoSuchEntityException', `Policy ${ARN} not found`, 404));
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
      expect(iam).not.toHaveReceivedCommand(ListEntitiesForPolicyCommand);

      iam.on(GetPolicyCommand).resolves({ Policy: { Arn: ARN, DefaultVersionId: 'v1' } });
      iam.on(ListPolicyTagsCommand).resolves({});
      iam.on(ListPolicyVersionsCommand).rejects(noSuchEntity());
      iam.on(ListEntitiesForPolicyCommand).resolves(none);
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
    });

    it('lets any other error through', async () => {
      iam.on(GetPolicyCommand).resolves({ Policy: { Arn: ARN } });
      iam.on(ListPolicyTagsCommand).resolves({});
      iam.on(ListPolicyVersionsCommand).resolves({ Versions: [] });
      iam.on(ListEntitiesForPolicyCommand).rejects(awsError('AccessDenied', 'not authorized to ListEntitiesForPolicy', 403));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('ListEntitiesForPolicy');
    });
  });

  describe('protect, children and actions', () => {
    it('protects a policy attached to an IAM user or group (no type of this tool), naming them; no setting lets it through', () => {
      const user = live({ config: plannedConfig({ Entities: { PolicyRoles: [], PolicyUsers: [{ UserName: 'alice' }], PolicyGroups: [] } }) });
      expect(handler.protect?.(user, {})).toBe('attached to IAM user alice, which this tool does not delete');
      expect(handler.protect?.(user, { deleteSharedLogGroups: true, deleteStudioEfs: true, deleteOwnedLogGroups: true })).toMatch(/IAM user alice/);
      const group = live({ config: { Entities: { PolicyGroups: [{ GroupName: 'admins' }, { GroupName: 'ops' }] } } });
      expect(handler.protect?.(group, {})).toBe('attached to IAM group admins, IAM group ops, which this tool does not delete');
      // Roles are a type of this tool: the usage check decides about them, not protect.
      expect(handler.protect?.(live({ config: plannedConfig() }), {})).toBeUndefined();
      expect(handler.protect?.(live(), {})).toBeUndefined();
    });

    it('has the role attachments and the old versions as children; DetachRolePolicy is needed on each role', () => {
      const r = live({ config: plannedConfig() });
      expect(handler.children?.(r)).toEqual([
        { kind: 'role-attachment', id: 'nova-a' },
        { kind: 'role-attachment', id: 'nova-b' },
        { kind: 'policy-version', id: 'v1' },
      ]);
      expect(handler.actions(r)).toEqual([
        { action: 'iam:ListPolicyTags', resource: ARN },
        { action: 'iam:ListEntitiesForPolicy', resource: ARN },
        { action: 'iam:ListPolicyVersions', resource: ARN },
        { action: 'iam:DetachRolePolicy', resource: ROLE_A },
        { action: 'iam:DetachRolePolicy', resource: ROLE_B },
        { action: 'iam:DeletePolicyVersion', resource: ARN },
        { action: 'iam:DeletePolicy', resource: ARN },
      ]);
    });

    it('needs only the tag read, the re-lists and DeletePolicy for a policy with one version and no user', () => {
      const r = live({ config: plannedConfig({ Versions: [{ VersionId: 'v1', IsDefaultVersion: true }], Entities: none }) });
      expect(handler.children?.(r)).toEqual([]);
      expect(handler.actions(r).map((a) => a.action)).toEqual(['iam:ListPolicyTags', 'iam:ListEntitiesForPolicy', 'iam:ListPolicyVersions', 'iam:DeletePolicy']);
      expect(handler.actions(r).every((a) => a.resource === ARN)).toBe(true);
    });
  });

  describe('currentTags and addTags', () => {
    it('reads every page of ListPolicyTags', async () => {
      iam.on(ListPolicyTagsCommand)
        .resolvesOnce({ Tags: [{ Key: 'a', Value: '1' }], IsTruncated: true, Marker: 'm' })
        .resolvesOnce({ Tags: [{ Key: 'b', Value: '2' }], IsTruncated: false });
      expect(await handler.currentTags(ref(), ctx())).toEqual({ a: '1', b: '2' });
      expect(iam).toHaveReceivedNthSpecificCommandWith(2, ListPolicyTagsCommand, { PolicyArn: ARN, Marker: 'm', MaxItems: 1000 });
      expect(sent().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('is gone when the policy is, and lets other errors through', async () => {
      iam.on(ListPolicyTagsCommand).rejectsOnce(noSuchEntity()).rejectsOnce(awsError('AccessDenied', 'not authorized to ListPolicyTags', 403));
      expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
      await expect(handler.currentTags(ref(), ctx())).rejects.toThrow('ListPolicyTags');
    });

    it('tags with TagPolicy (the Tagging API does not serve IAM)', async () => {
      iam.on(TagPolicyCommand).resolves({});
      await handler.addTags?.(ref(), ctx(), { project: 'nova' });
      expect(iam).toHaveReceivedCommandWith(TagPolicyCommand, { PolicyArn: ARN, Tags: [{ Key: 'project', Value: 'nova' }] });
    });
  });

  describe('delete', () => {
    function now(entities: Partial<EntityLists> = {}, versions = [{ VersionId: 'v1', IsDefaultVersion: false }, { VersionId: 'v2', IsDefaultVersion: true }]) {
      iam.on(ListEntitiesForPolicyCommand).resolves({ ...none, ...entities });
      iam.on(ListPolicyVersionsCommand).resolves({ Versions: versions });
      iam.on(DetachRolePolicyCommand).resolves({});
      iam.on(DeletePolicyVersionCommand).resolves({});
      iam.on(DeletePolicyCommand).resolves({});
    }

    it('re-lists, detaches it from the planned roles still attached, deletes the old versions, then DeletePolicy as the last step', async () => {
      now({ PolicyRoles: [{ RoleName: 'nova-b', RoleId: 'RB' }] }, [
        { VersionId: 'v1', IsDefaultVersion: false },
        { VersionId: 'v3', IsDefaultVersion: false }, // made since the plan: DeletePolicy would refuse it
        { VersionId: 'v2', IsDefaultVersion: true },
      ]);
      const steps = recordingSteps();
      await handler.delete(live({ config: plannedConfig() }), ctx(), steps);
      expect(steps.log).toEqual([
        { name: 'detach-from-role', child: { kind: 'role-attachment', id: 'nova-b' }, done: 'detached from role nova-b' },
        { name: 'delete-version', child: { kind: 'policy-version', id: 'v1' }, done: 'deleted policy version v1' },
        { name: 'delete-version', child: { kind: 'policy-version', id: 'v3' }, done: 'deleted policy version v3' },
        { name: 'delete', done: 'deleted policy nova-read' },
      ]);
      expect(iam).toHaveReceivedCommandWith(DetachRolePolicyCommand, { RoleName: 'nova-b', PolicyArn: ARN });
      // nova-a was deleted before it (it used the policy): nothing to detach there.
      expect(iam).toHaveReceivedCommandTimes(DetachRolePolicyCommand, 1);
      expect(iam).toHaveReceivedCommandWith(DeletePolicyVersionCommand, { PolicyArn: ARN, VersionId: 'v3' });
      expect(iam).not.toHaveReceivedCommandWith(DeletePolicyVersionCommand, { PolicyArn: ARN, VersionId: 'v2' });
      expect(iam).toHaveReceivedCommandWith(DeletePolicyCommand, { PolicyArn: ARN });
      expect(sent().at(-1)).toBe('DeletePolicy');
      expect(sent().slice(0, 2).sort()).toEqual(['ListEntitiesForPolicy', 'ListPolicyVersions']);
    });

    it('deletes a policy nothing uses with DeletePolicy alone', async () => {
      now({}, [{ VersionId: 'v1', IsDefaultVersion: true }]);
      const steps = recordingSteps();
      await handler.delete(live({ config: plannedConfig({ Entities: none, Versions: [] }) }), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete', done: 'deleted policy nova-read' }]);
      expect(sent().filter((op) => !op.startsWith('List'))).toEqual(['DeletePolicy']);
    });

    it('a detach or version delete that finds nothing is fine', async () => {
      now({ PolicyRoles: [{ RoleName: 'nova-a', RoleId: 'RA' }] });
      iam.on(DetachRolePolicyCommand).rejects(noSuchEntity('Policy not attached'));
      iam.on(DeletePolicyVersionCommand).rejects(noSuchEntity('Policy version v1 not found'));
      await handler.delete(live({ config: plannedConfig() }), ctx(), recordingSteps());
      expect(iam).toHaveReceivedCommandTimes(DeletePolicyCommand, 1);
    });

    it('is left untouched when it was attached since the plan to a role the plan did not check, or to a user or group', async () => {
      // A role with a planned name but another id: deleted and made again since the plan.
      now({ PolicyRoles: [{ RoleName: 'nova-a', RoleId: 'RA' }, { RoleName: 'nova-b', RoleId: 'NEW' }, { RoleName: 'late', RoleId: 'RL' }] });
      await expect(handler.delete(live({ config: plannedConfig() }), ctx(), recordingSteps())).rejects.toMatchObject({
        name: 'AttachedSincePlan',
        message: 'attached since the plan to IAM role nova-b, IAM role late, which the plan did not check: the policy is left as it is',
      });
      expect(sent().filter((op) => !op.startsWith('List'))).toEqual([]);

      iam.reset();
      now({ PolicyUsers: [{ UserName: 'alice' }], PolicyGroups: [{ GroupName: 'admins' }] });
      const steps = recordingSteps();
      await expect(handler.delete(live({ config: plannedConfig() }), ctx(), steps)).rejects.toThrow('attached since the plan to IAM user alice, IAM group admins');
      expect(steps.log).toEqual([]);
      expect(iam).not.toHaveReceivedCommand(DeletePolicyCommand);
    });

    it('does not send DeletePolicy when a detach fails for another reason', async () => {
      now({ PolicyRoles: [{ RoleName: 'nova-a', RoleId: 'RA' }] });
      iam.on(DetachRolePolicyCommand).rejects(awsError('AccessDenied', 'not authorized to DetachRolePolicy', 403));
      await expect(handler.delete(live({ config: plannedConfig() }), ctx(), recordingSteps())).rejects.toThrow('DetachRolePolicy');
      expect(iam).not.toHaveReceivedCommand(DeletePolicyVersionCommand);
      expect(iam).not.toHaveReceivedCommand(DeletePolicyCommand);
    });

    it('stops where the executor stops it, leaving the rest unsent', async () => {
      now({ PolicyRoles: [{ RoleName: 'nova-a', RoleId: 'RA' }] });
      await expect(handler.delete(live({ config: plannedConfig() }), ctx(), recordingSteps({ stopAt: 'delete-version' }))).rejects.toThrow('no longer match');
      expect(iam).toHaveReceivedCommandTimes(DetachRolePolicyCommand, 1);
      expect(iam).not.toHaveReceivedCommand(DeletePolicyVersionCommand);
      expect(iam).not.toHaveReceivedCommand(DeletePolicyCommand);

      iam.resetHistory();
      await expect(handler.delete(live({ config: plannedConfig() }), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toThrow('no longer match');
      expect(iam).toHaveReceivedCommandTimes(DeletePolicyVersionCommand, 1);
      expect(iam).not.toHaveReceivedCommand(DeletePolicyCommand);
    });

    it('lets not-found (of the re-list or of DeletePolicy) and a DeleteConflict through, for the core to report', async () => {
      iam.on(ListEntitiesForPolicyCommand).rejects(noSuchEntity());
      iam.on(ListPolicyVersionsCommand).rejects(noSuchEntity());
      await expect(handler.delete(live({ config: plannedConfig() }), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'NoSuchEntity' });
      expect(iam).not.toHaveReceivedCommand(DeletePolicyCommand);

      iam.reset();
      now();
      iam.on(DeletePolicyCommand).rejectsOnce(noSuchEntity()).rejectsOnce(awsError('DeleteConflict', 'Cannot delete a policy attached to entities.', 409));
      await expect(handler.delete(live({ config: plannedConfig({ Entities: none }) }), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'NoSuchEntity' });
      await expect(handler.delete(live({ config: plannedConfig({ Entities: none }) }), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'DeleteConflict' });
    });
  });
});
