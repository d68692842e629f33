import type { ModelPackageSummary, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { optional, parseDocument, unlessGone } from './common.js';
import { GONE, type LiveResource } from './handler.js';
import { SAGEMAKER_NOT_FOUND, sagemakerType, waitUntilSageMakerGone, type SageMakerSdk, type SageMakerWaiterOptions } from './sagemaker-common.js';

/** ListModelPackages' largest page. */
const PACKAGE_PAGE = 100;

/** Every version registered in the group (ListModelPackages, every page). */
async function versionsOf(s: SageMakerSdk, client: SageMakerClient, ModelPackageGroupName: string): Promise<ModelPackageSummary[]> {
  const found: ModelPackageSummary[] = [];
  const input = { ModelPackageGroupName, ModelPackageType: 'Versioned' as const };
  for await (const page of s.paginateListModelPackages({ client, pageSize: PACKAGE_PAGE }, input)) found.push(...(page.ModelPackageSummaryList ?? []));
  return found;
}

/**
 * Resolves once the group has no version left (a version's delete may take a moment: Deleting). A group
 * gone meanwhile has none; any other error ends the wait at once.
 */
function waitUntilEmpty(s: SageMakerSdk, options: SageMakerWaiterOptions, ModelPackageGroupName: string): Promise<void> {
  return waitUntilSageMakerGone(options, { ModelPackageGroupName }, async (client, input) => {
    const left = await versionsOf(s, client, input.ModelPackageGroupName);
    return left.length === 0 ? GONE : left;
  });
}

/** The ARNs of the versions describe found: the children. */
function plannedVersions(r: LiveResource): string[] {
  const packages = (r.described.config.ModelPackages ?? []) as readonly { ModelPackageArn?: string }[];
  return packages.flatMap((p) => (p.ModelPackageArn ? [p.ModelPackageArn] : []));
}

const VERSION_LOST = 'its version number and approval history; the backup keeps its description, its artifacts in S3 and images in ECR stay';

/**
 * A SageMaker model package group (a Model Registry "model group"). Its model versions (versioned model
 * packages) are deleted first, each its own step, the group listed again so that a version registered
 * since the plan goes too; the delete waits until none is left, then DeleteModelPackageGroup, waited for
 * until DescribeModelPackageGroup says not found (DeleteFailed fails it). The backup keeps the group, its
 * resource policy (GetModelPackageGroupPolicy; AWS answers ValidationException when there is none) and
 * each version's full DescribeModelPackage. Model artifacts in S3 and images in ECR are separate
 * resources. Whether DeleteModelPackageGroup refuses a group that still has a resource policy is not
 * documented; the policy is left to the group's delete.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and model package groups are taggable SageMaker resources: returned. moto's
 * returns them too (not their versions). moto 5.2.5 has no GetModelPackageGroupPolicy, DeleteModelPackage
 * or DeleteModelPackageGroup (HTTP 500).
 */
export const sagemakerModelPackageGroup = sagemakerType({
  kind: 'model-package-group',
  description: 'SageMaker model package group, with its model versions (DeleteModelPackage for each, DeleteModelPackageGroup, then waits until it is gone)',
  references: [],
  taggingApi: true,
  describe: (s, name) => new s.DescribeModelPackageGroupCommand({ ModelPackageGroupName: name }),
  uses: () => [],
  details: {
    reads: ['GetModelPackageGroupPolicy', 'ListModelPackages', 'DescribeModelPackage'],
    async read(s, client, _out, ref) {
      const ModelPackageGroupName = ref.name;
      // Read after the group was found: ValidationException here is "no resource policy".
      const policy = await optional(['ValidationException'], () => client.send(new s.GetModelPackageGroupPolicyCommand({ ModelPackageGroupName })));
      const ModelPackages: Record<string, unknown>[] = [];
      for (const v of await versionsOf(s, client, ModelPackageGroupName)) {
        const ModelPackageName = v.ModelPackageArn;
        if (!ModelPackageName) continue;
        // A version deleted since the listing is simply not there any more.
        const full = await optional(SAGEMAKER_NOT_FOUND, () => client.send(new s.DescribeModelPackageCommand({ ModelPackageName })));
        if (full) ModelPackages.push(full);
      }
      return { ResourcePolicy: parseDocument(policy?.ResourcePolicy as string | undefined), ModelPackages };
    },
  },
  // It uses nothing: said at once, so the usage check reads no more of it.
  list: {
    paginator: (s) => s.paginateListModelPackageGroups,
    arns: (page) => page.ModelPackageGroupSummaryList?.map((g) => g.ModelPackageGroupArn && { arn: g.ModelPackageGroupArn, uses: [] }),
  },
  delete: (s, name) => new s.DeleteModelPackageGroupCommand({ ModelPackageGroupName: name }),
  waitUntilGone: (s, options, name) =>
    waitUntilSageMakerGone(
      options,
      { ModelPackageGroupName: name },
      (client, input) => client.send(new s.DescribeModelPackageGroupCommand(input)),
      { failed: (out) => out.ModelPackageGroupStatus === 'DeleteFailed' && new Error(`model package group ${name} is DeleteFailed`), otherErrors: 'thrown' },
    ),
  children: (r) => plannedVersions(r).map((id) => ({ kind: 'model-package', id, lost: VERSION_LOST })),
  // Listing the versions is authorized on `*`, deleting one on its own ARN (model-package/<group>/<version>).
  deleteActions: { held: ['sagemaker:ListModelPackages', 'sagemaker:DeleteModelPackage'] },
  actions: (r) => [
    { action: 'sagemaker:ListModelPackages', resource: '*' },
    ...plannedVersions(r).map((resource) => ({ action: 'sagemaker:DeleteModelPackage', resource })),
  ],

  async deleteSteps(r, { sdk, client, waiter, describe, deleteStep }, steps) {
    const now = await describe();
    if (now !== GONE && now.ModelPackageGroupStatus === 'Deleting') return; // already on its way out
    // Listed again: a version registered since the plan would be left behind. A group gone since has
    // none, and its delete step fails with not-found, for the core to report as gone.
    const live = now === GONE ? [] : await versionsOf(sdk, client, r.ref.name);
    let first = true;
    for (const v of live) {
      const arn = v.ModelPackageArn;
      if (!arn) continue;
      // One step per version; the tags are re-checked before the first (the executor re-checks every few).
      await steps.run({ name: 'delete-version', child: { kind: 'model-package', id: arn }, done: `deleted model version ${v.ModelPackageVersion ?? arn}`, recheck: first }, () =>
        // Not found: the version is gone already.
        unlessGone(SAGEMAKER_NOT_FOUND, () => client.send(new sdk.DeleteModelPackageCommand({ ModelPackageName: arn }))),
      );
      first = false;
    }
    if (live.length > 0) await waitUntilEmpty(sdk, waiter(), r.ref.name);
    await deleteStep();
  },
});
