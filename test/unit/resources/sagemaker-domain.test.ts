import {
  DeleteAppCommand,
  DeleteDomainCommand,
  DeleteSpaceCommand,
  DeleteUserProfileCommand,
  DescribeDomainCommand,
  DescribeUserProfileCommand,
  ListAppsCommand,
  ListDomainsCommand,
  ListSpacesCommand,
  ListTagsCommand,
  ListUserProfilesCommand,
  SageMakerClient,
  type AppDetails,
  type DomainStatus,
  type SpaceDetails,
  type UserProfileDetails,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GONE, type HandlerContext } from '../../../src/resources/handler.js';
import { sagemakerDomain as handler } from '../../../src/resources/sagemaker-domain.js';
import { awsError, liveFor, recordingSteps, refFor, testContext } from '../../helpers/context.js';

const sm = mockClient(SageMakerClient);
const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:domain/d-abc123';
const SM = 'arn:aws:sagemaker:us-east-1:123456789012';
const USER_ROLE = 'arn:aws:iam::123456789012:role/studio-user';
const SPACE_ROLE = 'arn:aws:iam::123456789012:role/studio-space';
const ALICE_ROLE = 'arn:aws:iam::123456789012:role/studio-alice';
const EFS = 'fs-0123456789abcdef0';
const ID = { DomainId: 'd-abc123' };
const ctx = (settings: HandlerContext['settings'] = {}) => testContext({ waitTimeoutSeconds: 60, settings });
const FLAG = { deleteStudioEfs: true };
const notFound = () => awsError('ResourceNotFound', "Domain 'd-abc123' not found");

const DOMAIN = {
  DomainArn: ARN,
  DomainId: 'd-abc123',
  DomainName: 'nova-studio',
  Status: 'InService' as DomainStatus,
  HomeEfsFileSystemId: EFS,
  DefaultUserSettings: { ExecutionRole: USER_ROLE },
  DefaultSpaceSettings: { ExecutionRole: SPACE_ROLE },
};
const profileApp = (name: string, status: AppDetails['Status'] = 'InService'): AppDetails => ({
  DomainId: 'd-abc123',
  UserProfileName: 'alice',
  AppType: 'JupyterServer',
  AppName: name,
  Status: status,
});
const spaceApp = (name: string, status: AppDetails['Status'] = 'InService'): AppDetails => ({
  DomainId: 'd-abc123',
  SpaceName: 'team-space',
  AppType: 'JupyterLab',
  AppName: name,
  Status: status,
});
const space = (name: string, status: SpaceDetails['Status'] = 'InService'): SpaceDetails => ({ DomainId: 'd-abc123', SpaceName: name, Status: status });
const profile = (name: string, status: UserProfileDetails['Status'] = 'InService'): UserProfileDetails => ({ DomainId: 'd-abc123', UserProfileName: name, Status: status });
/** What DescribeUserProfile answers for a profile: alice names a role of her own, the others none. */
const described = (p: UserProfileDetails) => ({ ...p, UserProfileArn: `${SM}:user-profile/d-abc123/${p.UserProfileName}`, ...(p.UserProfileName === 'alice' ? { UserSettings: { ExecutionRole: ALICE_ROLE } } : {}) });
const appArn = (owner: string, type: string, name: string) => `${SM}:app/d-abc123/${owner}/${type}/${name}`;

/** The operations the mock received, in order, without `Command`. */
const ops = () => sm.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

interface Contents {
  apps: AppDetails[];
  spaces: SpaceDetails[];
  profiles: UserProfileDetails[];
}

/**
 * A domain in `status` holding these contents. A delete marks an app Deleted, and removes a space or a
 * profile, at once (so every wait's first poll is its last), unless `slow`: then they pass through
 * Deleting for `slow` listings first.
 */
