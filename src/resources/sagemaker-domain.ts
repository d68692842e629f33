import type {
  AppDetails,
  DescribeDomainCommandOutput,
  DescribeUserProfileCommandOutput,
  RetentionType,
  SageMakerClient,
  SpaceDetails,
  UserProfileDetails,
} from '@aws-sdk/client-sagemaker';
import type { ResourceRef } from '../model.js';
import { describeOrGone, every, unlessGone, withoutMetadata } from './common.js';
import { GONE, type Child, type Gone, type LiveResource, type ResourceHandler, type Steps, type TypeSettings } from './handler.js';
import { SAGEMAKER_NOT_FOUND, sagemakerSdk, sagemakerType, siblingArn, waitUntilSageMakerGone, type SageMakerSdk } from './sagemaker-common.js';

/** ListApps, ListSpaces and ListUserProfiles: their largest page. */
const PAGE = 100;
/**
 * What a Studio app, space or user profile that no longer exists answers (the Studio calls model
 * ResourceNotFound; a ValidationException there is a refusal, never taken for "already deleted").
 */
const CHILD_NOT_FOUND: readonly string[] = ['ResourceNotFound'];

const listApps = (s: SageMakerSdk, client: SageMakerClient, DomainIdEquals: string) =>
  every(s.paginateListApps({ client, pageSize: PAGE }, { DomainIdEquals }), (p) => p.Apps);
const listSpaces = (s: SageMakerSdk, client: SageMakerClient, DomainIdEquals: string) =>
  every(s.paginateListSpaces({ client, pageSize: PAGE }, { DomainIdEquals }), (p) => p.Spaces);
const listProfiles = (s: SageMakerSdk, client: SageMakerClient, DomainIdEquals: string) =>
  every(s.paginateListUserProfiles({ client, pageSize: PAGE }, { DomainIdEquals }), (p) => p.UserProfiles);

/** A user profile in full (its own UserSettings: the execution role it names), for the backup and for `uses`. */
type Profile = Omit<DescribeUserProfileCommandOutput, '$metadata'>;

/** Every user profile of the domain, each described (one gone between the listing and its Describe is left out). */
async function describeProfiles(s: SageMakerSdk, client: SageMakerClient, DomainId: string): Promise<Profile[]> {
  const out: Profile[] = [];
  for (const p of await listProfiles(s, client, DomainId)) {
    const d = await describeOrGone(CHILD_NOT_FOUND, () => client.send(new s.DescribeUserProfileCommand({ DomainId, UserProfileName: p.UserProfileName })));
    if (d !== GONE) out.push(withoutMetadata(d) as Profile);
  }
  return out;
}
/** The execution roles the profiles' own settings name (a profile without one runs with the domain's default). */
const profileRoles = (profiles: readonly Profile[]): string[] => profiles.flatMap((p) => (p.UserSettings?.ExecutionRole ? [p.UserSettings.ExecutionRole] : []));

/**
 * An app needs a DeleteApp unless it is Deleted (still listed), Deleting, or Failed: "an app whose status
 * is Failed doesn't need to be deleted to delete the containing domain", and deleting one is an error
 * (gs-studio-delete-domain.html). The apps' wait is over once every app is Deleted or Failed.
 */
const appToDelete = (a: AppDetails): boolean => !['Deleted', 'Deleting', 'Failed'].includes(String(a.Status));
const appSettled = (a: AppDetails): boolean => a.Status === 'Deleted' || a.Status === 'Failed';
/** A space or user profile needs a delete unless it is already Deleting (a Delete_Failed one is tried again). */
const notDeleting = (x: { readonly Status?: string | undefined }): boolean => x.Status !== 'Deleting';

/** A listing's state for a wait: GONE when empty, Delete_Failed when one of them failed its delete, else still Deleting. */
const leftOf = (left: readonly (SpaceDetails | UserProfileDetails)[]): string | Gone =>
  left.length === 0 ? GONE : left.some((x) => x.Status === 'Delete_Failed') ? 'Delete_Failed' : 'Deleting';
