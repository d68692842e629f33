import {
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListInstanceProfilesForRoleCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LIMITS, Throughput } from '../../../src/aws/throughput.js';
import { discover } from '../../../src/discovery/discover.js';
import type { TagFilter } from '../../../src/model.js';
import { GONE, type Described } from '../../../src/resources/handler.js';
import { iamRole as handler, rolePath } from '../../../src/resources/iam-role.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const iam = mockClient(IAMClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const ARN = 'arn:aws:iam::123456789012:role/service/nova/nova-exec';
const P1 = 'arn:aws:iam::123456789012:policy/p1';
const P2 = 'arn:aws:iam::123456789012:policy/p2';
const IP1 = 'arn:aws:iam::123456789012:instance-profile/ip1';
const ref = (arn = ARN) => refFor(handler, arn, 'eu-west-1');
const live = (described: Partial<Described> = {}, arn = ARN) => liveFor(handler, arn, described, 'eu-west-1');
const ctx = () => testContext();
const noSuchEntity = (what = 'Role nova-exec not found') => awsError('NoSuchEntity', what, 404);
const encoded = (doc: unknown) => encodeURIComponent(JSON.stringify(doc));
const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
/** The operation names the mock received, in order (`DeleteRole`, not `DeleteRoleCommand`). */
const sent = () => iam.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const role = (over: Record<string, unknown> = {}) => ({ RoleName: 'nova-exec', Arn: ARN, Path: '/service/nova/', RoleId: 'R', CreateDate: new Date(0), ...over });
const profile = (name: string) => ({ InstanceProfileName: name, InstanceProfileId: 'I', Arn: `arn:aws:iam::123456789012:instance-profile/${name}`, Path: '/', CreateDate: new Date(0), Roles: [] });

/** A role with nothing attached. */
function bareRole() {
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
  iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
  iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
}

/** What describe's config says of a role with two managed policies, one inline policy and one instance profile. */
const attachedConfig = () => ({
  Role: { RoleName: 'nova-exec', Arn: ARN },
  AttachedPolicies: [
    { PolicyName: 'p1', PolicyArn: P1 },
    { PolicyName: 'p2', PolicyArn: P2 },
  ],
  InlinePolicies: [{ PolicyName: 'inline1', PolicyDocument: {} }],
  InstanceProfiles: [{ InstanceProfileName: 'ip1', Arn: IP1, Path: '/' }],
});