function world(init: Partial<Contents> = {}, opts: { status?: DomainStatus; slow?: number } = {}): Contents {
  const copy = <T extends object>(list: T[] = []): T[] => list.map((t) => ({ ...t }));
  const w: Contents = { apps: copy(init.apps), spaces: copy(init.spaces), profiles: copy(init.profiles) };
  const slow = opts.slow ?? 0;
  const pending = new Map<object, number>();
  const tick = <T extends { Status?: string }>(list: T[], done: (t: T) => boolean): T[] => {
    for (const t of list) {
      const left = pending.get(t);
      if (left === undefined) continue;
      if (left <= 0) done(t);
      else pending.set(t, left - 1);
    }
    return list;
  };
  sm.on(DescribeDomainCommand).resolves({ ...DOMAIN, Status: opts.status ?? 'InService' });
  sm.on(ListAppsCommand).callsFake(() => ({ Apps: tick(w.apps, (a) => ((a.Status = 'Deleted'), true)).map((a) => ({ ...a })) }));
  sm.on(ListSpacesCommand).callsFake(() => {
    tick(w.spaces, (s) => ((w.spaces = w.spaces.filter((x) => x !== s)), true));
    return { Spaces: w.spaces.map((s) => ({ ...s })) };
  });
  sm.on(ListUserProfilesCommand).callsFake(() => {
    tick(w.profiles, (p) => ((w.profiles = w.profiles.filter((x) => x !== p)), true));
    return { UserProfiles: w.profiles.map((p) => ({ ...p })) };
  });
  const start = <T extends { Status?: string }>(t: T | undefined, gone: () => void) => {
    if (!t) throw awsError('ResourceNotFound', 'no such child');
    if (slow === 0) return gone();
    t.Status = 'Deleting';
    pending.set(t, slow - 1);
  };
  sm.on(DescribeUserProfileCommand).callsFake((i: { UserProfileName: string }) => {
    const p = w.profiles.find((x) => x.UserProfileName === i.UserProfileName);
    if (!p) throw awsError('ResourceNotFound', 'no such profile');
    return described(p);
  });
  sm.on(DeleteAppCommand).callsFake((i: { AppName: string }) => {
    start(w.apps.find((a) => a.AppName === i.AppName), () => (w.apps.find((a) => a.AppName === i.AppName)!.Status = 'Deleted'));
    return {};
  });
  sm.on(DeleteSpaceCommand).callsFake((i: { SpaceName: string }) => {
    start(w.spaces.find((s) => s.SpaceName === i.SpaceName), () => (w.spaces = w.spaces.filter((s) => s.SpaceName !== i.SpaceName)));
    return {};
  });
  sm.on(DeleteUserProfileCommand).callsFake((i: { UserProfileName: string }) => {
    start(w.profiles.find((p) => p.UserProfileName === i.UserProfileName), () => (w.profiles = w.profiles.filter((p) => p.UserProfileName !== i.UserProfileName)));
    return {};
  });
  sm.on(DeleteDomainCommand).resolves({});
  return w;
}

/** A domain as describe leaves it (the run's settings decide its RetentionPolicy). */
const live = (c: Partial<Contents> = {}, efs: 'Retain' | 'Delete' = 'Retain', more: Record<string, unknown> = {}) =>
  liveFor(handler, ARN, {
    config: { ...DOMAIN, Apps: c.apps ?? [], Spaces: c.spaces ?? [], UserProfiles: c.profiles ?? [], RetentionPolicy: { HomeEfsFileSystem: efs }, ...more },
    uses: [USER_ROLE, SPACE_ROLE],
  });

/** Runs the delete of `r`, steps recorded: the steps run, their names, and its error. */
async function deleteIt(r = live(), opts: { stopAt?: string; ctx?: HandlerContext } = {}) {
  const steps = recordingSteps(opts);
  const error: unknown = await handler.delete(r, opts.ctx ?? ctx(), steps).then(() => undefined, (err: unknown) => err);
  return { steps: steps.log, names: steps.log.map((s) => s.name), ...(error === undefined ? {} : { error }) };
}