/** What a domain, space or user profile whose delete failed says (the waits fail on it). */
const deleteFailed = (status: string | undefined): boolean => status === 'Delete_Failed';

/** An app of a user profile or of a space: `app/<domain>/<profile or space>/<app type>/<app name>` (the type lower-case, as AWS writes it). */
const appArn = (ref: ResourceRef, a: AppDetails): string =>
  siblingArn(ref, 'app', `${ref.name}/${a.UserProfileName ?? a.SpaceName ?? ''}/${String(a.AppType).toLowerCase()}/${a.AppName ?? ''}`);
const spaceArn = (ref: ResourceRef, name: string | undefined): string => siblingArn(ref, 'space', `${ref.name}/${name ?? ''}`);
const profileArn = (ref: ResourceRef, name: string | undefined): string => siblingArn(ref, 'user-profile', `${ref.name}/${name ?? ''}`);
const owner = (a: AppDetails): string => (a.SpaceName ? `space ${a.SpaceName}` : `user profile ${a.UserProfileName ?? '?'}`);

/** What describe adds to the domain's config: its apps, spaces and user profiles, and the RetentionPolicy its delete will send. */
interface Contents {
  readonly Apps?: readonly AppDetails[];
  readonly Spaces?: readonly SpaceDetails[];
  readonly UserProfiles?: readonly Profile[];
  readonly HomeEfsFileSystemId?: string;
  readonly RetentionPolicy?: { readonly HomeEfsFileSystem?: RetentionType };
}
const contentsOf = (r: LiveResource): Contents => r.described.config as Contents;

/** The EFS home volume goes with the domain only with --delete-studio-efs. */
const efsOnDelete = (settings: TypeSettings | undefined): RetentionType => (settings?.deleteStudioEfs === true ? 'Delete' : 'Retain');
const retentionOf = (r: LiveResource): RetentionType => (contentsOf(r).RetentionPolicy?.HomeEfsFileSystem === 'Delete' ? 'Delete' : 'Retain');

/**
 * The home volume, shown in the plan either way: retained (by default, its id in the child; nothing of
 * it is lost), or deleted with the domain (--delete-studio-efs): every home directory on it is gone.
 */
function efsChild(r: LiveResource): Child[] {
  const id = contentsOf(r).HomeEfsFileSystemId;
  if (!id) return [];
  return retentionOf(r) === 'Delete'
    ? [{ kind: 'efs-home-volume', id, lost: `EFS ${id}, with every home directory on it: not in the backup` }]
    : [{ kind: 'efs-home-volume-retained', id }];
}

function children(r: LiveResource): Child[] {
  const c = contentsOf(r);
  return [
    ...(c.Apps ?? []).filter(appToDelete).map((a) => ({ kind: 'app', id: appArn(r.ref, a), lost: 'unsaved notebook data in it is lost' })),
    ...(c.Spaces ?? []).filter(notDeleting).map((s) => ({ kind: 'space', id: spaceArn(r.ref, s.SpaceName), lost: "the files on a JupyterLab or Code Editor space's own volume" })),
    // "Loses access to their home directory but the data is not deleted" (it stays on the EFS volume).
    ...(c.UserProfiles ?? []).filter(notDeleting).map((p) => ({ kind: 'user-profile', id: profileArn(r.ref, p.UserProfileName) })),
    ...efsChild(r),
  ];
}

const DELETE_ACTION: Record<string, string> = { app: 'sagemaker:DeleteApp', space: 'sagemaker:DeleteSpace', 'user-profile': 'sagemaker:DeleteUserProfile' };
/** The delete lists each kind of child again: calls authorized on no resource. */
const LIST_ACTIONS = ['sagemaker:ListApps', 'sagemaker:ListSpaces', 'sagemaker:ListUserProfiles'];

/** Sends one delete per child, each its own step; a child gone already is nothing left to do. */
async function removeEach<T>(steps: Steps, kind: string, items: readonly T[], id: (t: T) => string, done: (t: T) => string, call: (t: T) => Promise<unknown>): Promise<void> {
  for (const t of items) {
    await steps.run({ name: `delete-${kind}`, child: { kind, id: id(t) }, done: done(t) }, () => unlessGone(CHILD_NOT_FOUND, () => call(t)));
  }
}

