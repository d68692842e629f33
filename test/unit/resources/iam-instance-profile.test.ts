import {
  DeleteInstanceProfileCommand,
  GetInstanceProfileCommand,
  IAMClient,
  ListInstanceProfilesCommand,
  ListInstanceProfileTagsCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Throughput } from '../../../src/aws/throughput.js';
import { discover } from '../../../src/discovery/discover.js';
import { GONE, type Described } from '../../../src/resources/handler.js';
import { iamInstanceProfile as handler } from '../../../src/resources/iam-instance-profile.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const iam = mockClient(IAMClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const ARN = 'arn:aws:iam::123456789012:instance-profile/ml/nova-ip';
const ROLE = 'arn:aws:iam::123456789012:role/service/nova-exec';
const ref = (arn = ARN) => refFor(handler, arn, 'eu-west-1');
const live = (described: Partial<Described> = {}, arn = ARN) => liveFor(handler, arn, described, 'eu-west-1');
const ctx = () => testContext();
const noSuchEntity = (what = 'Instance profile nova-ip not found') => awsError('NoSuchEntity', what, 404);
const sent = () => iam.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const role = (RoleName: string, Arn: string) => ({ RoleName, Arn, Path: '/', RoleId: `R-${RoleName}`, CreateDate: new Date(0), AssumeRolePolicyDocument: '%7B%7D' });
const profile = (over: Record<string, unknown> = {}) => ({
  InstanceProfileName: 'nova-ip',
  InstanceProfileId: 'AIPA',
  Arn: ARN,
  Path: '/ml/',
  CreateDate: new Date(0),
  Roles: [role('nova-exec', ROLE)],
  Tags: [{ Key: 'project', Value: 'nova' }],
  ...over,
});