describe('sagemaker:domain', () => {
  beforeEach(() => sm.reset());
  afterEach(() => vi.useRealTimers());

  it('owns domain ARNs only (not its apps, spaces or profiles), names it by id, may use IAM roles, and declares its reads', () => {
    expect(handler.type).toBe('sagemaker:domain');
    expect(handler.arnPattern.test(ARN)).toBe(true);
    expect(handler.arnPattern.test(`${SM}:user-profile/d-abc123/alice`)).toBe(false);
    expect(handler.arnPattern.test(appArn('alice', 'jupyterserver', 'default'))).toBe(false);
    expect(handler.nameOf(ARN)).toBe('d-abc123');
    expect(handler.references).toEqual(['iam:role']);
    expect(handler.taggingApi).toBe(true);
    expect(handler.reads).toEqual(['DescribeDomain', 'ListDomains', 'ListTags', 'ListApps', 'ListSpaces', 'ListUserProfiles', 'DescribeUserProfile']);
    expect(handler.waitUntilGone).toBeDefined();
  });

  describe('describe', () => {
    it('gives the domain, its apps, spaces and user profiles (every page, 100 a page; profiles described), live tags, its roles, and the EFS retained', async () => {
      sm.on(DescribeDomainCommand, ID).resolves({ ...DOMAIN, $metadata: { httpStatusCode: 200 } });
      sm.on(ListAppsCommand)
        .resolvesOnce({ Apps: [profileApp('default')], NextToken: 'a2' })
        .resolvesOnce({ Apps: [spaceApp('default')] });
      sm.on(ListSpacesCommand).resolves({ Spaces: [space('team-space')] });
      sm.on(ListUserProfilesCommand).resolves({ UserProfiles: [profile('alice'), profile('bob')] });
      sm.on(DescribeUserProfileCommand).callsFake((i: { UserProfileName: string }) => ({ ...described(profile(i.UserProfileName)), $metadata: {} }));
      sm.on(ListTagsCommand, { ResourceArn: ARN }).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      const d = await handler.describe(refFor(handler, ARN), ctx());
      if (d === GONE) throw new Error('expected a description');
      expect(d.config).toEqual({
        ...DOMAIN,
        Apps: [profileApp('default'), spaceApp('default')],
        Spaces: [space('team-space')],
        UserProfiles: [described(profile('alice')), described(profile('bob'))],
        RetentionPolicy: { HomeEfsFileSystem: 'Retain' },
      });
      expect(d.tags).toEqual({ project: 'nova' });
      // The default user and space roles, and the role alice's own settings name.
      expect(d.uses).toEqual([USER_ROLE, SPACE_ROLE, ALICE_ROLE]);
      expect(sm).toHaveReceivedCommandWith(DescribeUserProfileCommand, { ...ID, UserProfileName: 'bob' });
      expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListAppsCommand, { DomainIdEquals: 'd-abc123', MaxResults: 100 });
      expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListAppsCommand, { DomainIdEquals: 'd-abc123', MaxResults: 100, NextToken: 'a2' });
      expect(sm).toHaveReceivedCommandWith(ListSpacesCommand, { DomainIdEquals: 'd-abc123', MaxResults: 100 });
      expect(sm).toHaveReceivedCommandWith(ListUserProfilesCommand, { DomainIdEquals: 'd-abc123', MaxResults: 100 });
    });

    it('records RetentionPolicy Delete when the run has --delete-studio-efs', async () => {
      world();
      sm.on(ListTagsCommand).resolves({ Tags: [] });
      const d = await handler.describe(refFor(handler, ARN), ctx(FLAG));
      expect(d !== GONE && d.config.RetentionPolicy).toEqual({ HomeEfsFileSystem: 'Delete' });
    });

    it('takes the tags discovery read, uses only the roles it names', async () => {
      sm.on(DescribeDomainCommand).resolves({ ...DOMAIN, DefaultSpaceSettings: undefined });
      sm.on(ListAppsCommand).resolves({ Apps: [] });
      sm.on(ListSpacesCommand).resolves({ Spaces: [] });
      sm.on(ListUserProfilesCommand).resolves({ UserProfiles: [] });
      const d = await handler.describe(refFor(handler, ARN), ctx(), { tags: { project: 'nova' } });
      expect(d !== GONE && d.tags).toEqual({ project: 'nova' });
      expect(d !== GONE && d.uses).toEqual([USER_ROLE]);
      expect(sm).not.toHaveReceivedCommand(ListTagsCommand);
    });

    it('is gone when DescribeDomain cannot find it, or when it vanishes while its contents are listed', async () => {
      sm.on(DescribeDomainCommand).rejects(notFound());
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
      sm.reset();
      world();
      // The domain is gone by the time its spaces are listed: Describe says so when asked again.
      sm.on(DescribeDomainCommand).resolvesOnce({ ...DOMAIN, Status: 'InService' }).rejects(notFound());
      sm.on(ListSpacesCommand).rejects(awsError('ValidationException', 'domain not found'));
      expect(await handler.describe(refFor(handler, ARN), ctx())).toBe(GONE);
      // A ValidationException of a listing while the domain is still there is a failed read, not "gone".
      sm.reset();
      world();
      sm.on(ListSpacesCommand).rejects(awsError('ValidationException', 'bad request'));
      await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('bad request');
    });

    it('leaves out a profile gone between its listing and its Describe', async () => {
      world({ profiles: [profile('alice'), profile('bob')] });
      sm.on(ListTagsCommand).resolves({ Tags: [] });
      sm.on(DescribeUserProfileCommand, { ...ID, UserProfileName: 'alice' }).rejects(awsError('ResourceNotFound', 'no such profile'));
      const d = await handler.describe(refFor(handler, ARN), ctx());
      expect(d !== GONE && d.config.UserProfiles).toEqual([described(profile('bob'))]);
      expect(d !== GONE && d.uses).toEqual([USER_ROLE, SPACE_ROLE]);
    });

    it('lets other errors through', async () => {
      world();
      sm.on(ListUserProfilesCommand).rejects(awsError('AccessDeniedException', 'no ListUserProfiles', 403));
      await expect(handler.describe(refFor(handler, ARN), ctx())).rejects.toThrow('no ListUserProfiles');
    });

    it('reads what it uses with DescribeDomain and its profiles, and its tags with ListTags alone', async () => {
      world({ apps: [profileApp('default')], spaces: [space('s')], profiles: [profile('alice'), profile('bob')] });
      sm.on(ListTagsCommand).resolves({ Tags: [{ Key: 'project', Value: 'nova' }] });
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toEqual([USER_ROLE, SPACE_ROLE, ALICE_ROLE]);
      expect(ops()).toEqual(['DescribeDomain', 'ListUserProfiles', 'DescribeUserProfile', 'DescribeUserProfile']);
      sm.resetHistory();
      sm.on(ListUserProfilesCommand).rejects(awsError('ValidationException', 'domain not found'));
      expect(await handler.readUses?.(refFor(handler, ARN), ctx())).toBe(GONE);
      sm.resetHistory();
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toEqual({ project: 'nova' });
      expect(ops()).toEqual(['ListTags']);
      sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
      sm.on(DescribeDomainCommand).rejects(notFound());
      expect(await handler.currentTags(refFor(handler, ARN), ctx())).toBe(GONE);
    });
  });

  it('lists every domain of the region by ARN, 100 a page', async () => {
    const d = (id: string) => `${SM}:domain/${id}`;
    sm.on(ListDomainsCommand)
      .resolvesOnce({ Domains: [{ DomainArn: d('d-1'), DomainId: 'd-1' }], NextToken: 'n' })
      .resolvesOnce({ Domains: [{ DomainArn: d('d-2'), DomainId: 'd-2' }] });
    expect(await handler.list(ctx(), 'us-east-1')).toEqual([{ arn: d('d-1') }, { arn: d('d-2') }]);
    expect(sm).toHaveReceivedNthSpecificCommandWith(1, ListDomainsCommand, { MaxResults: 100 });
    expect(sm).toHaveReceivedNthSpecificCommandWith(2, ListDomainsCommand, { MaxResults: 100, NextToken: 'n' });
  });

  it('sends only its declared reads in describe, readUses, list, currentTags, its delete and its waits', async () => {
    world({ apps: [profileApp('default')], spaces: [space('team-space')], profiles: [profile('alice')] });
    sm.on(ListTagsCommand).resolves({ Tags: [] });
    sm.on(ListDomainsCommand).resolves({ Domains: [] });
    await handler.describe(refFor(handler, ARN), ctx());
    await handler.readUses?.(refFor(handler, ARN), ctx());
    await handler.list(ctx(), 'us-east-1');
    sm.on(ListTagsCommand).rejects(awsError('InternalFailure', 'x', 500));
    await handler.currentTags(refFor(handler, ARN), ctx()).catch(() => undefined);
    expect(new Set(ops())).toEqual(new Set(['DescribeDomain', 'ListApps', 'ListSpaces', 'ListUserProfiles', 'DescribeUserProfile', 'ListTags', 'ListDomains']));
    for (const op of ops()) expect(handler.reads).toContain(op);
    sm.resetHistory();
    expect((await deleteIt()).error).toBeUndefined();
    sm.on(DescribeDomainCommand).rejects(notFound());
    await handler.waitUntilGone?.(refFor(handler, ARN), ctx());
    for (const op of ops().filter((o) => !o.startsWith('Delete'))) expect(handler.reads).toContain(op);
    expect(ops().filter((o) => o.startsWith('Delete'))).toEqual(['DeleteApp', 'DeleteSpace', 'DeleteUserProfile', 'DeleteDomain']);
  });

  describe('children and actions', () => {
    const full = { apps: [profileApp('default'), spaceApp('lab'), profileApp('old', 'Deleted'), profileApp('going', 'Deleting'), profileApp('broken', 'Failed'), profileApp('new', 'Pending')], spaces: [space('team-space'), space('leaving', 'Deleting')], profiles: [profile('alice'), profile('bob', 'Delete_Failed')] };

    it('has its apps to delete (not Deleted, Deleting or Failed ones), its spaces and profiles (not Deleting ones), and its EFS volume retained', () => {
      expect(handler.children?.(live(full))).toEqual([
        { kind: 'app', id: appArn('alice', 'jupyterserver', 'default'), lost: 'unsaved notebook data in it is lost' },
        { kind: 'app', id: appArn('team-space', 'jupyterlab', 'lab'), lost: 'unsaved notebook data in it is lost' },
        { kind: 'app', id: appArn('alice', 'jupyterserver', 'new'), lost: 'unsaved notebook data in it is lost' },
        { kind: 'space', id: `${SM}:space/d-abc123/team-space`, lost: "the files on a JupyterLab or Code Editor space's own volume" },
        { kind: 'user-profile', id: `${SM}:user-profile/d-abc123/alice` },
        { kind: 'user-profile', id: `${SM}:user-profile/d-abc123/bob` },
        { kind: 'efs-home-volume-retained', id: EFS },
      ]);
    });

    it('shows the EFS volume as lost with the domain when the plan deletes it, and no volume when the domain has none', () => {
      expect(handler.children?.(live({}, 'Delete'))).toEqual([{ kind: 'efs-home-volume', id: EFS, lost: `EFS ${EFS}, with every home directory on it: not in the backup` }]);
      expect(handler.children?.(live({}, 'Retain', { HomeEfsFileSystemId: undefined }))).toEqual([]);
    });

    it('needs the three listings on *, and DeleteApp, DeleteSpace, DeleteUserProfile on each child, besides ListTags, DescribeDomain and DeleteDomain', () => {
      expect(handler.actions(live(full))).toEqual([
        { action: 'sagemaker:ListTags', resource: ARN },
        { action: 'sagemaker:DescribeDomain', resource: ARN },
        { action: 'sagemaker:DeleteDomain', resource: ARN },
        { action: 'sagemaker:ListApps', resource: '*' },
        { action: 'sagemaker:ListSpaces', resource: '*' },
        { action: 'sagemaker:ListUserProfiles', resource: '*' },
        { action: 'sagemaker:DeleteApp', resource: appArn('alice', 'jupyterserver', 'default') },
        { action: 'sagemaker:DeleteApp', resource: appArn('team-space', 'jupyterlab', 'lab') },
        { action: 'sagemaker:DeleteApp', resource: appArn('alice', 'jupyterserver', 'new') },
        { action: 'sagemaker:DeleteSpace', resource: `${SM}:space/d-abc123/team-space` },
        { action: 'sagemaker:DeleteUserProfile', resource: `${SM}:user-profile/d-abc123/alice` },
        { action: 'sagemaker:DeleteUserProfile', resource: `${SM}:user-profile/d-abc123/bob` },
      ]);
    });

    it('needs no child delete for an empty domain', () => {
      expect(handler.actions(live()).map((a) => a.action)).toEqual([
        'sagemaker:ListTags',
        'sagemaker:DescribeDomain',
        'sagemaker:DeleteDomain',
        'sagemaker:ListApps',
        'sagemaker:ListSpaces',
        'sagemaker:ListUserProfiles',
      ]);
    });
  });

  describe('delete', () => {
    it('deletes an empty domain in one step, keeping its EFS volume', async () => {
      world();
      const { steps } = await deleteIt();
      expect(steps).toEqual([{ name: 'delete' }]);
      expect(ops()).toEqual(['DescribeDomain', 'ListApps', 'ListSpaces', 'ListUserProfiles', 'DeleteDomain']);
      expect(sm).toHaveReceivedCommandWith(DeleteDomainCommand, { ...ID, RetentionPolicy: { HomeEfsFileSystem: 'Retain' } });
    });

    it('removes every app (waits until Deleted), then every space, then every profile (waiting for each), then the domain', async () => {
      const c = { apps: [profileApp('default'), spaceApp('lab')], spaces: [space('team-space')], profiles: [profile('alice')] };
      world(c);
      const { steps, error } = await deleteIt(live(c));
      expect(error).toBeUndefined();
      expect(steps).toEqual([
        { name: 'delete-app', child: { kind: 'app', id: appArn('alice', 'jupyterserver', 'default') }, done: 'deleted app default (JupyterServer) of user profile alice' },
        { name: 'delete-app', child: { kind: 'app', id: appArn('team-space', 'jupyterlab', 'lab') }, done: 'deleted app lab (JupyterLab) of space team-space' },
        { name: 'delete-space', child: { kind: 'space', id: `${SM}:space/d-abc123/team-space` }, done: 'deleted space team-space' },
        { name: 'delete-user-profile', child: { kind: 'user-profile', id: `${SM}:user-profile/d-abc123/alice` }, done: 'deleted user profile alice' },
        { name: 'delete' },
      ]);
      // Each wait polls at once: everything is gone by then.
      expect(ops()).toEqual([
        'DescribeDomain',
        'ListApps',
        'DeleteApp',
        'DeleteApp',
        'ListApps',
        'ListSpaces',
        'DeleteSpace',
        'ListSpaces',
        'ListUserProfiles',
        'DeleteUserProfile',
        'ListUserProfiles',
        'DeleteDomain',
      ]);
      expect(sm).toHaveReceivedNthSpecificCommandWith(1, DeleteAppCommand, { ...ID, UserProfileName: 'alice', AppType: 'JupyterServer', AppName: 'default' });
      expect(sm).toHaveReceivedNthSpecificCommandWith(2, DeleteAppCommand, { ...ID, SpaceName: 'team-space', AppType: 'JupyterLab', AppName: 'lab' });
      expect(sm).toHaveReceivedCommandWith(DeleteSpaceCommand, { ...ID, SpaceName: 'team-space' });
      expect(sm).toHaveReceivedCommandWith(DeleteUserProfileCommand, { ...ID, UserProfileName: 'alice' });
    });

    it('deletes the EFS volume only when the plan said so and the run has --delete-studio-efs too', async () => {
      world();
      await deleteIt(live({}, 'Delete'), { ctx: ctx(FLAG) });
      expect(sm).toHaveReceivedCommandWith(DeleteDomainCommand, { ...ID, RetentionPolicy: { HomeEfsFileSystem: 'Delete' } });
      for (const [efs, settings] of [['Delete', {}], ['Retain', FLAG]] as const) {
        sm.reset();
        world();
        await deleteIt(live({}, efs), { ctx: ctx(settings) });
        expect(sm).toHaveReceivedCommandWith(DeleteDomainCommand, { ...ID, RetentionPolicy: { HomeEfsFileSystem: 'Retain' } });
      }
    });

    it('lists again: deletes what was created since the plan, leaves Deleted, Deleting and Failed apps, and waits for the Deleting one', async () => {
      vi.useFakeTimers();
      const w = world({ apps: [profileApp('new'), profileApp('old', 'Deleted'), profileApp('broken', 'Failed'), profileApp('going', 'Deleting')], spaces: [space('new-space')] });
      // The app already Deleting is Deleted from the third listing on.
      let listings = 0;
      sm.on(ListAppsCommand).callsFake(() => {
        listings += 1;
        if (listings > 2) w.apps.find((a) => a.AppName === 'going')!.Status = 'Deleted';
        return { Apps: w.apps.map((a) => ({ ...a })) };
      });
      const done = deleteIt(live({ apps: [profileApp('planned')] }));
      await vi.advanceTimersByTimeAsync(60_000);
      const { names, error } = await done;
      expect(error).toBeUndefined();
      expect(names).toEqual(['delete-app', 'delete-space', 'delete']);
      expect(sm).toHaveReceivedCommandTimes(DeleteAppCommand, 1);
      expect(sm).toHaveReceivedCommandWith(DeleteAppCommand, { ...ID, UserProfileName: 'alice', AppType: 'JupyterServer', AppName: 'new' });
      expect(sm).toHaveReceivedCommandWith(DeleteSpaceCommand, { ...ID, SpaceName: 'new-space' });
      expect(listings).toBe(3);
    });

    it('keeps polling while apps are Deleting, spaces and profiles still listed, then deletes the domain', async () => {
      vi.useFakeTimers();
      world({ apps: [profileApp('default')], spaces: [space('s')], profiles: [profile('alice')] }, { slow: 2 });
      const done = deleteIt();
      await vi.advanceTimersByTimeAsync(120_000);
      const { names, error } = await done;
      expect(error).toBeUndefined();
      expect(names).toEqual(['delete-app', 'delete-space', 'delete-user-profile', 'delete']);
      // The listing before the deletes, then two polls: the second after a sleep.
      expect(ops().filter((o) => o === 'ListApps')).toHaveLength(3);
      expect(ops().at(-1)).toBe('DeleteDomain');
    });

    it('tries a Delete_Failed space or profile again', async () => {
      world({ spaces: [space('s', 'Delete_Failed')], profiles: [profile('bob', 'Delete_Failed')] });
      expect((await deleteIt()).names).toEqual(['delete-space', 'delete-user-profile', 'delete']);
    });

    it('fails with a TimeoutError when an app is still not Deleted after --wait-timeout, and removes nothing more', async () => {
      vi.useFakeTimers();
      world({ apps: [profileApp('default')], spaces: [space('s')] }, { slow: 1000 });
      const done = deleteIt(live(), { ctx: testContext({ waitTimeoutSeconds: 30 }) });
      await vi.advanceTimersByTimeAsync(60_000);
      const { names, error } = await done;
      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect(names).toEqual(['delete-app']);
      expect(sm).not.toHaveReceivedCommand(DeleteSpaceCommand);
      expect(sm).not.toHaveReceivedCommand(DeleteDomainCommand);
    });

    it('fails the wait when a space turns Delete_Failed, and deletes no profile nor the domain', async () => {
      const w = world({ spaces: [space('s')], profiles: [profile('alice')] });
      sm.on(DeleteSpaceCommand).callsFake(() => ((w.spaces[0]!.Status = 'Delete_Failed'), {}));
      const { names, error } = await deleteIt();
      expect(String(error)).toMatch(/FAILURE/);
      expect(names).toEqual(['delete-space']);
      expect(sm).not.toHaveReceivedCommand(DeleteUserProfileCommand);
      expect(sm).not.toHaveReceivedCommand(DeleteDomainCommand);
    });

    it('takes a child gone before its delete as deleted, and lets other refusals through', async () => {
      world({ apps: [profileApp('default')] });
      sm.on(DeleteAppCommand).rejects(awsError('ResourceNotFound', 'no such app'));
      sm.on(ListAppsCommand).resolvesOnce({ Apps: [profileApp('default')] }).resolves({ Apps: [] });
      expect((await deleteIt()).names).toEqual(['delete-app', 'delete']);
      sm.reset();
      world({ profiles: [profile('alice')] });
      sm.on(DeleteUserProfileCommand).rejects(awsError('ResourceInUse', 'it still has apps'));
      const { names, error } = await deleteIt();
      expect(error).toMatchObject({ name: 'ResourceInUse' });
      expect(names).toEqual(['delete-user-profile']);
      expect(sm).not.toHaveReceivedCommand(DeleteDomainCommand);
      // A ValidationException is a refusal, not "already deleted": nothing more is sent.
      sm.reset();
      world({ apps: [profileApp('default')] });
      sm.on(DeleteAppCommand).rejects(awsError('ValidationException', 'app cannot be deleted now'));
      expect(await deleteIt()).toMatchObject({ names: ['delete-app'], error: { name: 'ValidationException' } });
      expect(ops()).toEqual(['DescribeDomain', 'ListApps', 'DeleteApp']);
    });

    it('sends no delete when a step is stopped', async () => {
      const c = { apps: [profileApp('default')], spaces: [space('s')] };
      world(c);
      expect(await deleteIt(live(c), { stopAt: 'delete-app' })).toMatchObject({ names: [], error: { name: 'TagsChanged' } });
      expect(ops()).toEqual(['DescribeDomain', 'ListApps']);
      sm.reset();
      world(c);
      expect(await deleteIt(live(c), { stopAt: 'delete-space' })).toMatchObject({ names: ['delete-app'], error: { name: 'TagsChanged' } });
      expect(sm).not.toHaveReceivedCommand(DeleteSpaceCommand);
      sm.reset();
      world(c);
      expect(await deleteIt(live(c), { stopAt: 'delete' })).toMatchObject({ names: ['delete-app', 'delete-space'], error: { name: 'TagsChanged' } });
      expect(sm).not.toHaveReceivedCommand(DeleteDomainCommand);
    });

    it('goes straight to the delete step for a domain gone since the plan, or gone while it is emptied: its not-found is for the core', async () => {
      world({ apps: [profileApp('default')] });
      sm.on(DescribeDomainCommand).rejects(notFound());
      sm.on(DeleteDomainCommand).rejects(notFound());
      const first = await deleteIt(live({ apps: [profileApp('default')] }));
      expect(first).toMatchObject({ names: ['delete'], error: { name: 'ResourceNotFound' } });
      expect(ops()).toEqual(['DescribeDomain', 'DeleteDomain']);
      sm.reset();
      world({ spaces: [space('s')] });
      sm.on(ListAppsCommand).rejects(awsError('ValidationException', 'domain not found'));
      sm.on(DeleteDomainCommand).rejects(notFound());
      expect(await deleteIt()).toMatchObject({ names: ['delete'], error: { name: 'ResourceNotFound' } });
      expect(sm).not.toHaveReceivedCommand(ListSpacesCommand);
    });

    it('does nothing for a domain already Deleting (waitUntilGone does the rest)', async () => {
      world({ apps: [profileApp('default')] }, { status: 'Deleting' });
      expect(await deleteIt(live({ apps: [profileApp('default')] }))).toMatchObject({ names: [] });
      expect(ops()).toEqual(['DescribeDomain']);
    });
  });

  describe('waitUntilGone', () => {
    /** DescribeDomain answers these statuses in turn (the last repeats); `gone` is not-found. */
    function statuses(...list: (DomainStatus | 'gone')[]): void {
      let chain = sm.on(DescribeDomainCommand);
      for (const s of list.slice(0, -1)) chain = s === 'gone' ? chain.rejectsOnce(notFound()) : chain.resolvesOnce({ ...DOMAIN, Status: s });
      const last = list.at(-1);
      if (last === 'gone') chain.rejects(notFound());
      else chain.resolves({ ...DOMAIN, Status: last });
    }

    it('is done once DescribeDomain cannot find it (first poll), and polls a Deleting domain until then', async () => {
      statuses('gone');
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandWith(DescribeDomainCommand, ID);
      sm.reset();
      vi.useFakeTimers();
      statuses('Deleting', 'Deleting', 'gone');
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      await vi.advanceTimersByTimeAsync(60_000);
      await expect(wait).resolves.toBeUndefined();
      expect(sm).toHaveReceivedCommandTimes(DescribeDomainCommand, 3);
    });

    it('fails on Delete_Failed, and at once on another error', async () => {
      vi.useFakeTimers();
      statuses('Deleting', 'Delete_Failed');
      const wait = handler.waitUntilGone?.(refFor(handler, ARN), ctx());
      const settled = expect(wait).rejects.toThrow(/FAILURE/);
      await vi.advanceTimersByTimeAsync(60_000);
      await settled;
      vi.useRealTimers();
      sm.reset();
      sm.on(DescribeDomainCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), ctx())).rejects.toThrow(/FAILURE/);
      expect(sm).toHaveReceivedCommandTimes(DescribeDomainCommand, 1);
    });

    it('stops waiting when the run is aborted', async () => {
      statuses('Deleting');
      const abort = new AbortController();
      abort.abort();
      await expect(handler.waitUntilGone?.(refFor(handler, ARN), testContext({ waitTimeoutSeconds: 60, signal: abort.signal }))).rejects.toMatchObject({ name: 'AbortError' });
    });
  });
});
