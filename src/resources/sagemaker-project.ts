import type { DescribeProjectCommandOutput } from '@aws-sdk/client-sagemaker';
import { GONE, type Child, type LiveResource, type ResourceHandler } from './handler.js';
import { sagemakerType, waitUntilSageMakerGone } from './sagemaker-common.js';

type Project = Partial<DescribeProjectCommandOutput>;

/** A CloudFormation stack's ARN (its StackId): `arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<uuid>`. */
const STACK_ARN = /^arn:[\w-]+:cloudformation:[\w-]+:\d{12}:stack\/[^/]+\/[^/]+$/;

/** The stacks a template-provider project made (TemplateProviderDetails): those whose id is a stack ARN. */
function stacksOf(p: Project): { arn: string; name: string }[] {
  return (p.TemplateProviderDetails ?? []).flatMap((t) => {
    const stack = t.CfnTemplateProviderDetail?.StackDetail;
    return stack?.Id && STACK_ARN.test(stack.Id) ? [{ arn: stack.Id, name: stack.Name ?? stack.Id }] : [];
  });
}

const LOST = 'terminated with the project: CloudFormation deletes the resources its template made (not one by one, not in the backup)';

/** What DeleteProject removes with the project: its Service Catalog provisioned product, or its CloudFormation stacks. */
function projectChildren(r: LiveResource): Child[] {
  const p = r.described.config as Project;
  const product = p.ServiceCatalogProvisionedProductDetails?.ProvisionedProductId;
  return [
    ...(product ? [{ kind: 'provisioned-product', id: product, lost: LOST }] : []),
    ...stacksOf(p).map((s) => ({ kind: 'cloudformation-stack', id: s.name, lost: LOST })),
  ];
}

/** Why the delete failed, in the project's own words (the provisioned product's or a stack's status message). */
function failure(p: Project): string {
  const why = [
    p.ServiceCatalogProvisionedProductDetails?.ProvisionedProductStatusMessage,
    ...(p.TemplateProviderDetails ?? []).map((t) => t.CfnTemplateProviderDetail?.StackDetail?.StatusMessage),
  ].filter(Boolean);
  return `project ${p.ProjectName ?? ''} is DeleteFailed${why.length ? `: ${why.join('; ')}` : ''}`;
}

/**
 * A SageMaker project (an MLOps template instance). DeleteProject terminates what backs it: the Service
 * Catalog provisioned product (SageMaker-provided and custom Service Catalog templates), whose
 * CloudFormation stack deletes the repositories, pipelines, CodeBuild projects, rules and buckets the
 * template made; or, for a project made from CloudFormation templates directly, those stacks. Both are
 * shown as children. The delete waits until DescribeProject says not found (DeleteCompleted counts as
 * done; DeleteFailed fails it, with the status message). It uses the role each template provider names
 * (CloudFormation deletes the stack with it): that role is deleted after the project.
 *
 * `owns`: the stacks of template-provider projects (their StackDetail.Id is the stack ARN). Not the
 * provisioned product: its ARN is `arn:<partition>:servicecatalog:<region>:<account>:stack/<provisioned
 * product NAME>/<pp-id>` (Service Catalog's ProvisionedProductDetail.Arn), and DescribeProject gives only
 * the pp id, not the name, so the ARN cannot be built reliably from it.
 *
 * Tagging API: AWS documents that GetResources supports all resource types except IAM users and roles
 * (and Auto Scaling groups) (Resource Groups Tagging API reference, "Services that support the Resource
 * Groups Tagging API"), and projects are taggable SageMaker resources (CreateProject's Tags): returned.
 * moto 5.2.5 has no project calls at all (HTTP 500).
 */
const base = sagemakerType({
  kind: 'project',
  description:
    'SageMaker project (DeleteProject, which terminates its Service Catalog provisioned product or CloudFormation stacks and the resources they made, then waits until it is gone)',
  references: ['iam:role'],
  taggingApi: true,
  describe: (s, name) => new s.DescribeProjectCommand({ ProjectName: name }),
  uses: (out) => (out.TemplateProviderDetails ?? []).map((t) => t.CfnTemplateProviderDetail?.RoleARN),
  list: { paginator: (s) => s.paginateListProjects, arns: (page) => page.ProjectSummaryList?.map((p) => p.ProjectArn) },
  delete: (s, name) => new s.DeleteProjectCommand({ ProjectName: name }),
  waitUntilGone: (s, options, name) =>
    waitUntilSageMakerGone(
      options,
      { ProjectName: name },
      async (client, input) => {
        const out = await client.send(new s.DescribeProjectCommand(input));
        return out.ProjectStatus === 'DeleteCompleted' ? GONE : out;
      },
      { failed: (out) => out.ProjectStatus === 'DeleteFailed' && new Error(failure(out)), otherErrors: 'thrown' },
    ),
  children: projectChildren,

  async deleteSteps(_r, { describe, deleteStep }) {
    const now = await describe();
    // Already on its way out (or out): waitUntilGone does the rest.
    if (now !== GONE && (now.ProjectStatus === 'DeleteInProgress' || now.ProjectStatus === 'DeleteCompleted')) return;
    await deleteStep();
  },
});

export const sagemakerProject: ResourceHandler = {
  ...base,
  // The stacks it owns go with it only (sagemakerType has no hook for `owns`).
  async describe(ref, ctx, hint) {
    const d = await base.describe(ref, ctx, hint);
    if (d === GONE) return GONE;
    const owns = stacksOf(d.config as Project).map((s) => s.arn);
    return owns.length > 0 ? { ...d, owns } : d;
  },
};