/**
 * A SageMaker Studio domain. DeleteDomain needs it empty: "the domain cannot contain any user profiles
 * or shared spaces", and a profile or space "cannot contain any non-failed apps". So its delete removes,
 * each kind listed again just before (what was created since the plan would block the next step), every
 * app (waiting until all are Deleted), then every space, then every user profile (waiting until each kind
 * is gone), then the domain, and waits until it is gone. Apps keep the files in their home directories
 * ("unsaved notebook data is lost"); a deleted user profile's files stay on the EFS volume.
 *
 * The domain's EFS home volume (HomeEfsFileSystemId) is retained (RetentionPolicy HomeEfsFileSystem
 * Retain, AWS's default): it stays, with every user's files, and keeps billing. With --delete-studio-efs
 * it is deleted with the domain (Delete). describe records the RetentionPolicy the delete will send in
 * the config, so the plan shows it (and a child for the volume says which); the delete sends Delete only
 * when the plan said so and the run has the flag too.
 *
 * It uses the execution roles its default user and space settings name, and those its user profiles'
 * own settings name (each profile is described for it: the profiles go with the domain, so their roles
 * are deleted after it, and an untagged domain's profile holds a tagged role back). Spaces name no role
 * of their own (a shared space runs with the default space role, a private one with its owner's).
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and domains are taggable SageMaker resources: returned. moto's returns them too.
 */
const domain = sagemakerType({
  kind: 'domain',
  description:
    'SageMaker Studio domain, with its apps, spaces and user profiles (deletes and waits for each kind in turn, then DeleteDomain; its EFS home volume is retained unless --delete-studio-efs)',
  references: ['iam:role'],
  taggingApi: true,
  describe: (s, id) => new s.DescribeDomainCommand({ DomainId: id }),
  uses: (out: DescribeDomainCommandOutput) => [out.DefaultUserSettings?.ExecutionRole, out.DefaultSpaceSettings?.ExecutionRole],
  // Its apps, spaces and user profiles (described: their roles), for the plan, the backup and `children`.
  details: {
    reads: ['ListApps', 'ListSpaces', 'ListUserProfiles', 'DescribeUserProfile'],
    read: async (s, client, _out, ref) => ({
      Apps: await listApps(s, client, ref.name),
      Spaces: await listSpaces(s, client, ref.name),
      UserProfiles: await describeProfiles(s, client, ref.name),
    }),
  },
  list: { paginator: (s) => s.paginateListDomains, arns: (page) => page.Domains?.map((d) => d.DomainArn) },
  // The safe default; deleteSteps sends the RetentionPolicy the plan chose.
  delete: (s, id) => new s.DeleteDomainCommand({ DomainId: id, RetentionPolicy: { HomeEfsFileSystem: 'Retain' } }),
  waitUntilGone: (s, options, id) =>
    waitUntilSageMakerGone(options, { DomainId: id }, async (client, input) => (await client.send(new s.DescribeDomainCommand(input))).Status, { failed: deleteFailed }),
  children,
  // The delete lists each kind again (those calls take no resource), and deletes each child on its own ARN.
  deleteActions: { held: [...LIST_ACTIONS, ...Object.values(DELETE_ACTION)] },
  actions: (r) => [
    ...LIST_ACTIONS.map((action) => ({ action, resource: '*' })),
    ...children(r).flatMap((c) => (DELETE_ACTION[c.kind] ? [{ action: DELETE_ACTION[c.kind] as string, resource: c.id }] : [])),
  ],

  async deleteSteps(r, { sdk, client, waiter, describe }, steps) {
    const now = await describe();
    if (now !== GONE && now.Status === 'Deleting') return; // on its way out: waitUntilGone does the rest
    const DomainId = r.ref.name;
    // A domain gone since the plan (or while its contents are listed) has nothing left in it: its delete
    // step then fails with not-found, for the core to report as gone.
    let gone = now === GONE;
    const relist = async <T>(call: () => Promise<T[]>): Promise<T[]> => {
      const out = gone ? GONE : await describeOrGone(SAGEMAKER_NOT_FOUND, call);
      gone = out === GONE;
      return out === GONE ? [] : out;
    };

    const apps = await relist(() => listApps(sdk, client, DomainId));
    await removeEach(steps, 'app', apps.filter(appToDelete), (a) => appArn(r.ref, a), (a) => `deleted app ${a.AppName} (${a.AppType}) of ${owner(a)}`, (a) =>
      client.send(new sdk.DeleteAppCommand({ DomainId, AppType: a.AppType, AppName: a.AppName, ...(a.SpaceName ? { SpaceName: a.SpaceName } : { UserProfileName: a.UserProfileName }) })),
    );
    if (apps.some((a) => !appSettled(a))) {
      await waitUntilSageMakerGone(waiter(), { DomainId }, async (c) => ((await listApps(sdk, c, DomainId)).some((a) => !appSettled(a)) ? 'apps not yet Deleted' : GONE));
    }

    const spaces = await relist(() => listSpaces(sdk, client, DomainId));
    await removeEach(steps, 'space', spaces.filter(notDeleting), (s) => spaceArn(r.ref, s.SpaceName), (s) => `deleted space ${s.SpaceName}`, (s) =>
      client.send(new sdk.DeleteSpaceCommand({ DomainId, SpaceName: s.SpaceName })),
    );
    if (spaces.length > 0) await waitUntilSageMakerGone(waiter(), { DomainId }, async (c) => leftOf(await listSpaces(sdk, c, DomainId)), { failed: deleteFailed });

    const profiles = await relist(() => listProfiles(sdk, client, DomainId));
    await removeEach(steps, 'user-profile', profiles.filter(notDeleting), (p) => profileArn(r.ref, p.UserProfileName), (p) => `deleted user profile ${p.UserProfileName}`, (p) =>
      client.send(new sdk.DeleteUserProfileCommand({ DomainId, UserProfileName: p.UserProfileName })),
    );
    if (profiles.length > 0) await waitUntilSageMakerGone(waiter(), { DomainId }, async (c) => leftOf(await listProfiles(sdk, c, DomainId)), { failed: deleteFailed });

    await steps.run({ name: 'delete' }, () => client.send(new sdk.DeleteDomainCommand({ DomainId, RetentionPolicy: { HomeEfsFileSystem: retentionOf(r) } })));
  },
});

