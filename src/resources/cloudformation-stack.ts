import type { CloudFormationClient, Stack, StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { sdkPackage } from '../aws/sdk.js';
import { formatArn, lastSegment, parseArn } from '../aws/arn.js';
import type { ResourceRef, Tags } from '../model.js';
import { describeOrGone, onResource } from './common.js';
import { GONE, waiterOptions, type Child, type Gone, type HandlerContext, type Listed, type LiveResource, type ResourceHandler } from './handler.js';

const sdk = () => sdkPackage('@aws-sdk/client-cloudformation');

/** DescribeStacks by name answers ValidationError "Stack with id X does not exist" (by ARN, DELETE_COMPLETE). */
const NOT_FOUND = ['ValidationError'];

const cfn = (ctx: HandlerContext, region: string): Promise<CloudFormationClient> => ctx.aws.get('cloudformation', region);

const tagsOf = (s: Stack): Tags => Object.fromEntries((s.Tags ?? []).flatMap((t) => (t.Key === undefined ? [] : [[t.Key, t.Value ?? '']])));
/** A stack in one of these states is busy: DeleteStack would fail (or race a rollback). */
const BUSY = /_IN_PROGRESS$/;

async function stackOf(ref: ResourceRef, ctx: HandlerContext): Promise<Stack | Gone> {
  const { DescribeStacksCommand } = await sdk();
  const client = await cfn(ctx, ref.region);
  const out = await describeOrGone(NOT_FOUND, () => client.send(new DescribeStacksCommand({ StackName: ref.arn })));
  if (out === GONE) return GONE;
  const stack = out.Stacks?.[0];
  // By its ARN a deleted stack is still described, as DELETE_COMPLETE, for 90 days.
  return !stack || stack.StackStatus === 'DELETE_COMPLETE' ? GONE : stack;
}

async function resourcesOf(client: CloudFormationClient, arn: string): Promise<StackResourceSummary[]> {
  const { paginateListStackResources } = await sdk();
  const out: StackResourceSummary[] = [];
  for await (const page of paginateListStackResources({ client }, { StackName: arn })) out.push(...(page.StackResourceSummaries ?? []));
  return out;
}

/**
 * The ARN of a stack resource, for the types this tool knows, from its physical id (a name for most,
 * an ARN for some). Other types are listed in the plan as children, but not matched to resources.
 */
export function ownedArn(r: StackResourceSummary, at: { partition: string; region: string; account: string }): string | undefined {
  const id = r.PhysicalResourceId;
  if (!id || r.ResourceStatus === 'DELETE_COMPLETE') return undefined;
  if (id.startsWith('arn:')) return id;
  const arn = (service: string, resource: string, region = at.region) => formatArn({ partition: at.partition, service, region, account: at.account, resource });
  switch (r.ResourceType) {
    case 'AWS::S3::Bucket':
      return formatArn({ partition: at.partition, service: 's3', region: '', account: '', resource: id });
    case 'AWS::IAM::Role':
      return arn('iam', `role/${id}`, '');
    case 'AWS::IAM::InstanceProfile':
      return arn('iam', `instance-profile/${id}`, '');
    case 'AWS::Lambda::Function':
      return arn('lambda', `function:${id}`);
    case 'AWS::Logs::LogGroup':
      return arn('logs', `log-group:${id}`);
    case 'AWS::ECR::Repository':
      return arn('ecr', `repository/${id}`);
    case 'AWS::CodeBuild::Project':
      return arn('codebuild', `project/${id}`);
    case 'AWS::CodePipeline::Pipeline':
      return arn('codepipeline', id);
    case 'AWS::Glue::Job':
      return arn('glue', `job/${id}`);
    case 'AWS::Events::Rule':
      // `bus|rule` for a rule on a custom bus.
      return id.includes('|') ? arn('events', `rule/${id.replace('|', '/')}`) : arn('events', `rule/${id}`);
    case 'AWS::Events::EventBus':
      return arn('events', `event-bus/${id}`);
    default:
      return undefined;
  }
}

const resourcesConfig = (r: LiveResource): StackResourceSummary[] => (r.described.config.Resources as StackResourceSummary[] | undefined) ?? [];
const stackConfig = (r: LiveResource): Stack => r.described.config.Stack as Stack;

/** What blocked a failed delete: each resource CloudFormation could not delete, with its reason. */
const blockers = (resources: readonly StackResourceSummary[]): string =>
  resources
    .filter((x) => x.ResourceStatus === 'DELETE_FAILED')
    .map((x) => `${x.LogicalResourceId} (${x.ResourceType}${x.PhysicalResourceId ? ` ${x.PhysicalResourceId}` : ''}): ${x.ResourceStatusReason ?? 'no reason given'}`)
    .join('; ');

/** Every IAM action its delete needs, whatever its state: all on the resource itself. */
const ACTIONS = ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources', 'cloudformation:DeleteStack'];

/**
 * A CloudFormation stack. DeleteStack removes every resource it owns (those with DeletionPolicy Retain
 * stay, as CloudFormation says), then the stack: the resources are never deleted one by one here. The
 * plan lists them under the stack, and a resource the stack owns that something staying uses holds the
 * stack back (the core decides ownership from `owns`, from a nested stack's parent, and from the
 * `aws:cloudformation:stack-id` tag AWS puts on a stack's resources). A stack in DELETE_FAILED is
 * deleted again; a delete that fails names the resources that blocked it. Termination protection, or
 * an operation in progress, blocks it.
 *
 * Tagging API: AWS lists `cloudformation:stack` among supported resources (Resource Groups Tagging API,
 * supported services); moto 5.2.5 returns stacks too.
 */
export const cloudformationStack: ResourceHandler = {
  type: 'cloudformation:stack',
  description: 'CloudFormation stack, with every resource it owns (DeleteStack, then waits; resources retained by DeletionPolicy stay)',
  arnPattern: /^arn:[\w-]+:cloudformation:[\w-]+:\d{12}:stack\/[A-Za-z][A-Za-z0-9-]*\/[\w-]+$/,
  client: 'cloudformation',
  taggingApi: true,
  references: ['iam:role'],
  notFound: NOT_FOUND,
  reads: ['DescribeStacks', 'ListStackResources', 'GetTemplate'],
  nameOf: (arn) => {
    const parts = (parseArn(arn)?.resource ?? arn).split('/');
    return parts[1] ?? lastSegment(arn);
  },

  /** DescribeStacks without a name: every live stack, with its tags and service role, in pages of its own size. */
  async list(ctx, region) {
    const { paginateDescribeStacks } = await sdk();
    const client = await cfn(ctx, region);
    const out: Listed[] = [];
    for await (const page of paginateDescribeStacks({ client }, {})) {
      for (const s of page.Stacks ?? []) {
        if (s.StackId && s.StackStatus !== 'DELETE_COMPLETE') out.push({ arn: s.StackId, tags: tagsOf(s), uses: s.RoleARN ? [s.RoleARN] : [] });
      }
    }
    return out;
  },

  /** Every live stack (from `list`) with the resources it owns: one ListStackResources per stack. */
  async listOwned(ctx, region, listed) {
    const client = await cfn(ctx, region);
    return Promise.all(
      listed.map(async ({ arn }) => {
        const at = parseArn(arn);
        const resources = await resourcesOf(client, arn);
        return { arn, owns: at ? resources.flatMap((x) => ownedArn(x, { partition: at.partition, region, account: at.account }) ?? []) : [] };
      }),
    );
  },

  async describe(ref, ctx) {
    const { GetTemplateCommand } = await sdk();
    const stack = await stackOf(ref, ctx);
    if (stack === GONE) return GONE;
    const client = await cfn(ctx, ref.region);
    const [resources, template] = await Promise.all([
      resourcesOf(client, ref.arn),
      client.send(new GetTemplateCommand({ StackName: ref.arn, TemplateStage: 'Original' })),
    ]);
    const at = { partition: ref.partition, region: ref.region, account: ref.account };
    return {
      tags: tagsOf(stack),
      // The template and its parameters: what re-creates it.
      config: { Stack: stack, TemplateBody: template.TemplateBody ?? null, Resources: resources },
      uses: stack.RoleARN ? [stack.RoleARN] : [],
      owns: resources.flatMap((x) => ownedArn(x, at) ?? []),
      ...(stack.ParentId ? { ownedBy: stack.ParentId } : {}),
    };
  },

  blocked(r) {
    const s = stackConfig(r);
    if (s.EnableTerminationProtection) return 'termination protection is on: CloudFormation refuses DeleteStack until it is turned off';
    const status = String(s.StackStatus);
    if (BUSY.test(status) && status !== 'DELETE_IN_PROGRESS' && status !== 'REVIEW_IN_PROGRESS') return `an operation is in progress (${status}): delete it once the stack settles`;
    return undefined;
  },

  children(r): Child[] {
    return resourcesConfig(r)
      .filter((x) => x.ResourceStatus !== 'DELETE_COMPLETE')
      .map((x) => ({ kind: 'stack-resource', id: `${x.LogicalResourceId} (${x.ResourceType}${x.PhysicalResourceId ? ` ${x.PhysicalResourceId}` : ''})` }));
  },

  // The stack deletes its resources with the caller's permissions (or its service role): those are
  // the resources' own actions, not checked here; the stack's own are.
  deleteActions: { tagged: ACTIONS },
  actions: (r) => onResource(r.ref.arn, ACTIONS),

  async currentTags(ref, ctx) {
    const stack = await stackOf(ref, ctx);
    return stack === GONE ? GONE : tagsOf(stack);
  },

  async delete(r, ctx, steps) {
    const { DeleteStackCommand } = await sdk();
    const client = await cfn(ctx, r.ref.region);
    const failed = stackConfig(r).StackStatus === 'DELETE_FAILED' ? blockers(resourcesConfig(r)) : '';
    await steps.run({ name: 'delete', done: `asked CloudFormation to delete stack ${r.ref.name}${failed ? ` again (it had failed: ${failed})` : ''}` }, () =>
      client.send(new DeleteStackCommand({ StackName: r.ref.arn })),
    );
  },

  async waitUntilGone(ref, ctx) {
    const { waitUntilStackDeleteComplete } = await sdk();
    const client = await cfn(ctx, ref.region);
    try {
      await waitUntilStackDeleteComplete(waiterOptions(client, ctx, { minDelay: 5, maxDelay: 30 }), { StackName: ref.arn });
    } catch (err) {
      const stack = await stackOf(ref, ctx);
      if (stack === GONE) return;
      if (stack.StackStatus === 'DELETE_FAILED') {
        const why = blockers(await resourcesOf(client, ref.arn));
        throw new Error(`the stack is DELETE_FAILED${stack.StackStatusReason ? ` (${stack.StackStatusReason})` : ''}; blocked by: ${why || 'no resource named'}`);
      }
      throw err;
    }
  },
};
