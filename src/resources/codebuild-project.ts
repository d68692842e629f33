import type { CodeBuildClient, Project } from '@aws-sdk/client-codebuild';
import { sdkPackage } from '../aws/sdk.js';
import { formatArn, lastSegment, parseArn } from '../aws/arn.js';
import type { ResourceRef, Tags } from '../model.js';
import { onResource } from './common.js';
import { GONE, type Gone, type HandlerContext, type Listed, type ResourceHandler } from './handler.js';

const sdk = () => sdkPackage('@aws-sdk/client-codebuild');

/** CodeBuild's not-found; BatchGetProjects itself never throws it (it names missing projects instead). */
const NOT_FOUND = ['ResourceNotFoundException'];
/** BatchGetProjects takes at most 100 names. ListProjects has no page size (it pages by itself). */
const BATCH = 100;

const codebuild = (ctx: HandlerContext, region: string): Promise<CodeBuildClient> => ctx.aws.get('codebuild', region);

/** CodeBuild tags are `key`/`value` (lower case), unlike most AWS APIs. */
function tagsOf(p: Project): Tags {
  const out: Tags = {};
  for (const t of p.tags ?? []) if (t.key !== undefined) out[t.key] = t.value ?? '';
  return out;
}

/**
 * The service role as a role ARN (CodeBuild returns an ARN; a bare name is read in the project's
 * account), and the log group its builds write to (its logsConfig's group, or `/aws/codebuild/<name>`,
 * unless CloudWatch logging is disabled).
 */
function usesOf(p: Project, at: { partition: string; region: string; account: string }): string[] {
  const out: string[] = [];
  const role = p.serviceRole;
  if (role) out.push(role.startsWith('arn:') ? role : formatArn({ partition: at.partition, service: 'iam', region: '', account: at.account, resource: `role/${role}` }));
  const logs = p.logsConfig?.cloudWatchLogs;
  const group = logs?.status === 'DISABLED' ? undefined : (logs?.groupName ?? (p.name ? `/aws/codebuild/${p.name}` : undefined));
  if (group) out.push(formatArn({ partition: at.partition, service: 'logs', region: at.region, account: at.account, resource: `log-group:${group}` }));
  return out;
}

/** One project by name: itself, or GONE when BatchGetProjects names it among `projectsNotFound`. */
async function getProject(ref: ResourceRef, ctx: HandlerContext): Promise<Project | Gone> {
  const { BatchGetProjectsCommand } = await sdk();
  const client = await codebuild(ctx, ref.region);
  const out = await client.send(new BatchGetProjectsCommand({ names: [ref.name] }));
  const project = out.projects?.find((p) => p.name === ref.name || p.arn === ref.arn);
  if (project) return project;
  if (out.projectsNotFound?.some((n) => n === ref.name || n === ref.arn)) return GONE;
  throw new Error(`BatchGetProjects returned neither project ${ref.name} nor its name among the projects not found`);
}

/** Every IAM action its delete needs, whatever its state: all on the resource itself. */
const ACTIONS = ['codebuild:BatchGetProjects', 'codebuild:DeleteProject'];

/**
 * A CodeBuild build project. DeleteProject is one synchronous call; its builds are kept by CodeBuild
 * (they are not resources here), and its log group `/aws/codebuild/<project>` is a separate type.
 */
export const codebuildProject: ResourceHandler = {
  type: 'codebuild:project',
  description: 'CodeBuild project (DeleteProject; its builds stay with CodeBuild, its log group is a separate resource)',
  arnPattern: /^arn:[\w-]+:codebuild:[\w-]+:\d{12}:project\/[A-Za-z0-9][A-Za-z0-9_-]*$/,
  client: 'codebuild',
  references: ['iam:role', 'logs:log-group'],
  // AWS: "The GetResources, GetTagKeys, and GetTagValues operations support all resource types" (Resource
  // Groups Tagging API, supported-services page; the exceptions it names are IAM users and roles and Auto
  // Scaling groups), so tagged projects are returned. moto 5.2.5's Tagging API does not return them.
  taggingApi: true,
  notFound: NOT_FOUND,
  // CodeBuild has no ListTagsForResource: tags come with BatchGetProjects.
  reads: ['ListProjects', 'BatchGetProjects'],
  nameOf: (arn) => lastSegment(parseArn(arn)?.resource ?? arn),

  /** ListProjects gives names; BatchGetProjects, 100 at a time, gives each one's ARN, tags and service role. */
  async list(ctx, region) {
    const { BatchGetProjectsCommand, paginateListProjects } = await sdk();
    const client = await codebuild(ctx, region);
    const names: string[] = [];
    for await (const page of paginateListProjects({ client }, {})) names.push(...(page.projects ?? []));
    const listed: Listed[] = [];
    for (let i = 0; i < names.length; i += BATCH) {
      const out = await client.send(new BatchGetProjectsCommand({ names: names.slice(i, i + BATCH) }));
      // A project deleted since ListProjects is among projectsNotFound: it is simply not listed.
      for (const p of out.projects ?? []) {
        const at = p.arn ? parseArn(p.arn) : undefined;
        if (p.arn && at) listed.push({ arn: p.arn, tags: tagsOf(p), uses: usesOf(p, at) });
      }
    }
    return listed;
  },

  // The tags come with the project itself: a hint would save nothing.
  async describe(ref, ctx) {
    const project = await getProject(ref, ctx);
    if (project === GONE) return GONE;
    return { tags: tagsOf(project), config: { ...project }, uses: usesOf(project, ref) };
  },

  deleteActions: { tagged: ACTIONS },
  actions: (r) => onResource(r.ref.arn, ACTIONS),

  async currentTags(ref, ctx) {
    const project = await getProject(ref, ctx);
    return project === GONE ? GONE : tagsOf(project);
  },

  async delete(r, ctx, steps) {
    const { DeleteProjectCommand } = await sdk();
    const client = await codebuild(ctx, r.ref.region);
    await steps.run({ name: 'delete', done: `deleted project ${r.ref.name}` }, () => client.send(new DeleteProjectCommand({ name: r.ref.name })));
  },
};