describe('iam:role', () => {
  beforeEach(() => iam.reset());

  it('owns role ARNs, with or without a path, and nothing else of IAM', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:iam::123456789012:role/nova-exec')).toBe(true);
    expect(handler.arnPattern.test('arn:aws:iam::123456789012:policy/nova-exec')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:iam::123456789012:instance-profile/nova-exec')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:iam::123456789012:user/nova-exec')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:sts::123456789012:assumed-role/nova-exec/session')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:iam::123456789012:role/')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-exec');
    expect(handler.global).toBe(true);
    expect(handler.client).toBe('iam');
    // A role uses its customer-managed policies (deleted after it, kept while it stays).
    expect(handler.references).toEqual(['iam:policy']);
    expect(typeof handler.list).toBe('function');
    expect(handler.taggingApi).toBe(false);
    expect(handler.notFound).toEqual(['NoSuchEntity', 'NoSuchEntityException']);
  });

  it('declares only reads', () => {
    expect(handler.reads.filter((op) => !/^(Get|List)/.test(op))).toEqual([]);
  });

  it('takes the path between role/ and the name', () => {
    expect(rolePath(ARN)).toBe('/service/nova/');
    expect(rolePath('arn:aws:iam::123456789012:role/nova-exec')).toBe('/');
  });

  it('refuses service-linked and IAM Identity Center roles, and only those', () => {
    const slr = 'arn:aws:iam::123456789012:role/aws-service-role/sagemaker.amazonaws.com/AWSServiceRoleForAmazonSageMaker';
    const sso = 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef';
    expect(handler.protect?.(live({}, slr), {})).toMatch(/service-linked/);
    expect(handler.protect?.(live({}, sso), {})).toMatch(/Identity Center/);
    expect(handler.protect?.(live({}, ARN), {})).toBeUndefined();
    expect(handler.protect?.(live({}, 'arn:aws:iam::123456789012:role/nova-exec'), {})).toBeUndefined();
    expect(handler.protect?.(live({}, 'arn:aws:iam::123456789012:role/team/aws-service-role/x'), {})).toBeUndefined();
    // No explicit setting lets a service-linked role through.
    expect(handler.protect?.(live({}, slr), { deleteSharedLogGroups: true, deleteStudioEfs: true })).toMatch(/service-linked/);
  });

  describe('list and list discovery', () => {
    it('is not returned by the Tagging API: found by list discovery', () => {
      expect(handler.taggingApi).toBe(false);
      expect(handler.reads).toEqual(expect.arrayContaining(['ListRoles', 'ListRoleTags']));
    });

    it('lists every role across pages (1,000 a page), with its RoleId, without reading their tags', async () => {
      iam.on(ListRolesCommand)
        .resolvesOnce({ Roles: [role({ RoleName: 'a', Arn: 'arn:aws:iam::123456789012:role/a' })], IsTruncated: true, Marker: 'm1' })
        .resolvesOnce({ Roles: [role({ RoleName: 'b', Arn: 'arn:aws:iam::123456789012:role/x/b' }), role({ RoleName: 'no-arn', Arn: undefined })], IsTruncated: false });
      const listed = await handler.list(ctx(), 'us-east-1');
      expect(listed).toEqual([{ arn: 'arn:aws:iam::123456789012:role/a', id: 'R' }, { arn: 'arn:aws:iam::123456789012:role/x/b', id: 'R' }]);
      expect(iam).toHaveReceivedNthSpecificCommandWith(1, ListRolesCommand, { MaxItems: 1000 });
      expect(iam).toHaveReceivedNthSpecificCommandWith(2, ListRolesCommand, { Marker: 'm1', MaxItems: 1000 });
      expect(iam).not.toHaveReceivedCommand(ListRoleTagsCommand);
      expect(sent().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('lets a failing ListRoles through', async () => {
      iam.on(ListRolesCommand).rejects(awsError('AccessDenied', 'not authorized to ListRoles', 403));
      await expect(handler.list(ctx(), 'us-east-1')).rejects.toThrow('ListRoles');
    });

    /**
     * The core's list discovery of roles alone, with the default throughput table. The Tagging API is asked
     * too (for unsupported types; it finds nothing unless a test says otherwise); roles are what the registry knows.
     */
    const discoverRoles = (filters: readonly TagFilter[] = [{ key: 'project', values: ['nova'] }], regions = ['us-east-1', 'eu-west-1']) => {
      const c = ctx();
      return discover({
        aws: c.aws,
        ctx: c,
        throughput: new Throughput(),
        regions,
        filters,
        handlers: [handler],
        mode: 'list',
        registryForArn: (arn) => (handler.arnPattern.test(arn) ? handler : undefined),
      });
    };
    beforeEach(() => {
      tagging.reset();
      tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    });

    it('with the core: the roles whose live tags match, across pages of roles and of tags; a role gone since the list is skipped', async () => {
      iam.on(ListRolesCommand)
        .resolvesOnce({ Roles: [role({ RoleName: 'a', Arn: 'arn:aws:iam::123456789012:role/a' })], IsTruncated: true, Marker: 'm1' })
        .resolvesOnce({
          Roles: [
            role({ RoleName: 'b', Arn: 'arn:aws:iam::123456789012:role/x/b' }),
            role({ RoleName: 'c', Arn: 'arn:aws:iam::123456789012:role/c' }),
            role({ RoleName: 'vanished', Arn: 'arn:aws:iam::123456789012:role/vanished' }),
          ],
          IsTruncated: false,
        });
      iam.on(ListRoleTagsCommand, { RoleName: 'a' }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }], IsTruncated: false });
      iam.on(ListRoleTagsCommand, { RoleName: 'b' })
        .resolvesOnce({ Tags: [{ Key: 'team', Value: 'ml' }], IsTruncated: true, Marker: 't2' })
        .resolvesOnce({ Tags: [{ Key: 'project', Value: 'nova' }], IsTruncated: false });
      iam.on(ListRoleTagsCommand, { RoleName: 'c' }).resolves({ Tags: [{ Key: 'project', Value: 'other' }], IsTruncated: false });
      iam.on(ListRoleTagsCommand, { RoleName: 'vanished' }).rejects(awsError('NoSuchEntityException', 'gone', 404));

      const { hits } = await discoverRoles();
      expect([...hits].sort((x, y) => (x.arn < y.arn ? -1 : 1))).toEqual([
        { arn: 'arn:aws:iam::123456789012:role/a', tags: { project: 'nova' }, region: 'us-east-1', liveTags: true },
        { arn: 'arn:aws:iam::123456789012:role/x/b', tags: { team: 'ml', project: 'nova' }, region: 'us-east-1', liveTags: true },
      ]);
      // Global: listed once, in the home region (the Tagging API: once per region).
      expect(iam).toHaveReceivedCommandTimes(ListRolesCommand, 2);
      expect(tagging).toHaveReceivedCommandTimes(GetResourcesCommand, 2);
      expect(iam).toHaveReceivedCommandWith(ListRoleTagsCommand, { RoleName: 'b', Marker: 't2', MaxItems: 1000 });
      expect(sent().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('with the core: a role the Tagging API returns is dropped; its ListRoleTags decide (a role not ours by its live tags is no hit)', async () => {
      const A = 'arn:aws:iam::123456789012:role/a';
      const B = 'arn:aws:iam::123456789012:role/b';
      tagging.on(GetResourcesCommand).resolves({
        ResourceTagMappingList: [
          { ResourceARN: A, Tags: [{ Key: 'project', Value: 'nova' }, { Key: 'stale', Value: 'yes' }] },
          { ResourceARN: B, Tags: [{ Key: 'project', Value: 'nova' }] },
        ],
      });
      iam.on(ListRolesCommand).resolves({ Roles: [role({ RoleName: 'a', Arn: A }), role({ RoleName: 'b', Arn: B })], IsTruncated: false });
      iam.on(ListRoleTagsCommand, { RoleName: 'a' }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }], IsTruncated: false });
      iam.on(ListRoleTagsCommand, { RoleName: 'b' }).resolves({ Tags: [{ Key: 'project', Value: 'other' }], IsTruncated: false });
      const { hits } = await discoverRoles(undefined, ['us-east-1']);
      expect(hits).toEqual([{ arn: A, tags: { project: 'nova' }, region: 'us-east-1', liveTags: true }]);
    });

    it('with the core: a failing tag read fails the listing of roles (reported, no hit), it is not taken for "no tags"', async () => {
      iam.on(ListRolesCommand).resolves({ Roles: [role({ RoleName: 'a', Arn: 'arn:aws:iam::123456789012:role/a' })] });
      iam.on(ListRoleTagsCommand).rejects(awsError('AccessDenied', 'not authorized to ListRoleTags', 403));
      const { hits, failures } = await discoverRoles([{ key: 'project', values: [] }]);
      expect(hits).toEqual([]);
      expect(failures).toEqual([{ handler, region: 'us-east-1', error: expect.stringContaining('ListRoleTags') }]);
    });

    it('with the core: reads the tags of at most 8 roles at once (the iam lane of the throughput table)', async () => {
      const roles = Array.from({ length: 20 }, (_, i) => role({ RoleName: `r${i}`, Arn: `arn:aws:iam::123456789012:role/r${i}` }));
      iam.on(ListRolesCommand).resolves({ Roles: roles });
      let inFlight = 0;
      let most = 0;
      iam.on(ListRoleTagsCommand).callsFake(async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return { Tags: [{ Key: 'project', Value: 'nova' }] };
      });
      const { hits } = await discoverRoles([{ key: 'project', values: [] }]);
      expect(hits).toHaveLength(20);
      expect(LIMITS.iam?.read).toBe(8);
      expect(most).toBe(8);
    });
  });

  describe('readUses', () => {
    it('is ListAttachedRolePolicies alone, every page: the customer-managed policies, not the AWS-managed ones', async () => {
      iam.on(ListAttachedRolePoliciesCommand)
        .resolvesOnce({ AttachedPolicies: [{ PolicyName: 'p1', PolicyArn: P1 }, { PolicyName: 'ro', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }], IsTruncated: true, Marker: 'm' })
        .resolvesOnce({ AttachedPolicies: [{ PolicyName: 'p2', PolicyArn: 'arn:aws:iam::123456789012:policy/team/p2' }, { PolicyName: 'none' }] });
      expect(await handler.readUses?.(ref(), ctx())).toEqual([P1, 'arn:aws:iam::123456789012:policy/team/p2']);
      expect(iam).toHaveReceivedNthSpecificCommandWith(2, ListAttachedRolePoliciesCommand, { RoleName: 'nova-exec', Marker: 'm', MaxItems: 1000 });
      expect(sent()).toEqual(['ListAttachedRolePolicies', 'ListAttachedRolePolicies']);
      expect(sent().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('is gone when the role is, and lets other errors through', async () => {
      iam.on(ListAttachedRolePoliciesCommand).rejectsOnce(noSuchEntity()).rejectsOnce(awsError('AccessDenied', 'not authorized to ListAttachedRolePolicies', 403));
      expect(await handler.readUses?.(ref(), ctx())).toBe(GONE);
      await expect(handler.readUses?.(ref(), ctx())).rejects.toThrow('ListAttachedRolePolicies');
    });
  });

  describe('describe', () => {
    const CUSTOMER = 'arn:aws:iam::123456789012:policy/nova-read';
    const MANAGED = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

    function fullRole() {
      iam.on(GetRoleCommand, { RoleName: 'nova-exec' }).resolves({
        Role: role({ AssumeRolePolicyDocument: encoded(TRUST), RoleLastUsed: { LastUsedDate: new Date(0), Region: 'ap-south-1' } }),
        $metadata: {},
      });
      iam.on(ListRoleTagsCommand).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyName: 'nova-read', PolicyArn: CUSTOMER }, { PolicyName: 'basic', PolicyArn: MANAGED }] });
      iam.on(GetPolicyCommand, { PolicyArn: CUSTOMER }).resolves({ Policy: { DefaultVersionId: 'v3' } });
      iam.on(GetPolicyVersionCommand, { PolicyArn: CUSTOMER, VersionId: 'v3' }).resolves({ PolicyVersion: { Document: encoded({ Statement: [{ Action: 's3:GetObject' }] }) } });
      iam.on(GetPolicyCommand, { PolicyArn: MANAGED }).rejects(noSuchEntity(`Policy ${MANAGED} was not found.`));
      iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['inline1', 'raced'] });
      iam.on(GetRolePolicyCommand, { PolicyName: 'inline1' }).resolves({ RoleName: 'nova-exec', PolicyName: 'inline1', PolicyDocument: encoded({ Statement: [{ Action: 'sqs:*' }] }) });
      iam.on(GetRolePolicyCommand, { PolicyName: 'raced' }).rejects(noSuchEntity('The role policy with name raced cannot be found.'));
      iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [profile('nova-ip')] });
    }

    it('reads the trust policy, attachments, instance profiles, last use and tags for the plan; the policy documents only for the backup', async () => {
      fullRole();
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      // The customer-managed policy it is attached to; not the AWS-managed one.
      expect(d.uses).toEqual([CUSTOMER]);
      // IAM's complete answer of who uses it among instance profiles.
      expect(d.usedBy).toEqual({ types: ['iam:instance-profile'], arns: ['arn:aws:iam::123456789012:instance-profile/nova-ip'] });
      expect(d.config).toMatchObject({
        Role: { RoleName: 'nova-exec', AssumeRolePolicyDocument: TRUST, RoleLastUsed: { Region: 'ap-south-1' } },
        AttachedPolicies: [
          { PolicyArn: CUSTOMER, PolicyName: 'nova-read' },
          { PolicyArn: MANAGED, PolicyName: expect.any(String) },
        ],
        InlinePolicies: [{ PolicyName: 'inline1' }, { PolicyName: 'raced' }],
        InstanceProfiles: [{ InstanceProfileName: 'nova-ip', Arn: 'arn:aws:iam::123456789012:instance-profile/nova-ip' }],
        Tags: { project: 'nova' },
      });
      expect(d.config).not.toHaveProperty('$metadata');
      // IAM is called through the client of the region the ref carries (the run's first region).
      expect(await (iam.call(0).thisValue as IAMClient).config.region()).toBe('eu-west-1');
      // The plan reads no policy document: those are the backup's.
      expect(new Set(sent())).toEqual(new Set(['GetRole', 'ListRoleTags', 'ListAttachedRolePolicies', 'ListRolePolicies', 'ListInstanceProfilesForRole']));
      // What the plan shows and checks, from that description.
      const r = { ref: ref(), described: d };
      expect(handler.lastUsedRegion?.(r)).toBe('ap-south-1');
      expect(handler.children?.(r)).toEqual([
        { kind: 'managed-policy-attachment', id: CUSTOMER },
        { kind: 'managed-policy-attachment', id: MANAGED },
        { kind: 'inline-policy', id: 'inline1' },
        { kind: 'inline-policy', id: 'raced' },
        { kind: 'instance-profile-membership', id: 'nova-ip' },
      ]);

      // The backup: every document, an unreadable managed one with its error, a raced inline one left out.
      iam.resetHistory();
      const details = await handler.backupDetails?.(r, ctx());
      expect(details).toEqual({
        AttachedPolicies: [
          expect.objectContaining({ PolicyArn: CUSTOMER, PolicyName: 'nova-read', Document: { Statement: [{ Action: 's3:GetObject' }] } }),
          expect.objectContaining({ PolicyArn: MANAGED, Error: expect.stringContaining('was not found') }),
        ],
        InlinePolicies: [{ PolicyName: 'inline1', PolicyDocument: { Statement: [{ Action: 'sqs:*' }] } }],
      });
      expect(new Set(sent())).toEqual(new Set(['GetPolicy', 'GetPolicyVersion', 'GetRolePolicy']));
      expect(sent().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('uses its permissions boundary too when it is customer-managed, each policy once; nothing when only AWS-managed ones are on it', async () => {
      const BOUNDARY = 'arn:aws:iam::123456789012:policy/boundaries/nova-boundary';
      iam.on(GetRoleCommand).resolves({ Role: role({ PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: BOUNDARY } }) });
      iam.on(ListRoleTagsCommand).resolves({});
      bareRole();
      iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyName: 'b', PolicyArn: BOUNDARY }] });
      iam.on(GetPolicyCommand).resolves({ Policy: { DefaultVersionId: 'v1' } });
      iam.on(GetPolicyVersionCommand).resolves({ PolicyVersion: { Document: encoded({}) } });
      const d = await handler.describe(ref(), ctx());
      expect(d !== GONE && d.uses).toEqual([BOUNDARY]);
      // In no instance profile: IAM said so, completely.
      expect(d !== GONE && d.usedBy).toEqual({ types: ['iam:instance-profile'], arns: [] });

      iam.on(GetRoleCommand).resolves({ Role: role({ PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: MANAGED } }) });
      iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyName: 'basic', PolicyArn: MANAGED }] });
      const managedOnly = await handler.describe(ref(), ctx());
      expect(managedOnly !== GONE && managedOnly.uses).toEqual([]);
    });

    it('names its instance profiles by their ARNs, built from the path when IAM gives none', async () => {
      iam.on(GetRoleCommand).resolves({ Role: role() });
      iam.on(ListRoleTagsCommand).resolves({});
      bareRole();
      iam.on(ListInstanceProfilesForRoleCommand)
        .resolvesOnce({ InstanceProfiles: [profile('ip-a')], IsTruncated: true, Marker: 'p2' })
        .resolvesOnce({ InstanceProfiles: [{ ...profile('ip-b'), Arn: undefined, Path: '/team/' }] });
      const d = await handler.describe(ref(), ctx());
      expect(d !== GONE && d.usedBy).toEqual({
        types: ['iam:instance-profile'],
        arns: ['arn:aws:iam::123456789012:instance-profile/ip-a', 'arn:aws:iam::123456789012:instance-profile/team/ip-b'],
      });
    });

    it('uses the tags discovery read instead of reading them again', async () => {
      fullRole();
      const d = await handler.describe(ref(), ctx(), { tags: { project: 'nova', from: 'hint' } });
      expect(d !== GONE && d.tags).toEqual({ project: 'nova', from: 'hint' });
      expect(d !== GONE && d.config.Tags).toEqual({ project: 'nova', from: 'hint' });
      expect(iam).not.toHaveReceivedCommand(ListRoleTagsCommand);
    });

    it('keeps a trust policy that is not URL-encoded JSON as it came', async () => {
      iam.on(GetRoleCommand).resolves({ Role: role({ AssumeRolePolicyDocument: '%E0%A4%A' }) });
      iam.on(ListRoleTagsCommand).resolves({});
      bareRole();
      const d = await handler.describe(ref(), ctx());
      expect(d !== GONE && d.config).toMatchObject({ Role: { AssumeRolePolicyDocument: '%E0%A4%A' }, AttachedPolicies: [], InlinePolicies: [], InstanceProfiles: [] });
      expect(d !== GONE && handler.lastUsedRegion?.({ ref: ref(), described: d })).toBeUndefined();
    });

    it('reports a role that no longer exists as gone', async () => {
      iam.on(GetRoleCommand).rejects(awsError('NoSuchEntityException', 'Role nova-exec not found', 404));
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
      expect(iam).not.toHaveReceivedCommand(ListAttachedRolePoliciesCommand);
    });

    it('reports a role deleted between GetRole and its listings as gone', async () => {
      iam.on(GetRoleCommand).resolves({ Role: role() });
      iam.on(ListRoleTagsCommand).resolves({});
      bareRole();
      iam.on(ListRolePoliciesCommand).rejects(noSuchEntity());
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
    });

    it('lets any other error through', async () => {
      iam.on(GetRoleCommand).rejects(awsError('AccessDenied', 'not authorized to GetRole', 403));
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('GetRole');
    });
  });

  describe('children and actions', () => {
    it('has no children and needs only the tag read, the re-list and DeleteRole when nothing is attached', () => {
      const r = live({ config: { Role: {}, AttachedPolicies: [], InlinePolicies: [], InstanceProfiles: [] } });
      expect(handler.children?.(r)).toEqual([]);
      expect(handler.actions(r)).toEqual(
        ['iam:ListRoleTags', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies', 'iam:ListInstanceProfilesForRole', 'iam:DeleteRole'].map((action) => ({ action, resource: ARN })),
      );
    });

    it('lists each attachment as a child and needs each removal, RemoveRoleFromInstanceProfile on the profile', () => {
      const r = live({ config: attachedConfig() });
      expect(handler.children?.(r)).toEqual([
        { kind: 'managed-policy-attachment', id: P1 },
        { kind: 'managed-policy-attachment', id: P2 },
        { kind: 'inline-policy', id: 'inline1' },
        { kind: 'instance-profile-membership', id: 'ip1' },
      ]);
      expect(handler.actions(r)).toEqual([
        { action: 'iam:ListRoleTags', resource: ARN },
        { action: 'iam:DetachRolePolicy', resource: ARN },
        { action: 'iam:DeleteRolePolicy', resource: ARN },
        { action: 'iam:RemoveRoleFromInstanceProfile', resource: IP1 },
        { action: 'iam:ListAttachedRolePolicies', resource: ARN },
        { action: 'iam:ListRolePolicies', resource: ARN },
        { action: 'iam:ListInstanceProfilesForRole', resource: ARN },
        { action: 'iam:DeleteRole', resource: ARN },
      ]);
    });

    it('needs only the removals of what is there', () => {
      const actions = (config: Record<string, unknown>) => handler.actions(live({ config })).map((a) => a.action);
      expect(actions({ AttachedPolicies: [{ PolicyArn: P1 }] })).toContain('iam:DetachRolePolicy');
      expect(actions({ AttachedPolicies: [{ PolicyArn: P1 }] })).not.toContain('iam:DeleteRolePolicy');
      expect(actions({ InlinePolicies: [{ PolicyName: 'x' }] })).toContain('iam:DeleteRolePolicy');
      expect(actions({ InlinePolicies: [{ PolicyName: 'x' }] })).not.toContain('iam:DetachRolePolicy');
      expect(actions({ InlinePolicies: [{ PolicyName: 'x' }] })).not.toContain('iam:RemoveRoleFromInstanceProfile');
    });

    it('builds an instance profile ARN from its path when the config lacks one', () => {
      const r = live({ config: { InstanceProfiles: [{ InstanceProfileName: 'ip2', Path: '/team/' }] } });
      expect(handler.actions(r)).toContainEqual({ action: 'iam:RemoveRoleFromInstanceProfile', resource: 'arn:aws:iam::123456789012:instance-profile/team/ip2' });
    });
  });

  describe('currentTags', () => {
    it('reads every page', async () => {
      iam.on(ListRoleTagsCommand)
        .resolvesOnce({ Tags: [{ Key: 'a', Value: '1' }], IsTruncated: true, Marker: 'm' })
        .resolvesOnce({ Tags: [{ Key: 'b', Value: '2' }], IsTruncated: false });
      expect(await handler.currentTags(ref(), ctx())).toEqual({ a: '1', b: '2' });
      expect(iam).toHaveReceivedNthSpecificCommandWith(2, ListRoleTagsCommand, { RoleName: 'nova-exec', Marker: 'm', MaxItems: 1000 });
      expect(sent().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('is gone when the role is, and lets other errors through', async () => {
      iam.on(ListRoleTagsCommand).rejectsOnce(noSuchEntity()).rejectsOnce(awsError('AccessDenied', 'not authorized to ListRoleTags', 403));
      expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
      await expect(handler.currentTags(ref(), ctx())).rejects.toThrow('ListRoleTags');
    });
  });

  describe('delete', () => {
    function removals() {
      iam.on(DetachRolePolicyCommand).resolves({});
      iam.on(DeleteRolePolicyCommand).resolves({});
      iam.on(RemoveRoleFromInstanceProfileCommand).resolves({});
    }

    it('removes the planned attachments, each as a step, then DeleteRole as the last step', async () => {
      removals();
      iam.on(DetachRolePolicyCommand, { PolicyArn: P2 }).rejects(noSuchEntity('Policy p2 was not found.')); // already detached: fine
      iam.on(DeleteRoleCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(live({ config: attachedConfig() }), ctx(), steps);

      expect(steps.log).toEqual([
        { name: 'detach-policy', child: { kind: 'managed-policy-attachment', id: P1 }, done: `detached policy ${P1}` },
        { name: 'detach-policy', child: { kind: 'managed-policy-attachment', id: P2 }, done: `detached policy ${P2}` },
        { name: 'delete-inline-policy', child: { kind: 'inline-policy', id: 'inline1' }, done: 'deleted inline policy inline1' },
        { name: 'remove-from-instance-profile', child: { kind: 'instance-profile-membership', id: 'ip1' }, done: 'removed from instance profile ip1' },
        { name: 'delete' },
      ]);
      expect(iam).toHaveReceivedCommandWith(DetachRolePolicyCommand, { RoleName: 'nova-exec', PolicyArn: P1 });
      expect(iam).toHaveReceivedCommandWith(DeleteRolePolicyCommand, { RoleName: 'nova-exec', PolicyName: 'inline1' });
      expect(iam).toHaveReceivedCommandWith(RemoveRoleFromInstanceProfileCommand, { RoleName: 'nova-exec', InstanceProfileName: 'ip1' });
      expect(iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: 'nova-exec' });
      const order = sent();
      expect(order.at(-1)).toBe('DeleteRole');
      expect(order.filter((n) => n !== 'DeleteRole')).toHaveLength(4);
      // The plan's children are used as they are: nothing is listed again.
      expect(order.filter((n) => n.startsWith('List'))).toEqual([]);
    });

    it('deletes a bare role with DeleteRole alone', async () => {
      iam.on(DeleteRoleCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(live({ config: { Role: {}, AttachedPolicies: [], InlinePolicies: [], InstanceProfiles: [] } }), ctx(), steps);
      expect(steps.log).toEqual([{ name: 'delete' }]);
      expect(sent()).toEqual(['DeleteRole']);
    });

    it('does not send DeleteRole when a removal fails for another reason', async () => {
      iam.on(DetachRolePolicyCommand).rejects(awsError('AccessDenied', 'not authorized to DetachRolePolicy', 403));
      await expect(handler.delete(live({ config: { AttachedPolicies: [{ PolicyArn: P1 }] } }), ctx(), recordingSteps())).rejects.toThrow('DetachRolePolicy');
      expect(iam).not.toHaveReceivedCommand(DeleteRoleCommand);
    });

    it('starts no removal after one has failed', async () => {
      const policies = Array.from({ length: 20 }, (_, i) => ({ PolicyArn: `arn:aws:iam::123456789012:policy/p${i}` }));
      iam.on(DetachRolePolicyCommand).rejects(awsError('AccessDenied', 'not authorized to DetachRolePolicy', 403));
      await expect(handler.delete(live({ config: { AttachedPolicies: policies } }), ctx(), recordingSteps())).rejects.toThrow('DetachRolePolicy');
      // At most the first batch (8 at once) was under way when the first failed.
      expect(iam.commandCalls(DetachRolePolicyCommand).length).toBeLessThanOrEqual(8);
      expect(iam).not.toHaveReceivedCommand(DeleteRoleCommand);
    });

    it('stops where the executor stops it, leaving the rest unsent', async () => {
      removals();
      iam.on(DeleteRoleCommand).resolves({});
      await expect(handler.delete(live({ config: attachedConfig() }), ctx(), recordingSteps({ stopAt: 'delete' }))).rejects.toThrow('no longer match');
      expect(iam).toHaveReceivedCommandTimes(DetachRolePolicyCommand, 2);
      expect(iam).not.toHaveReceivedCommand(DeleteRoleCommand);

      iam.resetHistory();
      const config = { ...attachedConfig(), AttachedPolicies: [], InlinePolicies: [] };
      await expect(handler.delete(live({ config }), ctx(), recordingSteps({ stopAt: 'remove-from-instance-profile' }))).rejects.toThrow('no longer match');
      expect(sent()).toEqual([]);
    });

    it('lets not-found on DeleteRole through, for the core to report the role gone', async () => {
      iam.on(DeleteRoleCommand).rejects(noSuchEntity());
      await expect(handler.delete(live(), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'NoSuchEntity' });
      expect(iam).toHaveReceivedCommandTimes(DeleteRoleCommand, 1);
    });

    it('on a DeleteConflict, removes what was attached since the plan and sends DeleteRole once more', async () => {
      removals();
      iam.on(DeleteRoleCommand).rejectsOnce(awsError('DeleteConflict', 'Cannot delete entity, must detach all policies first.', 409)).resolves({});
      iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyName: 'late', PolicyArn: 'arn:aws:iam::123456789012:policy/late' }] });
      iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
      iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [profile('ip-late')] });
      const steps = recordingSteps();
      await handler.delete(live({ config: { AttachedPolicies: [{ PolicyArn: P1 }] } }), ctx(), steps);

      expect(steps.log.map((s) => [s.name, s.child?.id])).toEqual([
        ['detach-policy', P1],
        ['delete', undefined],
        ['detach-policy', 'arn:aws:iam::123456789012:policy/late'],
        ['remove-from-instance-profile', 'ip-late'],
        ['delete', undefined],
      ]);
      expect(iam).toHaveReceivedCommandWith(RemoveRoleFromInstanceProfileCommand, { RoleName: 'nova-exec', InstanceProfileName: 'ip-late' });
      expect(iam).toHaveReceivedCommandTimes(DeleteRoleCommand, 2);
      expect(sent().at(-1)).toBe('DeleteRole');
    });

    it('throws a second DeleteConflict', async () => {
      iam.on(DeleteRoleCommand).rejects(awsError('DeleteConflict', 'Cannot delete entity, must remove roles from instance profile first.', 409));
      bareRole();
      await expect(handler.delete(live(), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'DeleteConflict' });
      expect(iam).toHaveReceivedCommandTimes(DeleteRoleCommand, 2);
      expect(iam).toHaveReceivedCommandTimes(ListAttachedRolePoliciesCommand, 1);
    });

    it('does not re-list on another DeleteRole error', async () => {
      iam.on(DeleteRoleCommand).rejects(awsError('UnmodifiableEntity', 'Cannot perform the operation on the protected role', 400));
      await expect(handler.delete(live(), ctx(), recordingSteps())).rejects.toMatchObject({ name: 'UnmodifiableEntity' });
      expect(sent()).toEqual(['DeleteRole']);
    });
  });
});