describe('iam:instance-profile', () => {
  beforeEach(() => iam.reset());

  it('owns instance profile ARNs, with or without a path, and nothing else of IAM', () => {
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test('arn:aws:iam::123456789012:instance-profile/nova-ip')).toBe(true);
    expect(handler.arnPattern.test('arn:aws:iam::123456789012:role/nova-ip')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:iam::123456789012:policy/nova-ip')).toBe(false);
    expect(handler.arnPattern.test('arn:aws:iam::123456789012:instance-profile/')).toBe(false);
    expect(handler.nameOf(ARN)).toBe('nova-ip');
    expect(handler.global).toBe(true);
    expect(handler.client).toBe('iam');
    expect(handler.references).toEqual(['iam:role']);
    expect(handler.taggingApi).toBe(false);
    expect(handler.notFound).toEqual(['NoSuchEntity', 'NoSuchEntityException']);
    expect(handler.reads.filter((op) => !/^(Get|List)/.test(op))).toEqual([]);
    expect(handler.waitUntilGone).toBeUndefined();
  });

  describe('list', () => {
    it('lists every profile, 1,000 a page, all pages, with the role in it (so no readUses is needed)', async () => {
      iam.on(ListInstanceProfilesCommand)
        .resolvesOnce({ InstanceProfiles: [profile()], IsTruncated: true, Marker: 'm1' })
        .resolvesOnce({ InstanceProfiles: [profile({ InstanceProfileName: 'empty', Arn: 'arn:aws:iam::123456789012:instance-profile/empty', Roles: [] }), profile({ Arn: undefined })] });
      expect(await handler.list(ctx(), 'us-east-1')).toEqual([
        { arn: ARN, uses: [ROLE] },
        { arn: 'arn:aws:iam::123456789012:instance-profile/empty', uses: [] },
      ]);
      expect(iam).toHaveReceivedNthSpecificCommandWith(1, ListInstanceProfilesCommand, { MaxItems: 1000 });
      expect(iam).toHaveReceivedNthSpecificCommandWith(2, ListInstanceProfilesCommand, { Marker: 'm1', MaxItems: 1000 });
      expect(handler.readUses).toBeUndefined();
      expect(sent().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('with the core: list discovery reads each profile with GetInstanceProfile, never ListInstanceProfileTags', async () => {
      tagging.reset();
      tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
      const OTHER = 'arn:aws:iam::123456789012:instance-profile/other';
      iam.on(ListInstanceProfilesCommand).resolves({ InstanceProfiles: [profile(), profile({ InstanceProfileName: 'other', Arn: OTHER, Tags: undefined })] });
      iam.on(GetInstanceProfileCommand, { InstanceProfileName: 'nova-ip' }).resolves({ InstanceProfile: profile() });
      iam.on(GetInstanceProfileCommand, { InstanceProfileName: 'other' }).resolves({ InstanceProfile: profile({ InstanceProfileName: 'other', Arn: OTHER, Tags: [{ Key: 'project', Value: 'other' }] }) });
      const c = ctx();
      const { hits } = await discover({
        aws: c.aws,
        ctx: c,
        throughput: new Throughput(),
        regions: ['us-east-1'],
        filters: [{ key: 'project', values: ['nova'] }],
        handlers: [handler],
        mode: 'list',
        registryForArn: (arn) => (handler.arnPattern.test(arn) ? handler : undefined),
      });
      expect(hits).toEqual([{ arn: ARN, tags: { project: 'nova' }, region: 'us-east-1', liveTags: true }]);
      expect(iam).not.toHaveReceivedCommand(ListInstanceProfileTagsCommand);
      expect(sent().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });
  });

  describe('describe', () => {
    it('reads GetInstanceProfile: its config, tags and the role it uses', async () => {
      iam.on(GetInstanceProfileCommand, { InstanceProfileName: 'nova-ip' }).resolves({ InstanceProfile: profile(), $metadata: {} });
      const d = await handler.describe(ref(), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.tags).toEqual({ project: 'nova' });
      expect(d.uses).toEqual([ROLE]);
      expect(d.config).toMatchObject({ InstanceProfileName: 'nova-ip', Path: '/ml/', Arn: ARN, Roles: [{ RoleName: 'nova-exec', Arn: ROLE }], Tags: { project: 'nova' } });
      expect(d.config).not.toHaveProperty('$metadata');
      expect(sent()).toEqual(['GetInstanceProfile']);
      expect(await (iam.call(0).thisValue as IAMClient).config.region()).toBe('eu-west-1');
      expect(handler.children?.({ ref: ref(), described: d })).toEqual([{ kind: 'role-membership', id: 'nova-exec' }]);
    });

    it('an empty, untagged profile uses nothing', async () => {
      iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: profile({ Roles: [], Tags: undefined }) });
      const d = await handler.describe(ref(), ctx());
      expect(d !== GONE && [d.tags, d.uses]).toEqual([{}, []]);
    });

    it('is gone when it no longer exists, and lets other errors through', async () => {
      iam.on(GetInstanceProfileCommand).rejectsOnce(awsError('NoSuchEntityException', 'Instance profile nova-ip not found', 404)).rejectsOnce(awsError('AccessDenied', 'not authorized to GetInstanceProfile', 403));
      expect(await handler.describe(ref(), ctx())).toBe(GONE);
      await expect(handler.describe(ref(), ctx())).rejects.toThrow('GetInstanceProfile');
    });
  });

  describe('children and actions', () => {
    it('needs the re-check, RemoveRoleFromInstanceProfile when it holds a role, and DeleteInstanceProfile, all on the profile', () => {
      const r = live({ config: { Roles: [{ RoleName: 'nova-exec', Arn: ROLE }] } });
      expect(handler.actions(r)).toEqual([
        { action: 'iam:GetInstanceProfile', resource: ARN },
        { action: 'iam:RemoveRoleFromInstanceProfile', resource: ARN },
        { action: 'iam:DeleteInstanceProfile', resource: ARN },
      ]);
      const empty = live({ config: { Roles: [] } });
      expect(handler.children?.(empty)).toEqual([]);
      expect(handler.actions(empty).map((a) => a.action)).toEqual(['iam:GetInstanceProfile', 'iam:DeleteInstanceProfile']);
    });
  });

  describe('currentTags and addTags', () => {
    it('reads the tags from GetInstanceProfile; gone when it is; other errors through', async () => {
      iam.on(GetInstanceProfileCommand)
        .resolvesOnce({ InstanceProfile: profile({ Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }) })
        .rejectsOnce(noSuchEntity())
        .rejectsOnce(awsError('AccessDenied', 'not authorized to GetInstanceProfile', 403));
      expect(await handler.currentTags(ref(), ctx())).toEqual({ a: '1', b: '2' });
      expect(await handler.currentTags(ref(), ctx())).toBe(GONE);
      await expect(handler.currentTags(ref(), ctx())).rejects.toThrow('GetInstanceProfile');
      expect(iam).toHaveReceivedCommandWith(GetInstanceProfileCommand, { InstanceProfileName: 'nova-ip' });
      expect(sent().filter((op) => !handler.reads.includes(op))).toEqual([]);
    });

    it('tags with TagInstanceProfile (the Tagging API does not serve IAM)', async () => {
      iam.on(TagInstanceProfileCommand).resolves({});
      await handler.addTags?.(ref(), ctx(), { project: 'nova' });
      expect(iam).toHaveReceivedCommandWith(TagInstanceProfileCommand, { InstanceProfileName: 'nova-ip', Tags: [{ Key: 'project', Value: 'nova' }] });
    });
  });

  describe('delete', () => {
    const planned = () => live({ config: { Roles: [{ RoleName: 'nova-exec', Arn: ROLE }] } });

    it('removes the role it holds now, as a step, then DeleteInstanceProfile as the last step', async () => {
      iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: profile() });
      iam.on(RemoveRoleFromInstanceProfileCommand).resolves({});
      iam.on(DeleteInstanceProfileCommand).resolves({});
      const steps = recordingSteps();
      await handler.delete(planned(), ctx(), steps);
      expect(steps.log).toEqual([
        { name: 'remove-role', child: { kind: 'role-membership', id: 'nova-exec' }, done: 'removed role nova-exec' },
        { name: 'delete', done: 'deleted instance profile nova-ip' },
      ]);
      expect(iam).toHaveReceivedCommandWith(RemoveRoleFromInstanceProfileCommand, { InstanceProfileName: 'nova-ip', RoleName: 'nova-exec' });
      expect(sent()).toEqual(['GetInstanceProfile', 'RemoveRoleFromInstanceProfile', 'DeleteInstanceProfile']);
    });

    it('removes a role put in since the plan (DeleteInstanceProfile would refuse), and none it no longer holds', async () => {
      iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: profile({ Roles: [role('late', 'arn:aws:iam::123456789012:role/late')] }) });
      iam.on(RemoveRoleFromInstanceProfileCommand).resolves({});
      iam.on(DeleteInstanceProfileCommand).resolves({});
      await handler.delete(planned(), ctx(), recordingSteps());
      expect(iam).toHaveReceivedCommandTimes(RemoveRoleFromInstanceProfileCommand, 1);
      expect(iam).toHaveReceivedCommandWith(RemoveRoleFromInstanceProfileCommand, { InstanceProfileName: 'nova-ip', RoleName: 'late' });

      iam.resetHistory();
      iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: profile({ Roles: [] }) });
      const steps = recordingSteps();
      await handler.delete(planned(), ctx(), steps);
      // The role was removed since (its own delete does that): removing it again is an error on moto.
      expect(steps.log.map((s) => s.name)).toEqual(['delete']);
      expect(iam).not.toHaveReceivedCommand(RemoveRoleFromInstanceProfileCommand);
    });

    it('a removal that finds nothing is fine; another failure stops before the delete', async () => {
      iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: profile() });
      iam.on(RemoveRoleFromInstanceProfileCommand).rejects(awsError('NoSuchEntity', 'The role nova-exec is not in the profile', 404));
      iam.on(DeleteInstanceProfileCommand).resolves({});
      await handler.delete(planned(), ctx(), recordingSteps());
      expect(iam).toHaveReceivedCommandTimes(DeleteInstanceProfileCommand, 1);

      iam.resetHistory();
      iam.on(RemoveRoleFromInstanceProfileCommand).rejects(awsError('AccessDenied', 'not authorized to RemoveRoleFromInstanceProfile', 403));
      await expect(handler.delete(planned(), ctx(), recordingSteps())).rejects.toThrow('RemoveRoleFromInstanceProfile');
      expect(iam).not.toHaveReceivedCommand(DeleteInstanceProfileCommand);
    });

    it('stops where the executor stops it, leaving the rest unsent', async () => {
      iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: profile() });
      await expect(handler.delete(planned(), ctx(), recordingSteps({ stopAt: 'remove-role' }))).rejects.toThrow('no longer match');
      expect(sent()).toEqual(['GetInstanceProfile']);
    });

    it('lets not-found on DeleteInstanceProfile through (a profile gone at the re-read too), for the core to report it gone', async () => {
      iam.on(GetInstanceProfileCommand).rejects(noSuchEntity());
      iam.on(DeleteInstanceProfileCommand).rejects(noSuchEntity());
      const steps = recordingSteps();
      await expect(handler.delete(planned(), ctx(), steps)).rejects.toMatchObject({ name: 'NoSuchEntity' });
      expect(steps.log.map((s) => s.name)).toEqual(['delete']);
      expect(iam).not.toHaveReceivedCommand(RemoveRoleFromInstanceProfileCommand);
    });
  });
});
