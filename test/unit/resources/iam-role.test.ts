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
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GONE } from '../../../src/resources/handler.js';
import { iamRole as handler, rolePath } from '../../../src/resources/iam-role.js';
import { awsError, refFor, testContext } from '../../helpers/context.js';

const iam = mockClient(IAMClient);
const ARN = 'arn:aws:iam::123456789012:role/service/nova/nova-exec';
const ref = (arn = ARN) => refFor(handler, arn, 'eu-west-1');
const ctx = () => testContext();
const noSuchEntity = (what = 'Role nova-exec not found') => awsError('NoSuchEntityException', what, 404);
const encoded = (doc: unknown) => encodeURIComponent(JSON.stringify(doc));
const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const commandOrder = () => iam.calls().map((c) => (c.args[0] as object).constructor.name);

/** A role with nothing attached. */
function bareRole() {
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
  iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
  iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
}

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
    expect(handler.dependsOn).toEqual([]);
  });

  it('takes the path between role/ and the name', () => {
    expect(rolePath(ARN)).toBe('/service/nova/');
    expect(rolePath('arn:aws:iam::123456789012:role/nova-exec')).toBe('/');
  });

  it('refuses service-linked and IAM Identity Center roles, and only those', () => {
    const slr = 'arn:aws:iam::123456789012:role/aws-service-role/sagemaker.amazonaws.com/AWSServiceRoleForAmazonSageMaker';
    const sso = 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef';
    expect(handler.protect?.(ref(slr))).toMatch(/service-linked/);
    expect(handler.protect?.(ref(sso))).toMatch(/Identity Center/);
    expect(handler.protect?.(ref(ARN))).toBeUndefined();
    expect(handler.protect?.(ref('arn:aws:iam::123456789012:role/nova-exec'))).toBeUndefined();
    expect(handler.protect?.(ref('arn:aws:iam::123456789012:role/team/aws-service-role/x'))).toBeUndefined();
  });

  it('discovers the roles whose tags match, across pages of roles and of tags', async () => {
    iam.on(ListRolesCommand)
      .resolvesOnce({ Roles: [{ RoleName: 'a', Arn: 'arn:aws:iam::123456789012:role/a', Path: '/', RoleId: '1', CreateDate: new Date() }], IsTruncated: true, Marker: 'm1' })
      .resolvesOnce({
        Roles: [
          { RoleName: 'b', Arn: 'arn:aws:iam::123456789012:role/x/b', Path: '/x/', RoleId: '2', CreateDate: new Date() },
          { RoleName: 'c', Arn: 'arn:aws:iam::123456789012:role/c', Path: '/', RoleId: '3', CreateDate: new Date() },
          { RoleName: 'vanished', Arn: 'arn:aws:iam::123456789012:role/vanished', Path: '/', RoleId: '4', CreateDate: new Date() },
        ],
        IsTruncated: false,
      });
    iam.on(ListRoleTagsCommand, { RoleName: 'a' }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }], IsTruncated: false });
    iam.on(ListRoleTagsCommand, { RoleName: 'b' })
      .resolvesOnce({ Tags: [{ Key: 'team', Value: 'ml' }], IsTruncated: true, Marker: 't2' })
      .resolvesOnce({ Tags: [{ Key: 'project', Value: 'nova' }], IsTruncated: false });
    iam.on(ListRoleTagsCommand, { RoleName: 'c' }).resolves({ Tags: [{ Key: 'project', Value: 'other' }], IsTruncated: false });
    iam.on(ListRoleTagsCommand, { RoleName: 'vanished' }).rejects(noSuchEntity());

    const hits = await handler.discover?.(ctx(), [{ key: 'project', values: ['nova'] }], 'us-east-1');
    expect(hits).toEqual([
      { arn: 'arn:aws:iam::123456789012:role/a', tags: { project: 'nova' }, region: 'us-east-1' },
      { arn: 'arn:aws:iam::123456789012:role/x/b', tags: { team: 'ml', project: 'nova' }, region: 'us-east-1' },
    ]);
    expect(iam).toHaveReceivedNthSpecificCommandWith(1, ListRolesCommand, { MaxItems: 1000 });
    expect(iam).toHaveReceivedNthSpecificCommandWith(2, ListRolesCommand, { Marker: 'm1', MaxItems: 1000 });
  });

  it('lets a failing tag read through from discover', async () => {
    iam.on(ListRolesCommand).resolves({ Roles: [{ RoleName: 'a', Arn: 'arn:aws:iam::123456789012:role/a', Path: '/', RoleId: '1', CreateDate: new Date() }] });
    iam.on(ListRoleTagsCommand).rejects(awsError('AccessDenied', 'not authorized to ListRoleTags', 403));
    await expect(handler.discover?.(ctx(), [{ key: 'project', values: [] }], 'us-east-1')).rejects.toThrow('ListRoleTags');
  });

  it('describes trust policy, managed and inline policies, instance profiles and tags', async () => {
    const CUSTOMER = 'arn:aws:iam::123456789012:policy/nova-read';
    const MANAGED = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
    iam.on(GetRoleCommand, { RoleName: 'nova-exec' }).resolves({
      Role: { RoleName: 'nova-exec', Arn: ARN, Path: '/service/nova/', RoleId: 'R', CreateDate: new Date(0), AssumeRolePolicyDocument: encoded(TRUST) },
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
    iam.on(ListInstanceProfilesForRoleCommand).resolves({
      InstanceProfiles: [{ InstanceProfileName: 'nova-ip', InstanceProfileId: 'I', Arn: 'arn:aws:iam::123456789012:instance-profile/nova-ip', Path: '/', CreateDate: new Date(0), Roles: [] }],
    });

    const d = await handler.describe(ref(), ctx());
    if (d === GONE) throw new Error('expected a description');
    expect(d.tags).toEqual({ project: 'nova' });
    expect(d.uses).toEqual([]);
    expect(d.config).toMatchObject({
      Role: { RoleName: 'nova-exec', AssumeRolePolicyDocument: TRUST },
      AttachedPolicies: [
        { PolicyArn: CUSTOMER, Document: { Statement: [{ Action: 's3:GetObject' }] } },
        { PolicyArn: MANAGED, Error: expect.stringContaining('was not found') },
      ],
      InlinePolicies: [{ PolicyName: 'inline1', PolicyDocument: { Statement: [{ Action: 'sqs:*' }] } }],
      InstanceProfiles: [{ InstanceProfileName: 'nova-ip', Arn: 'arn:aws:iam::123456789012:instance-profile/nova-ip' }],
    });
    expect(d.config).not.toHaveProperty('$metadata');
    // IAM is called through the client of the region the ref carries (the run's first region).
    expect(await (iam.call(0).thisValue as IAMClient).config.region()).toBe('eu-west-1');
  });

  it('keeps a trust policy that is not URL-encoded JSON as it came', async () => {
    iam.on(GetRoleCommand).resolves({ Role: { RoleName: 'nova-exec', Arn: ARN, Path: '/', RoleId: 'R', CreateDate: new Date(0), AssumeRolePolicyDocument: '%E0%A4%A' } });
    iam.on(ListRoleTagsCommand).resolves({});
    bareRole();
    const d = await handler.describe(ref(), ctx());
    expect(d !== GONE && d.config).toMatchObject({ Role: { AssumeRolePolicyDocument: '%E0%A4%A' }, AttachedPolicies: [], InlinePolicies: [] });
  });

  it('reports a role that no longer exists as gone', async () => {
    iam.on(GetRoleCommand).rejects(noSuchEntity());
    iam.on(ListRoleTagsCommand).rejects(awsError('NoSuchEntity', 'Role nova-exec not found', 404));
    expect(await handler.describe(ref(), ctx())).toBe(GONE);
    expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
    expect(iam).not.toHaveReceivedCommand(ListAttachedRolePoliciesCommand);
  });

  it('reads current tags from every page', async () => {
    iam.on(ListRoleTagsCommand)
      .resolvesOnce({ Tags: [{ Key: 'a', Value: '1' }], IsTruncated: true, Marker: 'm' })
      .resolvesOnce({ Tags: [{ Key: 'b', Value: '2' }], IsTruncated: false });
    expect(await handler.currentTags(ref(), ctx())).toEqual({ a: '1', b: '2' });
    expect(iam).toHaveReceivedNthSpecificCommandWith(2, ListRoleTagsCommand, { RoleName: 'nova-exec', Marker: 'm', MaxItems: 1000 });
  });

  it('detaches, deletes inline policies and leaves instance profiles before DeleteRole', async () => {
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyName: 'p1', PolicyArn: 'arn:aws:iam::123456789012:policy/p1' }, { PolicyName: 'p2', PolicyArn: 'arn:aws:iam::123456789012:policy/p2' }] });
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['inline1'] });
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [{ InstanceProfileName: 'ip1', InstanceProfileId: 'I', Arn: 'arn:aws:iam::123456789012:instance-profile/ip1', Path: '/', CreateDate: new Date(0), Roles: [] }] });
    iam.on(DetachRolePolicyCommand).resolves({});
    iam.on(DetachRolePolicyCommand, { PolicyArn: 'arn:aws:iam::123456789012:policy/p2' }).rejects(noSuchEntity('Policy p2 was not found.'));
    iam.on(DeleteRolePolicyCommand).resolves({});
    iam.on(RemoveRoleFromInstanceProfileCommand).resolves({});
    iam.on(DeleteRoleCommand).resolves({});
    await handler.delete(ref(), ctx());
    expect(iam).toHaveReceivedCommandWith(DetachRolePolicyCommand, { RoleName: 'nova-exec', PolicyArn: 'arn:aws:iam::123456789012:policy/p1' });
    expect(iam).toHaveReceivedCommandWith(DeleteRolePolicyCommand, { RoleName: 'nova-exec', PolicyName: 'inline1' });
    expect(iam).toHaveReceivedCommandWith(RemoveRoleFromInstanceProfileCommand, { RoleName: 'nova-exec', InstanceProfileName: 'ip1' });
    expect(iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: 'nova-exec' });
    const order = commandOrder();
    expect(order.at(-1)).toBe('DeleteRoleCommand');
    expect(order.filter((n) => /^(Detach|DeleteRolePolicy|RemoveRole)/.test(n))).toHaveLength(4);
  });

  it('does not send DeleteRole when a detach fails for another reason', async () => {
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyName: 'p1', PolicyArn: 'arn:aws:iam::123456789012:policy/p1' }] });
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(DetachRolePolicyCommand).rejects(awsError('AccessDenied', 'not authorized to DetachRolePolicy', 403));
    await expect(handler.delete(ref(), ctx())).rejects.toThrow('DetachRolePolicy');
    expect(iam).not.toHaveReceivedCommand(DeleteRoleCommand);
  });

  it('deletes a bare role with DeleteRole alone', async () => {
    bareRole();
    iam.on(DeleteRoleCommand).resolves({});
    await handler.delete(ref('arn:aws:iam::123456789012:role/nova-exec'), ctx());
    expect(iam).toHaveReceivedCommandTimes(DeleteRoleCommand, 1);
    expect(iam).not.toHaveReceivedCommand(DetachRolePolicyCommand);
  });
});