/**
 * The domain plus what the declaration cannot say: the roles its profiles name (in `uses`, read again
 * by readUses), and the retention choice, recorded by describe from the run's settings and honoured by
 * the delete.
 */
export const sagemakerDomain: ResourceHandler = {
  ...domain,
  async describe(ref, ctx, hint) {
    const d = await domain.describe(ref, ctx, hint);
    if (d === GONE) return GONE;
    const uses = [...new Set([...d.uses, ...profileRoles(contentsOf({ ref, described: d }).UserProfiles ?? [])])];
    return { ...d, uses, config: { ...d.config, RetentionPolicy: { HomeEfsFileSystem: efsOnDelete(ctx.settings) } } };
  },
  // DescribeDomain, then its profiles (ListUserProfiles, a DescribeUserProfile each): what it uses, and no more.
  async readUses(ref, ctx) {
    const uses = await domain.readUses!(ref, ctx);
    if (uses === GONE) return GONE;
    const [s, client] = [await sagemakerSdk(), await ctx.aws.get('sagemaker', ref.region)];
    const profiles = await describeOrGone(SAGEMAKER_NOT_FOUND, () => describeProfiles(s, client, ref.name));
    return profiles === GONE ? GONE : [...new Set([...uses, ...profileRoles(profiles)])];
  },
  // Delete only when the plan said Delete (its config) and this run has --delete-studio-efs too.
  delete: (r, ctx, steps) =>
    domain.delete(
      efsOnDelete(ctx.settings) === 'Delete' ? r : { ...r, described: { ...r.described, config: { ...r.described.config, RetentionPolicy: { HomeEfsFileSystem: 'Retain' } } } },
      ctx,
      steps,
    ),
};
